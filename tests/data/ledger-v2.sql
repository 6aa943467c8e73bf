-- A schema-2 ledger as colo 0.1 (before the lifecycle) left it: one reserved request, one completed with a release asked for, and a port capture. Made with that colo and sqlite3 .dump; the migration test loads it.
PRAGMA application_id = 1668246639;
PRAGMA user_version = 2;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) STRICT;
INSERT INTO meta VALUES('generation',2);
CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  body TEXT NOT NULL,
  tenant_code TEXT NOT NULL,
  letter_number TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN
    ('queued','planning','reserved','configuring','completed','failed','released')),
  received_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  allocation TEXT
, submitted_by TEXT NOT NULL DEFAULT '', completed_at TEXT NOT NULL DEFAULT '', release_requested INTEGER NOT NULL DEFAULT 0) STRICT;
INSERT INTO requests VALUES('REQ-2026-0142','6bbf729c69184e38558a5053996b100ecf6410d5400dea2cb7abbf1bff15af91','{"callback_url":"http://127.0.0.1:9000/colo/callback","id":"REQ-2026-0142","letter_number":"027/142/APTIKA/2026","received_at":"2026-11-23T08:30:00+07:00","servers":[{"hostname":"bappeda-web01","nics":[{"pools":["colo-public-v4","colo-public-v6"]},{"pools":["colo-private-v4"]}],"power_watts":450,"redundant_power":true,"units":2}],"tenant":{"code":"BAPPEDA","name":"Badan Perencanaan Pembangunan Daerah"}}','BAPPEDA','027/142/APTIKA/2026','reserved','2026-11-23T08:30:00+07:00','2026-11-29T19:50:04.089Z','2026-11-29T19:50:04.089Z','','{"request_id":"REQ-2026-0142","servers":[{"feeds":[{"feed":"R01-A","watts":450},{"feed":"R01-B","watts":450}],"hostname":"bappeda-web01","nics":[{"addresses":[{"address":"203.0.113.10","family":"ipv4","gateway":"203.0.113.1","pool":"colo-public-v4","prefix_length":24},{"address":"2001:db8:20::2","family":"ipv6","gateway":"2001:db8:20::1","pool":"colo-public-v6","prefix_length":64}],"index":0,"port":"GigabitEthernet1/0/5","switch":"tor-r01","vlan":120},{"addresses":[{"address":"198.51.100.20","family":"ipv4","gateway":"198.51.100.1","pool":"colo-private-v4","prefix_length":24}],"index":1,"port":"GigabitEthernet1/0/6","switch":"tor-r01","vlan":130}],"power_watts":450,"rack":"R01","redundant_power":true,"units":{"first":28,"last":29}}]}','','',0);
INSERT INTO requests VALUES('REQ-2026-0153','37aad66fa598317298ae79bf0477f4f278b3106d369b764052fa7ec399428e95','{"callback_url":"http://127.0.0.1:9000/colo/callback","id":"REQ-2026-0153","letter_number":"420/153/DISPENDIK/2026","received_at":"2026-11-26T13:45:00+07:00","servers":[{"hostname":"dispendik-lms01","nics":[{"pools":["colo-public-v4","colo-public-v6"]},{"pools":["colo-oob-v4"]}],"power_watts":550,"redundant_power":true,"units":2},{"hostname":"dispendik-lms02","nics":[{"pools":["colo-public-v4","colo-public-v6"]},{"pools":["colo-oob-v4"]}],"power_watts":550,"redundant_power":true,"units":2}],"tenant":{"code":"DISPENDIK","name":"Dinas Pendidikan dan Kebudayaan"}}','DISPENDIK','420/153/DISPENDIK/2026','completed','2026-11-26T13:45:00+07:00','2026-11-29T19:50:04.118Z','2026-11-29T19:50:04.118Z','','{"request_id":"REQ-2026-0153","servers":[{"feeds":[{"feed":"R01-A","watts":550},{"feed":"R01-B","watts":550}],"hostname":"dispendik-lms01","nics":[{"addresses":[{"address":"203.0.113.11","family":"ipv4","gateway":"203.0.113.1","pool":"colo-public-v4","prefix_length":24},{"address":"2001:db8:20::3","family":"ipv6","gateway":"2001:db8:20::1","pool":"colo-public-v6","prefix_length":64}],"index":0,"port":"GigabitEthernet1/0/7","switch":"tor-r01","vlan":120},{"addresses":[{"address":"192.0.2.2","family":"ipv4","gateway":"192.0.2.1","pool":"colo-oob-v4","prefix_length":25}],"index":1,"port":"GigabitEthernet1/0/8","switch":"tor-r01","vlan":140}],"power_watts":550,"rack":"R01","redundant_power":true,"units":{"first":3,"last":4}},{"feeds":[{"feed":"R01-A","watts":550},{"feed":"R01-B","watts":550}],"hostname":"dispendik-lms02","nics":[{"addresses":[{"address":"203.0.113.12","family":"ipv4","gateway":"203.0.113.1","pool":"colo-public-v4","prefix_length":24},{"address":"2001:db8:20::4","family":"ipv6","gateway":"2001:db8:20::1","pool":"colo-public-v6","prefix_length":64}],"index":0,"port":"GigabitEthernet1/0/9","switch":"tor-r01","vlan":120},{"addresses":[{"address":"192.0.2.3","family":"ipv4","gateway":"192.0.2.1","pool":"colo-oob-v4","prefix_length":25}],"index":1,"port":"GigabitEthernet1/0/10","switch":"tor-r01","vlan":140}],"power_watts":550,"rack":"R01","redundant_power":true,"units":{"first":5,"last":6}}]}','','2026-11-24T01:00:00.000Z',1);
CREATE TABLE unit_claims (
  rack TEXT NOT NULL, unit INTEGER NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id),
  hostname TEXT NOT NULL, tenant TEXT NOT NULL,
  PRIMARY KEY (rack, unit)
) STRICT;
INSERT INTO unit_claims VALUES('R01',28,'REQ-2026-0142','bappeda-web01','BAPPEDA');
INSERT INTO unit_claims VALUES('R01',29,'REQ-2026-0142','bappeda-web01','BAPPEDA');
INSERT INTO unit_claims VALUES('R01',3,'REQ-2026-0153','dispendik-lms01','DISPENDIK');
INSERT INTO unit_claims VALUES('R01',4,'REQ-2026-0153','dispendik-lms01','DISPENDIK');
INSERT INTO unit_claims VALUES('R01',5,'REQ-2026-0153','dispendik-lms02','DISPENDIK');
INSERT INTO unit_claims VALUES('R01',6,'REQ-2026-0153','dispendik-lms02','DISPENDIK');
CREATE TABLE power_claims (
  rack TEXT NOT NULL, feed TEXT NOT NULL, watts INTEGER NOT NULL CHECK (watts > 0),
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL,
  PRIMARY KEY (request_id, hostname, feed)
) STRICT;
INSERT INTO power_claims VALUES('R01','R01-A',450,'REQ-2026-0142','bappeda-web01');
INSERT INTO power_claims VALUES('R01','R01-B',450,'REQ-2026-0142','bappeda-web01');
INSERT INTO power_claims VALUES('R01','R01-A',550,'REQ-2026-0153','dispendik-lms01');
INSERT INTO power_claims VALUES('R01','R01-B',550,'REQ-2026-0153','dispendik-lms01');
INSERT INTO power_claims VALUES('R01','R01-A',550,'REQ-2026-0153','dispendik-lms02');
INSERT INTO power_claims VALUES('R01','R01-B',550,'REQ-2026-0153','dispendik-lms02');
CREATE TABLE address_claims (
  address TEXT PRIMARY KEY, pool TEXT NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL
) STRICT;
INSERT INTO address_claims VALUES('203.0.113.10','colo-public-v4','REQ-2026-0142','bappeda-web01');
INSERT INTO address_claims VALUES('2001:db8:20::2','colo-public-v6','REQ-2026-0142','bappeda-web01');
INSERT INTO address_claims VALUES('198.51.100.20','colo-private-v4','REQ-2026-0142','bappeda-web01');
INSERT INTO address_claims VALUES('203.0.113.11','colo-public-v4','REQ-2026-0153','dispendik-lms01');
INSERT INTO address_claims VALUES('2001:db8:20::3','colo-public-v6','REQ-2026-0153','dispendik-lms01');
INSERT INTO address_claims VALUES('192.0.2.2','colo-oob-v4','REQ-2026-0153','dispendik-lms01');
INSERT INTO address_claims VALUES('203.0.113.12','colo-public-v4','REQ-2026-0153','dispendik-lms02');
INSERT INTO address_claims VALUES('2001:db8:20::4','colo-public-v6','REQ-2026-0153','dispendik-lms02');
INSERT INTO address_claims VALUES('192.0.2.3','colo-oob-v4','REQ-2026-0153','dispendik-lms02');
CREATE TABLE port_claims (
  switch TEXT NOT NULL, port TEXT NOT NULL, vlan INTEGER NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL,
  PRIMARY KEY (switch, port)
) STRICT;
INSERT INTO port_claims VALUES('tor-r01','GigabitEthernet1/0/5',120,'REQ-2026-0142','bappeda-web01');
INSERT INTO port_claims VALUES('tor-r01','GigabitEthernet1/0/6',130,'REQ-2026-0142','bappeda-web01');
INSERT INTO port_claims VALUES('tor-r01','GigabitEthernet1/0/7',120,'REQ-2026-0153','dispendik-lms01');
INSERT INTO port_claims VALUES('tor-r01','GigabitEthernet1/0/8',140,'REQ-2026-0153','dispendik-lms01');
INSERT INTO port_claims VALUES('tor-r01','GigabitEthernet1/0/9',120,'REQ-2026-0153','dispendik-lms02');
INSERT INTO port_claims VALUES('tor-r01','GigabitEthernet1/0/10',140,'REQ-2026-0153','dispendik-lms02');
CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  at TEXT NOT NULL, actor TEXT NOT NULL, request_id TEXT NOT NULL,
  kind TEXT NOT NULL, detail TEXT NOT NULL
) STRICT;
INSERT INTO events VALUES(1,'2026-11-29T19:50:04.089Z','cli:root','REQ-2026-0142','reserved','bappeda-web01 in R01 U28-29');
INSERT INTO events VALUES(2,'2026-11-29T19:50:04.118Z','cli:root','REQ-2026-0153','reserved','dispendik-lms01 in R01 U3-4; dispendik-lms02 in R01 U5-6');
CREATE TABLE port_captures (
  request_id TEXT NOT NULL REFERENCES requests(id),
  switch TEXT NOT NULL, port TEXT NOT NULL,
  lines TEXT NOT NULL,
  PRIMARY KEY (request_id, switch, port)
) STRICT;
INSERT INTO port_captures VALUES('REQ-2026-0142','tor-r01','GigabitEthernet1/0/2','[]');
CREATE TABLE outbox (
  delivery_id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES requests(id),
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  delivered_at TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  given_up INTEGER NOT NULL DEFAULT 0
) STRICT;
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('events',2);
CREATE INDEX requests_status ON requests(status);
CREATE INDEX unit_claims_request ON unit_claims(request_id);
CREATE INDEX power_claims_request ON power_claims(request_id);
CREATE INDEX address_claims_request ON address_claims(request_id);
CREATE INDEX port_claims_request ON port_claims(request_id);
CREATE INDEX events_request ON events(request_id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
COMMIT;
