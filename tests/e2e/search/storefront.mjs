// Serves the storefront pages from a local origin and drives them in headless Chromium (puppeteer-core):
// on each page, search, go to page 2, click its third hit. Prints one JSON line: what each page clicked.
//   node storefront.mjs ENDPOINT_URL
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import puppeteer from 'puppeteer-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const endpoint = process.argv[2];
const files = {
  '/index.html': path.join(here, 'storefront/index.html'),
  '/broken.html': path.join(here, 'storefront/broken.html'),
  '/storefront.js': path.join(here, 'storefront/storefront.js'),
  '/insights-stub.js': path.join(here, 'storefront/insights-stub.js'),
  '/vendor/algoliasearch-lite.umd.js': path.join(here, 'node_modules/algoliasearch/dist/lite/builds/browser.umd.js'),
  '/vendor/instantsearch.production.min.js':
    path.join(here, 'node_modules/instantsearch.js/dist/instantsearch.production.min.js'),
  '/vendor/search-insights.min.js': path.join(here, 'node_modules/search-insights/dist/search-insights.min.js'),
};

const server = http.createServer((request, response) => {
  const file = files[new URL(request.url, 'http://x').pathname];
  if (!file) {
    response.writeHead(404).end();
    return;
  }
  const type = file.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
  response.writeHead(200, { 'content-type': type }).end(fs.readFileSync(file));
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const origin = `http://127.0.0.1:${server.address().port}`;

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});

async function clickOnPageTwo(pageName) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  page.on('console', (message) => process.stderr.write(`[${pageName}] ${message.type()}: ${message.text()}\n`));
  page.on('response', (response) => {
    if (response.status() >= 400)
      process.stderr.write(`[${pageName}] ${response.status()} ${response.request().method()} ${response.url()}\n`);
  });
  page.on('requestfailed', (request) =>
    process.stderr.write(`[${pageName}] request failed: ${request.url()} ${request.failure()?.errorText}\n`));
  await page.goto(`${origin}/${pageName}?endpoint=${encodeURIComponent(endpoint)}`);
  await page.waitForSelector('.hit', { timeout: 30000 });
  await page.type('.ais-SearchBox-input', 'the');
  await page.waitForFunction(() => window.storefront.search.helper.lastResults?.query === 'the', { timeout: 30000 });
  await page.evaluate(() => [...document.querySelectorAll('.ais-Pagination-item--page a')]
    .find((link) => link.textContent.trim() === '2').click());
  await page.waitForFunction(() => window.storefront.search.helper.lastResults?.page === 1 &&
                                   document.querySelector('.hit')?.dataset.position === '6', { timeout: 30000 });
  const hit = await page.$$eval('.hit', (links) => ({ ...links[2].dataset }));
  await page.click('.ais-Hits-item:nth-child(3) .hit');
  // search-insights sends with sendBeacon: give the browser a moment to queue it before the page goes.
  await new Promise((resolve) => setTimeout(resolve, 500));
  await page.screenshot({ path: path.join(here, `${pageName}.png`) });
  await page.close();
  return { objectID: hit.objectId, position: Number(hit.position), queryID: hit.queryId, errors };
}

let result;
try {
  result = { correct: await clickOnPageTwo('index.html'), broken: await clickOnPageTwo('broken.html') };
} catch (error) {
  result = { error: String(error && error.stack || error) };
}
await browser.close();
server.close();
console.log(JSON.stringify(result));
