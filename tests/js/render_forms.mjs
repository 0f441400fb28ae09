// Renders form.io documents with the real @formio/js in headless Chromium and reports what
// a user would see. Usage: node render_forms.mjs <baseUrl> <screenshotDir> <name>...
// Each <name> is served as <baseUrl>/forms/<name>.json; the page is <baseUrl>/page.html.
// Prints one JSON object: {name: {labels, inputs, errors, submitted}}.
import { chromium } from 'playwright-core';

const [baseUrl, shotDir, ...names] = process.argv.slice(2);
const userDataDir = process.env.M8FLOW_CHROMIUM_PROFILE;
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

// A fresh profile directory per run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.M8FLOW_CHROMIUM || '/usr/bin/chromium', args, headless: true,
  viewport: { width: 1000, height: 800 },
});
// Nothing leaves localhost: anything else is recorded and refused.
await browser.route((url) => !url.href.startsWith(baseUrl), (route) => route.abort());
const results = {};
try {
  for (const name of names) {
    const page = await browser.newPage();
    const consoleErrors = [];
    page.on('pageerror', (e) => consoleErrors.push(String(e)));
    const offsite = [];
    page.on('request', (r) => { if (!r.url().startsWith(baseUrl)) offsite.push(r.url()); });
    await page.goto(`${baseUrl}/page.html?form=${encodeURIComponent(name)}`);
    await page.waitForFunction(() => window.__ready === true || window.__failed, null,
      { timeout: 20000 });
    const failed = await page.evaluate(() => window.__failed || null);
    const seen = await page.evaluate(() => ({
      labels: Array.from(document.querySelectorAll('#formio label, #formio legend, #formio .card-title'))
        .map((l) => l.textContent.replace(/\s+/g, ' ').trim()).filter(Boolean),
      inputs: Array.from(document.querySelectorAll('#formio [name^="data["]'))
        .map((i) => i.getAttribute('name').slice(5, -1)),
    }));
    await page.click('#formio button[name="data[submit]"]');
    await page.waitForTimeout(500);
    const after = await page.evaluate(() => ({
      errors: Array.from(document.querySelectorAll('#formio .formio-errors .error, #formio .alert-danger li, #formio .invalid-feedback'))
        .map((e) => e.textContent.replace(/\s+/g, ' ').trim()).filter(Boolean),
      submitted: window.__submitted || null,
    }));
    await page.screenshot({ path: `${shotDir}/${name}.png`, fullPage: true });
    results[name] = { ...seen, ...after, failed, pageErrors: consoleErrors, offsite };
    await page.close();
  }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(results));
