// Sends NDJSON events with @algolia/client-insights pushEvents in 1000-event batches to a local endpoint,
// `concurrency` requests in flight, and prints {"events":N,"seconds":S,"readSeconds":R} on stdout.
// Usage: node pushevents.mjs NODE_MODULES_DIR BASE_URL FILE CONCURRENCY
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

const [, , modulesDir, baseUrl, file, concurrencyText] = process.argv;
const require = createRequire(path.join(modulesDir, 'package.json'));
const { insightsClient } = require('@algolia/client-insights');

const url = new URL(baseUrl);
const client = insightsClient('BENCHAPP', 'bench-key', undefined, {
  hosts: [{ url: url.hostname, port: Number(url.port), protocol: 'http', accept: 'readWrite' }],
});

const readStart = performance.now();
const events = fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line));
const readSeconds = (performance.now() - readStart) / 1000;
const batches = [];
for (let i = 0; i < events.length; i += 1000) batches.push(events.slice(i, i + 1000));

let next = 0;
let failed = 0;
async function worker() {
  while (next < batches.length) {
    const batch = batches[next++];
    try {
      await client.pushEvents({ events: batch });
    } catch (error) {
      failed += batch.length;
      if (failed === batch.length) console.error(String(error));
    }
  }
}
const start = performance.now();
await Promise.all(Array.from({ length: Number(concurrencyText) || 2 }, worker));
const seconds = (performance.now() - start) / 1000;
console.log(JSON.stringify({ events: events.length, failed, seconds, readSeconds }));
