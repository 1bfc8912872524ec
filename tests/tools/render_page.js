// Load a local HTML page in Chromium (playwright-core driving Debian's chromium), report what a
// reader would see as JSON on stdout, and save a full-page screenshot.
//   node render_page.js CHROMIUM PAGE.html SCREENSHOT.png [WIDTH] [SEARCH]
// With SEARCH (a documentation site's page), it types the words into the site's search box and
// reports how many results the search shows.
// Besides counts, it lists words the layout broke inside (a word whose glyphs sit on two lines) and
// chart texts that overlap each other (an axis title over its tick labels), and gives the page's
// scrollWidth and clientWidth (wider content scrolls sideways) and every request not to file: or data:.
const { chromium } = require("playwright-core");

(async () => {
  const [executable, page_path, screenshot, width, search] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: executable,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: Number(width || 1280), height: 900 } });
  const problems = [];
  const requests = [];
  page.on("console", (message) => { if (message.type() === "error") problems.push(message.text()); });
  page.on("pageerror", (error) => problems.push(String(error)));
  page.on("request", (request) => { if (!request.url().startsWith("file:") && !request.url().startsWith("data:")) requests.push(request.url()); });
  await page.goto("file://" + page_path, { waitUntil: "load" });
  const report = await page.evaluate(() => ({
    title: document.title,
    sections: [...document.querySelectorAll("section")].map((s) => s.id),
    diffRows: document.querySelectorAll("#changes table tbody tr").length,
    findingRows: document.querySelectorAll("#findings table tbody tr").length,
    images: [...document.querySelectorAll("#gallery img")].map((i) => ({ width: i.naturalWidth, height: i.naturalHeight })),
    boxes: document.querySelectorAll("#gallery svg rect").length,
    charts: document.querySelectorAll("svg.chart").length,
    checklist: document.querySelectorAll("#signoff li").length,
    scripts: document.querySelectorAll("script").length,
    brokenWords: (() => {
      const broken = [];
      for (const cell of document.querySelectorAll("th, td, .sub")) {
        const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          for (const match of node.textContent.matchAll(/[A-Za-z0-9]+/g)) {  // a word: breaking after / . - is fine
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
            if (tops.size > 1) broken.push(match[0]);
          }
        }
      }
      return broken;
    })(),
    chartOverlaps: [...document.querySelectorAll("svg.chart")].flatMap((chart) => {
      const boxes = [...chart.querySelectorAll("text")].map((t) => ({ text: t.textContent, box: t.getBoundingClientRect() }));
      const overlaps = [];
      boxes.forEach((a, i) => boxes.slice(i + 1).forEach((b) => {
        if (a.box.left < b.box.right - 0.5 && b.box.left < a.box.right - 0.5 &&
            a.box.top < b.box.bottom - 0.5 && b.box.top < a.box.bottom - 0.5) overlaps.push(`${a.text} / ${b.text}`);
      }));
      return overlaps;
    }),
    overflowX: document.documentElement.scrollWidth > window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  await page.screenshot({ path: screenshot, fullPage: true });  // the page as loaded, before any search
  let searchResults = null;
  if (search) {
    await page.waitForTimeout(1000);
    await page.keyboard.press("/");  // the site's key for its search box, at any width
    await page.keyboard.type(search, { delay: 50 });  // key by key, as a reader types
    searchResults = await page.waitForSelector(".md-search-result__item", { timeout: 15000 })
      .then(() => page.locator(".md-search-result__item").count(), () => 0);
  }
  await browser.close();
  console.log(JSON.stringify({ ...report, searchResults, problems, requests }));
})().catch((error) => { console.error(String(error)); process.exit(1); });
