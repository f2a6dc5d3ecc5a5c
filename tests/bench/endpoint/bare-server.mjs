// The comparison point for the endpoint benchmark: a bare Node.js HTTP server that only reads the body, parses the
// JSON and answers Algolia's 200. Usage: node bare-server.mjs  (prints "listening on http://127.0.0.1:PORT")
import http from 'node:http';

const ok = JSON.stringify({ status: 200, message: 'OK' });
const server = http.createServer((request, response) => {
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    let status = 200;
    try {
      JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      status = 422;
    }
    const body = status === 200 ? ok : JSON.stringify({ status: 422, message: 'Invalid payload' });
    response.writeHead(status, {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
    });
    response.end(body);
  });
});
server.keepAliveTimeout = 30000;
server.listen(0, '127.0.0.1', () => {
  console.log(`listening on http://127.0.0.1:${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
