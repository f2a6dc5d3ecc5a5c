// Sends events with the real Algolia clients to a running `insights-debugger serve` and prints, as one JSON
// line, what each client saw. Usage: node clients.mjs http://127.0.0.1:PORT
// The C++ test (tst_e2eclients) then checks through the automation API that the endpoint judged each event.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createInsightsClient } = require('search-insights');
const { insightsClient } = require('@algolia/client-insights');

const baseUrl = process.argv[2];
if (!baseUrl) {
  console.error('usage: node clients.mjs http://127.0.0.1:PORT');
  process.exit(2);
}
const { hostname, port } = new URL(baseUrl);
const appId = 'E2EAPP';
const apiKey = 'e2e-search-only-key-0f3b';
const queryID = '43b15df305339e827f0ac0bdc5ebcaa7';
const results = {};

// search-insights in Node: its built-in requester cannot reach a non-80 port (insights-api.md §5.1), so it gets a
// fetch-based requester through createInsightsClient, exactly as the library's Node docs suggest.
async function searchInsights() {
  const statuses = [];
  const requester = async (url, data) => {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(data),
    });
    statuses.push(response.status);
    return response.status === 200;
  };
  const aa = createInsightsClient(requester);
  aa('init', { appId, apiKey, host: baseUrl, anonymousUserToken: false, useCookie: false });
  aa('setUserToken', 'si-user');
  const viewed = await aa('viewedObjectIDs', { eventName: 'Product Viewed', index: 'products', objectIDs: ['o1', 'o2'] });
  // Filters are URL-encoded by the library (brand%3AApple): Algolia accepts that.
  const filtered = await aa('clickedFilters', { eventName: 'Brand Clicked', index: 'products', filters: ['brand:Apple'] });
  const purchased = await aa('purchasedObjectIDsAfterSearch', {
    eventName: 'Products Purchased',
    index: 'products',
    objectIDs: ['p1'],
    objectData: [{ price: 19.99, quantity: 1, queryID }],
    value: 19.99,
    currency: 'USD',
  });
  // Invalid: two objectIDs but one position.
  const invalid = await aa('clickedObjectIDsAfterSearch', {
    eventName: 'Product Clicked',
    index: 'products',
    objectIDs: ['o1', 'o2'],
    positions: [1],
    queryID,
  });
  results.searchInsights = { viewed, filtered, purchased, invalid, statuses };
}

// @algolia/client-insights v5 with a custom host: credentials as headers, text/plain body, agent in the query.
async function clientInsights() {
  const hosts = [{ url: hostname, port: Number(port), protocol: 'http', accept: 'readWrite' }];
  const client = insightsClient(appId, apiKey, undefined, { hosts });
  const ok = await client.pushEvents({
    events: [
      { eventType: 'view', eventName: 'Product Viewed', index: 'products', userToken: 'v5-user', objectIDs: ['o1'] },
      {
        eventType: 'click',
        eventName: 'Product Clicked',
        index: 'products',
        userToken: 'v5-user',
        objectIDs: ['o1'],
        positions: [3],
        queryID,
        timestamp: Date.now(),
      },
    ],
  });
  let invalid;
  try {
    // Invalid: an email as userToken.
    await client.pushEvents({
      events: [
        { eventType: 'view', eventName: 'Product Viewed', index: 'products', userToken: 'jane@example.com', objectIDs: ['o1'] },
      ],
    });
    invalid = { status: 200 };
  } catch (error) {
    invalid = { status: error.status, message: error.message };
  }
  // Gzip: bodies over 750 characters are compressed when asked.
  const gzipClient = insightsClient(appId, apiKey, undefined, { hosts, compression: 'gzip' });
  const bigBatch = Array.from({ length: 30 }, (_, i) => ({
    eventType: 'view',
    eventName: 'Product Viewed',
    index: 'products',
    userToken: 'v5-gzip-user',
    objectIDs: [`o${i}`],
  }));
  const gzipped = await gzipClient.pushEvents({ events: bigBatch });
  await client.deleteUserToken({ userToken: 'v5-deleted-user' });
  results.clientInsights = { ok, invalid, gzipped, deleted: true };
}

try {
  await searchInsights();
  await clientInsights();
  console.log(JSON.stringify(results));
} catch (error) {
  console.error(`client error: ${error.stack || error}`);
  console.log(JSON.stringify(results));
  process.exit(1);
}
