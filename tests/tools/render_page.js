// Load a local HTML page in Chromium (playwright-core driving Debian's chromium), report what a
// reader would see as JSON on stdout, and save a full-page screenshot.
//   node render_page.js CHROMIUM PAGE.html SCREENSHOT.png [WIDTH]
// Besides counts, it lists words the layout broke inside (a word whose glyphs sit on two lines) and
// chart texts that overlap each other (an axis title over its tick labels).
const { chromium } = require("playwright-core");

(async () => {
  const [executable, page_path, screenshot, width] = process.argv.slice(2);
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
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  await browser.close();
  console.log(JSON.stringify({ ...report, problems, requests }));
})().catch((error) => { console.error(String(error)); process.exit(1); });
