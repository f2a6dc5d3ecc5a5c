// Opens the built-in demo storefront of a running endpoint in headless Chromium (puppeteer-core) as a phone in
// the room would: searches, turns to page 2, opens its second hit, adds it to the cart and buys it. Prints one
// JSON line: what was clicked (objectID, position, queryID), the token the page kept, and page errors.
//   node shop.mjs ENDPOINT_URL SCREENSHOT_PATH
import puppeteer from 'puppeteer-core';

const [endpoint, screenshot] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
         '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 390, height: 844, isMobile: true, hasTouch: true, deviceScaleFactor: 1 });
  const errors = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  await page.goto(`${endpoint}/demo/`);
  await page.waitForSelector('.hit', { timeout: 30000 });
  await page.type('#q', 'drama');
  await page.click('#search-button');
  await page.waitForFunction(() => window.storefront.resultQuery === 'drama' && window.storefront.page === 0 &&
                                   document.querySelector('.hit'), { timeout: 30000 });
  await page.click('#next-page');
  await page.waitForFunction(() => window.storefront.page === 1 &&
                                   document.querySelector('.hit')?.dataset.position === '9', { timeout: 30000 });
  const hit = await page.$$eval('.hit', (buttons) => ({ ...buttons[1].dataset }));
  const queryID = await page.evaluate(() => window.storefront.queryID);
  await page.click('.hits li:nth-child(2) .hit');
  await page.waitForSelector('#product:not([hidden])', { timeout: 30000 });
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('200'), { timeout: 30000 });
  await page.click('#add-to-cart');
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('Added To Cart'),
                             { timeout: 30000 });
  await page.click('#buy');
  await page.waitForFunction(() => document.querySelector('#status').textContent.includes('Purchased'),
                             { timeout: 30000 });
  const status = await page.$eval('#status', (element) => element.textContent);
  const userToken = await page.evaluate(() => localStorage.getItem('insightsDemoUserToken'));
  if (screenshot) await page.screenshot({ path: screenshot });
  console.log(JSON.stringify({ objectID: hit.objectId, position: Number(hit.position), queryID, userToken, status,
                               errors }));
} finally {
  await browser.close();
}
