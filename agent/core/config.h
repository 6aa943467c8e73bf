// The configuration file shared by the CLI and the agent (docs/formats.md,
// "Config").
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "colo/inventory/diagnostics.h"
#include "colo/inventory/ledger.h"
#include "colo/inventory/loader.h"
#include "colo/inventory/time.h"
#include "core/log.h"
#include "core/roles.h"
#include "core/time_source.h"
#include "core/url.h"

namespace colo::agent {

// The config's `letter:` section: letterhead, signatory, number pattern.
struct LetterConfig {
  std::string government = "PEMERINTAH PROVINSI KALIMANTAN BARAT";
  std::string office = "DINAS KOMUNIKASI DAN INFORMATIKA";
  // The office's service card (its address, telephone, e-mail and web).
  std::string address =
      "Jl. Ahmad Yani, Gedung Pelayanan Terpadu Lantai 6, Komplek Kantor Gubernur Kalimantan "
      "Barat, Pontianak 78124";
  std::string phone = "(0561) 8173627";
  std::string email = "diskominfo@kalbarprov.go.id";
  std::string web = "diskominfo.kalbarprov.go.id";
  std::string contact;  // anything else for the letterhead: one line, optional
  // Copies to (Tembusan), one line each, at most 10; none: no Tembusan.
  std::vector<std::string> tembusan;
  std::string city = "Pontianak";
  std::string signatory_title = "Kepala Dinas Komunikasi dan Informatika Provinsi Kalimantan Barat";
  std::string signatory_name;  // empty: a dotted line to sign and write on
  std::string signatory_nip;
  // {seq} is the letter's number in its year, {year} the year.
  std::string number_pattern = "{seq}/COLO/DISKOMINFO/{year}";
  bool operator==(const LetterConfig&) const = default;
};

struct CredentialSet {
  std::string username;
  std::string password_env;   // exactly one of password_env, password_file, key_file
  std::string password_file;  // absolute (resolved against the config's folder)
  std::string key_file;
  std::string passphrase_env;  // optional, for an encrypted key
  std::string enable_password_env;
  bool operator==(const CredentialSet&) const = default;
};

struct Token {
  std::string name;
  Role role = Role::requester;
  std::string sha256;  // lowercase hex of the token
  bool operator==(const Token&) const = default;
};

struct Config {
  // Not from the file: what every part of colo asks for the time (tests
  // hand in a ManualTime).
  std::shared_ptr<TimeSource> time = realTime();
  // The wall clock of `time`, as the ledger takes it.
  inventory::Clock wallClock() const {
    return [t = time] { return t->wallMs(); };
  }
  std::string file;  // where it was read from; empty for defaults
  std::string inventory;
  // Where the ledger is (the config's `state:`, --state): a SQLite file, or
  // a postgresql:// URI whose password, if any, is in the environment
  // variable ledger_password_env (or PGPASSWORD, ~/.pgpass).
  std::string ledger_location = "var/colo.db";
  std::string ledger_password_env;
  // This agent among several on one PostgreSQL ledger (host:pid when not
  // set), and how long a job it takes stays its own without a renewal.
  std::string agent_id;
  int lease_s = 30;
  std::string ledgerPassword() const;
  std::string playbooks;
  std::string known_hosts;
  bool accept_new_host_keys = false;
  // /readyz also asks each switch for an SSH session (login included), in
  // the background, every readyz_probe_interval_s (design.md §9).
  bool readyz_probe_switches = false;
  int readyz_probe_interval_s = 60;
  std::map<std::string, CredentialSet> credentials;
  std::string listen = "127.0.0.1:8080";
  int max_connections = 1024;           // HTTP connections at once; more get 503
  int max_connections_per_client = 64;  // from one address; more get 429
  std::string tls_cert, tls_key;
  // How receivers reach this agent (the letter's URL in callbacks); from
  // `listen` when not set.
  std::string public_url = "http://127.0.0.1:8080";
  LetterConfig letter;
  // The web console's sessions (console: idle_timeout_s, max_age_s,
  // max_sessions): a session ends after this long unused, or this long after
  // login, whichever comes first; beyond max_sessions the oldest ends.
  // drift.interval_s: how often the agent compares every switch's ports
  // with colo's intent, read-only, one switch at a time (design.md §18);
  // 0: never on its own.
  int drift_interval_s = 3600;
  int console_idle_timeout_s = 30 * 60;
  int console_max_age_s = 12 * 60 * 60;
  int console_max_sessions = 1000;
  // placement.policy: how racks are chosen (design.md §5).
  inventory::Placement placement = inventory::Placement::balance;
  std::vector<Token> tokens;
  // Where the callbacks' signing secret is: an environment variable, or a
  // file readable by its owner only (read again at each reload, so a new
  // secret needs no restart). At most one of the two.
  std::string callback_secret_env;
  std::string callback_secret_file;
  // Not from the file: the secret itself, as the agent read it when it
  // started or last reloaded (readCallbackSecret). Never logged.
  std::string callback_secret;
  int callback_max_attempts = 12;
  int callback_retry_base_ms = 2000;  // first retry after about this; doubles, up to 10 min
  std::vector<std::string> callback_allowed_urls;
  std::vector<HttpUrl> callback_allowed;  // the same, parsed
  std::string callback_ca_file;           // extra CA for https callbacks (a private CA)
  int callback_timeout_s = 10;            // one delivery, connect to answer
  int callback_parallel = 4;              // deliveries at once
  // ... to one receiver (scheme, host and port) at once; a receiver that
  // does not answer waits out its own backoff (docs/design.md §10)
  int callback_parallel_per_receiver = 2;
  std::vector<std::string> holidays;  // YYYY-MM-DD
  int workers = 4;
  int connect_timeout_s = 10;
  int command_timeout_s = 30;
  // A save may take minutes on a large chassis ("It will take several
  // minutes to save configuration file"): its own deadline.
  int save_timeout_s = 120;
  std::size_t command_output_bytes = 4 << 20;  // limits.command_output_bytes
  std::uintmax_t inventory_bytes = inventory::kDefaultInventoryBytes;  // limits.inventory_bytes
  LogSettings log;                                                     // log.{level, format, file}
};

struct ConfigResult {
  Config config;
  inventory::Diagnostics errors;
};

// The token's entry in the config, comparing SHA-256 hashes in constant
// time; nullptr when no entry has it.
const Token* findToken(const Config& config, std::string_view token);

// Reads and checks a config file; every path in it is made relative to the
// file's own folder.
ConfigResult loadConfig(const std::string& path);

// Reads the callback secret into `config.callback_secret` from
// callback.secret_env or callback.secret_file; what is wrong (allowed URLs
// but no secret, a variable not set, a file others may read), or empty.
std::string readCallbackSecret(Config& config);
// What is wrong with a file that holds a secret, as OpenSSH insists: "cannot
// be read", or "is readable by others; chmod 600 it"; empty when it is
// readable by its owner only.
std::string privateFileProblem(const std::string& path);

// The ledger the config names, with its password.
std::unique_ptr<inventory::Ledger> openLedger(const Config& config, inventory::Ledger::Open mode);

}  // namespace colo::agent
