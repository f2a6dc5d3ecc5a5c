-- An event log as schema version 4 wrote it (before the raw JSON and the issues moved into `events`): the
-- tables of migrations 1-4 as SQLite left them (columns added by ALTER TABLE at the end), a request of two
-- events, a refused request with its raw request, a search, issues as the JSON arrays version 4 stored
-- (several issues, an unverified message, an issue about the request, non-ASCII text), an Algolia verdict
-- and a deletion. tst_eventlog builds a file from this and checks that opening it migrates to the current
-- version and reads every record as before.
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE requests(rid INTEGER PRIMARY KEY, request_id TEXT, message TEXT, user_agent TEXT, device TEXT,
  agent TEXT, origin TEXT, referer TEXT, remote_address TEXT, app_id TEXT, target TEXT, method TEXT, path TEXT);
CREATE TABLE events(id INTEGER PRIMARY KEY, rid INTEGER, received_at INTEGER NOT NULL, source INTEGER NOT NULL,
  http_status INTEGER NOT NULL, accepted INTEGER NOT NULL, idx INTEGER NOT NULL, errors INTEGER NOT NULL,
  warnings INTEGER NOT NULL, event_type TEXT, event_subtype TEXT, event_name TEXT, index_name TEXT,
  user_token TEXT, auth_token TEXT, ts INTEGER, kind INTEGER NOT NULL DEFAULT 0, query_id TEXT);
CREATE TABLE payloads(id INTEGER PRIMARY KEY, issues TEXT, raw_json TEXT);
CREATE TABLE deletions(id INTEGER PRIMARY KEY, user_token TEXT NOT NULL, deleted_at INTEGER NOT NULL);
CREATE TABLE algolia_verdicts(id INTEGER PRIMARY KEY, status INTEGER NOT NULL, errors TEXT NOT NULL);
CREATE TABLE raw_requests(rid INTEGER PRIMARY KEY, method BLOB, target BLOB, headers BLOB, body BLOB,
  body_truncated INTEGER NOT NULL);
INSERT INTO requests VALUES(1, 'req-a', 'Invalid request', 'Mozilla/5.0', 'desktop', 'Algolia for JavaScript',
  'https://shop.example', NULL, '127.0.0.1', 'APPID1', NULL, 'POST', '/1/events');
INSERT INTO requests VALUES(2, 'req-b', 'Invalid Application-ID or API key', 'curl/8.0', '', NULL, NULL, NULL,
  '127.0.0.1', NULL, NULL, 'POST', '/1/events');
INSERT INTO requests VALUES(3, 'req-c', '2 hits', NULL, '', NULL, NULL, NULL, '127.0.0.1', 'APPID1', NULL, 'POST',
  '/1/indexes/products/query');
INSERT INTO raw_requests VALUES(1, CAST('POST' AS BLOB), CAST('/1/events' AS BLOB),
  CAST('Content-Type: application/json' || char(13, 10) AS BLOB),
  CAST('{"events":[{"eventType":"click"},{"eventType":"view","eventName":"Vu «produit»"}]}' AS BLOB), 0);
INSERT INTO raw_requests VALUES(2, CAST('POST' AS BLOB), CAST('/1/events' AS BLOB),
  CAST('x-algolia-api-key: ********' || char(13, 10) AS BLOB), CAST('{"events":[' AS BLOB), 1);
INSERT INTO events VALUES(1, 1, 1700000000000, 0, 422, 0, 0, 2, 1, 'click', NULL, NULL, 'products', 'user-1',
  NULL, 1699999999000, 0, '43b15df305339e827f0ac0bdc5ebcaa7');
INSERT INTO events VALUES(2, 1, 1700000000000, 0, 422, 0, 1, 0, 0, 'view', NULL, 'Vu «produit»', 'products',
  'user-2', 'auth-2', 0, 0, NULL);
INSERT INTO events VALUES(3, 2, 1700000001000, 0, 401, 0, 0, 1, 0, NULL, NULL, NULL, NULL, NULL, NULL, 0, 2,
  NULL);
INSERT INTO events VALUES(4, 3, 1700000002000, 0, 200, 1, 0, 0, 0, NULL, NULL, NULL, 'products', 'user-1', NULL,
  0, 1, 'f00dfeedf00dfeedf00dfeedf00dfeed');
INSERT INTO payloads VALUES(1, '[{"s":"error","e":0,"f":"eventName","c":"eventName.required","m":"EventName is required"},{"s":"error","e":0,"f":"objectIDs[0]","c":"objectID.tooLong","m":"objectIDs must be at most 512 characters « long »","u":true},{"s":"warning","e":0,"f":"timestamp","c":"timestamp.sharedInBatch","m":"Every event of this batch has the same timestamp"}]',
  '{"eventType":"click"}');
INSERT INTO payloads VALUES(2, NULL, '{"eventType":"view","eventName":"Vu «produit»"}');
INSERT INTO payloads VALUES(3, '[{"s":"error","e":-1,"f":"x-algolia-api-key","c":"request.invalidCredentials","m":"Invalid Application-ID or API key"},{"s":"info","e":-1,"c":"request.note","m":""}]',
  '{"events":[');
INSERT INTO payloads VALUES(4, NULL, '{"query":"shoes","nbHits":2}');
INSERT INTO deletions VALUES(1, 'user-9', 1699999990000);
INSERT INTO algolia_verdicts VALUES(1, 422, '["EventName is required"]');
INSERT INTO meta VALUES('lastId', 7);
INSERT INTO meta VALUES('count', 4);
INSERT INTO meta VALUES('generation', 12);
PRAGMA user_version = 4;
