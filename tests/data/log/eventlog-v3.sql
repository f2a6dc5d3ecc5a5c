-- An event log as schema version 3 wrote it (before record kinds, queryID, the request line and raw requests):
-- eventlog-v2.sql plus the algolia_verdicts table with one verdict. tst_eventlog builds a file from this and
-- checks that opening it migrates to the current version without losing anything.
CREATE TABLE meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE requests(rid INTEGER PRIMARY KEY, request_id TEXT, message TEXT, user_agent TEXT, device TEXT,
  agent TEXT, origin TEXT, referer TEXT, remote_address TEXT, app_id TEXT, target TEXT);
CREATE TABLE events(id INTEGER PRIMARY KEY, rid INTEGER, received_at INTEGER NOT NULL, source INTEGER NOT NULL,
  http_status INTEGER NOT NULL, accepted INTEGER NOT NULL, idx INTEGER NOT NULL, errors INTEGER NOT NULL,
  warnings INTEGER NOT NULL, event_type TEXT, event_subtype TEXT, event_name TEXT, index_name TEXT,
  user_token TEXT, auth_token TEXT, ts INTEGER);
CREATE TABLE payloads(id INTEGER PRIMARY KEY, issues TEXT, raw_json TEXT);
CREATE TABLE deletions(id INTEGER PRIMARY KEY, user_token TEXT NOT NULL, deleted_at INTEGER NOT NULL);
INSERT INTO requests VALUES(1, 'req-a', 'OK', 'Mozilla/5.0', 'desktop', 'Algolia for JavaScript', NULL, NULL,
  '127.0.0.1', 'APPID1', NULL);
INSERT INTO requests VALUES(2, 'req-b', 'eventName must be set', 'curl/8.0', '', NULL, NULL, NULL, '127.0.0.1',
  'APPID1', 'us');
INSERT INTO events VALUES(1, 1, 1700000000000, 0, 200, 1, 0, 0, 0, 'click', NULL, 'Product Clicked', 'products',
  'user-1', NULL, 1699999999000);
INSERT INTO events VALUES(2, 1, 1700000000000, 0, 200, 1, 1, 0, 0, 'view', NULL, 'Product Viewed', 'products',
  'user-2', NULL, 0);
INSERT INTO events VALUES(3, 2, 1700000001000, 1, 422, 0, 0, 1, 0, 'conversion', 'purchase', NULL, 'products',
  'user-1', 'auth-1', 0);
INSERT INTO payloads VALUES(1, NULL, '{"eventType":"click","eventName":"Product Clicked"}');
INSERT INTO payloads VALUES(2, NULL, '{"eventType":"view","eventName":"Product Viewed"}');
INSERT INTO payloads VALUES(3, '[{"s":"error","e":0,"f":"eventName","c":"eventName.missing","m":"eventName must be set"}]',
  '{"eventType":"conversion","eventSubtype":"purchase"}');
INSERT INTO deletions VALUES(1, 'user-9', 1699999990000);
INSERT INTO meta VALUES('lastId', 5);
CREATE TABLE algolia_verdicts(id INTEGER PRIMARY KEY, status INTEGER NOT NULL, errors TEXT NOT NULL);
INSERT INTO algolia_verdicts VALUES(3, 422, '["eventName is missing"]');
PRAGMA user_version = 3;
