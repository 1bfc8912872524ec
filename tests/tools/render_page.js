// Load a local HTML page in Chromium (playwright-core driving Debian's chromium), report what a
// reader would see as JSON on stdout, and save a full-page screenshot.
//   node render_page.js CHROMIUM PAGE.html SCREENSHOT.png
const { chromium } = require("playwright-core");

(async () => {
  const [executable, page_path, screenshot] = process.argv.slice(2);
  const browser = await chromium.launch({
    executablePath: executable,
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
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
  }));
  await page.screenshot({ path: screenshot, fullPage: true });
  await browser.close();
  console.log(JSON.stringify({ ...report, problems, requests }));
})().catch((error) => { console.error(String(error)); process.exit(1); });
