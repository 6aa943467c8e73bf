#include "schema.h"

#include "colo/inventory/lifecycle.h"

namespace colo::inventory::ledger::postgres {

namespace {

std::string quoted(std::string_view s) {
  return "'" + std::string(s) + "'";
}

// Every text compares and sorts byte by byte (COLLATE "C"), as on SQLite,
// whatever locale the database was created with: keyset pages and listings
// come out in the same order on both backends.
std::string withCollation(std::string sql) {
  const std::string from = "TEXT", to = "TEXT COLLATE \"C\"";
  for (std::size_t at = 0; (at = sql.find(from, at)) != std::string::npos; at += to.size())
    sql.replace(at, from.size(), to);
  return sql;
}

// Schema 6: what SQLite reaches through steps 1 to 6, in PostgreSQL's terms.
// The transitions table and the triggers enforce the lifecycle and the
// append-only log in the database; tallies are written as signed deltas,
// never updated in place, so that concurrent transactions do not queue on
// one counter row (tallies() folds them).
std::string schema6() {
  std::string statuses, transitions, initial;
  for (auto st : allStatuses()) statuses += (statuses.empty() ? "" : ",") + quoted(name(st));
  for (const auto& t : kTransitions)
    transitions += std::string(transitions.empty() ? "" : ",\n  ") + "(" + quoted(name(t.from)) +
                   "," + quoted(name(t.to)) + ")";
  for (auto st : kInitialStatuses) initial += (initial.empty() ? "" : ",") + quoted(name(st));
  std::string tables = withCollation(R"sql(
CREATE TABLE meta (key TEXT PRIMARY KEY, value BIGINT NOT NULL);
INSERT INTO meta VALUES ('generation', 0);

CREATE TABLE requests (
  id TEXT PRIMARY KEY,
  fingerprint TEXT NOT NULL,
  body TEXT NOT NULL,
  tenant_code TEXT NOT NULL,
  letter_number TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ()sql" +
                                     statuses + R"sql()),
  received_at TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  error TEXT NOT NULL DEFAULT '',
  allocation TEXT,
  submitted_by TEXT NOT NULL DEFAULT '',
  completed_at TEXT NOT NULL DEFAULT '',
  attempt BIGINT NOT NULL DEFAULT 0,
  owner TEXT NOT NULL DEFAULT '',
  release_from TEXT NOT NULL DEFAULT ''
);
CREATE INDEX requests_status ON requests(status);
CREATE INDEX requests_summary ON requests(created_at, id);

CREATE TABLE unit_claims (
  rack TEXT NOT NULL, unit BIGINT NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id),
  hostname TEXT NOT NULL, tenant TEXT NOT NULL,
  PRIMARY KEY (rack, unit)
);
CREATE TABLE power_claims (
  rack TEXT NOT NULL, feed TEXT NOT NULL, watts BIGINT NOT NULL CHECK (watts > 0),
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL,
  PRIMARY KEY (request_id, hostname, feed)
);
CREATE TABLE address_claims (
  address TEXT PRIMARY KEY, pool TEXT NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL
);
CREATE TABLE port_claims (
  switch TEXT NOT NULL, port TEXT NOT NULL, vlan BIGINT NOT NULL,
  request_id TEXT NOT NULL REFERENCES requests(id), hostname TEXT NOT NULL,
  PRIMARY KEY (switch, port)
);
CREATE INDEX unit_claims_request ON unit_claims(request_id);
CREATE INDEX power_claims_request ON power_claims(request_id);
CREATE INDEX address_claims_request ON address_claims(request_id);
CREATE INDEX address_claims_pool ON address_claims(pool);
CREATE INDEX port_claims_request ON port_claims(request_id);

-- xid: the writing transaction, so that a reader of the change feed can
-- tell which transactions may still commit an event with a smaller seq.
CREATE TABLE events (
  seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at TEXT NOT NULL, actor TEXT NOT NULL, request_id TEXT NOT NULL,
  kind TEXT NOT NULL, detail TEXT NOT NULL,
  xid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX events_request ON events(request_id);
CREATE INDEX events_xid ON events(xid);

CREATE TABLE port_captures (
  request_id TEXT NOT NULL REFERENCES requests(id),
  attempt BIGINT NOT NULL,
  switch TEXT NOT NULL, port TEXT NOT NULL,
  lines TEXT NOT NULL,
  PRIMARY KEY (request_id, attempt, switch, port)
);

CREATE TABLE outbox (
  delivery_id TEXT PRIMARY KEY,
  request_id TEXT NOT NULL REFERENCES requests(id),
  url TEXT NOT NULL,
  body TEXT NOT NULL,
  attempts BIGINT NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  delivered_at TEXT NOT NULL DEFAULT '',
  last_error TEXT NOT NULL DEFAULT '',
  given_up BIGINT NOT NULL DEFAULT 0,
  event TEXT NOT NULL DEFAULT '',
  last_status BIGINT NOT NULL DEFAULT 0,
  last_attempt_at TEXT NOT NULL DEFAULT '',
  seq BIGINT GENERATED ALWAYS AS IDENTITY,
  state TEXT GENERATED ALWAYS AS (CASE WHEN delivered_at <> '' THEN 'delivered'
    WHEN given_up <> 0 THEN 'given_up' ELSE 'backlog' END) STORED,
  failed_attempts BIGINT GENERATED ALWAYS AS (
    CASE WHEN delivered_at = '' THEN attempts ELSE attempts - 1 END) STORED
);
CREATE INDEX outbox_request ON outbox(request_id);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE delivered_at = '' AND given_up = 0;

CREATE TABLE letters (
  request_id TEXT PRIMARY KEY REFERENCES requests(id),
  year BIGINT NOT NULL,
  seq BIGINT NOT NULL CHECK (seq >= 1),
  number TEXT NOT NULL,
  issued_at TEXT NOT NULL,
  UNIQUE (year, seq)
);

CREATE TABLE tallies (kind TEXT NOT NULL, a TEXT NOT NULL, b TEXT NOT NULL DEFAULT '',
  value BIGINT NOT NULL);

CREATE TABLE lifecycle (
  from_status TEXT NOT NULL, to_status TEXT NOT NULL,
  PRIMARY KEY (from_status, to_status)
);
)sql");
  return tables + "INSERT INTO lifecycle VALUES\n  " + transitions + ";\n" + R"sql(
CREATE FUNCTION colo_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'integrity_constraint_violation';
END $$;
CREATE TRIGGER lifecycle_fixed BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON lifecycle
  FOR EACH STATEMENT EXECUTE FUNCTION colo_refuse('the lifecycle table changes only by migration');
CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON events
  FOR EACH STATEMENT EXECUTE FUNCTION colo_refuse('the event log is append-only');
CREATE TRIGGER claims_fixed_units BEFORE UPDATE ON unit_claims
  FOR EACH STATEMENT EXECUTE FUNCTION colo_refuse('claims are inserted and deleted, never changed');
CREATE TRIGGER claims_fixed_power BEFORE UPDATE ON power_claims
  FOR EACH STATEMENT EXECUTE FUNCTION colo_refuse('claims are inserted and deleted, never changed');
CREATE TRIGGER claims_fixed_addresses BEFORE UPDATE ON address_claims
  FOR EACH STATEMENT EXECUTE FUNCTION colo_refuse('claims are inserted and deleted, never changed');
CREATE TRIGGER requests_initial_status BEFORE INSERT ON requests
  FOR EACH ROW WHEN (NEW.status NOT IN ()sql" +
         initial + R"sql())
  EXECUTE FUNCTION colo_refuse('a new request starts queued or planning');

CREATE FUNCTION colo_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM lifecycle
                 WHERE from_status = OLD.status AND to_status = NEW.status) THEN
    RAISE EXCEPTION 'illegal status transition % -> % (not in the lifecycle table)',
      OLD.status, NEW.status USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER requests_status_transition BEFORE UPDATE OF status ON requests
  FOR EACH ROW WHEN (NEW.status <> OLD.status) EXECUTE FUNCTION colo_check_transition();

CREATE FUNCTION colo_tally_requests() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN INSERT INTO tallies VALUES ('status', OLD.status, '', -1); END IF;
  IF TG_OP <> 'DELETE' THEN INSERT INTO tallies VALUES ('status', NEW.status, '', 1); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tally_requests AFTER INSERT OR DELETE OR UPDATE OF status ON requests
  FOR EACH ROW EXECUTE FUNCTION colo_tally_requests();

CREATE FUNCTION colo_tally_units() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN INSERT INTO tallies VALUES ('units', NEW.rack, '', 1);
  ELSE INSERT INTO tallies VALUES ('units', OLD.rack, '', -1); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tally_units AFTER INSERT OR DELETE ON unit_claims
  FOR EACH ROW EXECUTE FUNCTION colo_tally_units();

CREATE FUNCTION colo_tally_watts() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN INSERT INTO tallies VALUES ('watts', NEW.rack, NEW.feed, NEW.watts);
  ELSE INSERT INTO tallies VALUES ('watts', OLD.rack, OLD.feed, -OLD.watts); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tally_watts AFTER INSERT OR DELETE ON power_claims
  FOR EACH ROW EXECUTE FUNCTION colo_tally_watts();

CREATE FUNCTION colo_tally_addresses() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN INSERT INTO tallies VALUES ('addresses', NEW.pool, '', 1);
  ELSE INSERT INTO tallies VALUES ('addresses', OLD.pool, '', -1); END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tally_addresses AFTER INSERT OR DELETE ON address_claims
  FOR EACH ROW EXECUTE FUNCTION colo_tally_addresses();

CREATE FUNCTION colo_tally_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN
    INSERT INTO tallies VALUES ('callbacks', OLD.state, '', -1),
      ('callbacks', 'failed_attempts', '', -OLD.failed_attempts);
  END IF;
  IF TG_OP <> 'DELETE' THEN
    INSERT INTO tallies VALUES ('callbacks', NEW.state, '', 1),
      ('callbacks', 'failed_attempts', '', NEW.failed_attempts);
  END IF;
  RETURN NULL;
END $$;
CREATE TRIGGER tally_outbox AFTER INSERT OR DELETE OR UPDATE ON outbox
  FOR EACH ROW EXECUTE FUNCTION colo_tally_outbox();
)sql";
}

// 7: several agents (design.md §12): leases of the owners of jobs, switches held
// by one job at a time, callback deliveries claimed by one sender.
std::string schema7() {
  return withCollation(R"sql(
CREATE TABLE agents (
  owner TEXT PRIMARY KEY,
  agent_id TEXT NOT NULL,
  host TEXT NOT NULL,
  pid BIGINT NOT NULL,
  started_at TEXT NOT NULL,
  lease_until BIGINT NOT NULL
);
CREATE TABLE switch_locks (
  switch TEXT PRIMARY KEY,
  holder TEXT NOT NULL,
  owner TEXT NOT NULL,
  taken_at TEXT NOT NULL
);
ALTER TABLE outbox ADD COLUMN claimed_by TEXT NOT NULL DEFAULT '';
ALTER TABLE outbox ADD COLUMN claimed_until BIGINT NOT NULL DEFAULT 0;
)sql");
}

// 8: why each request ended, and a failed release apart (as SQLite's 8).
std::string schema8() {
  return withCollation(R"sql(
ALTER TABLE requests ADD COLUMN reason TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN release_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN release_error TEXT NOT NULL DEFAULT '';
UPDATE requests SET reason = CASE status WHEN 'completed' THEN 'completed'
  WHEN 'released' THEN 'released_by_operator' WHEN 'failed' THEN 'unclassified' ELSE '' END;
)sql");
}

// 9: agents that show themselves, and the console's sessions (as SQLite's 9).
std::string schema9() {
  return withCollation(R"sql(
ALTER TABLE agents ADD COLUMN kind TEXT NOT NULL DEFAULT 'agent';
ALTER TABLE agents ADD COLUMN pid_ns TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN version TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN revision TEXT NOT NULL DEFAULT '';
ALTER TABLE agents ADD COLUMN renewed_at BIGINT NOT NULL DEFAULT 0;
UPDATE agents SET kind = 'cli' WHERE owner LIKE 'cli:%';
CREATE TABLE console_sessions (
  id_sha256 TEXT PRIMARY KEY,
  caller TEXT NOT NULL,
  role TEXT NOT NULL,
  token_sha256 TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_by_token ON console_sessions(token_sha256, last_used_at);
)sql");
}

// 10: cabling checks (as SQLite's 10).
std::string schema10() {
  return withCollation(R"sql(
CREATE TABLE cabling_checks (
  check_id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  request_id TEXT NOT NULL,
  state TEXT NOT NULL,
  requested_by TEXT NOT NULL,
  owner TEXT NOT NULL DEFAULT '',
  requested_at BIGINT NOT NULL,
  started_at BIGINT NOT NULL DEFAULT 0,
  finished_at BIGINT NOT NULL DEFAULT 0,
  ok BIGINT NOT NULL DEFAULT 0,
  result TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT ''
);
CREATE INDEX cabling_checks_by_request ON cabling_checks(request_id, check_id);
CREATE INDEX cabling_checks_pending ON cabling_checks(state, check_id) WHERE state IN ('queued', 'running');
CREATE UNIQUE INDEX cabling_checks_one_pending ON cabling_checks(request_id) WHERE state IN ('queued', 'running');
)sql");
}

// 11: whose claims each generation changed (as SQLite's 11).
std::string schema11() {
  return withCollation(R"sql(
CREATE TABLE claim_changes (
  generation BIGINT PRIMARY KEY,
  request_id TEXT NOT NULL
);
)sql");
}

}  // namespace

std::vector<Step> migrations() {
  return {{6, schema6()}, {7, schema7()},   {8, schema8()},
          {9, schema9()}, {10, schema10()}, {11, schema11()}};
}

}  // namespace colo::inventory::ledger::postgres
