#include "core/config.h"

#include <openssl/crypto.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>

#include "colo/encoding/encoding.h"
#include "colo/inventory/model.h"
#include "colo/inventory/request.h"
#include "colo/inventory/yaml_reader.h"

namespace colo::agent {

using inventory::YamlFields;

namespace {

namespace fs = std::filesystem;

std::string resolve(const fs::path& base, const std::string& p) {
  if (p.empty() || fs::path(p).is_absolute()) return p;
  return (base / p).lexically_normal().string();
}

bool isEnvName(const std::string& s) {
  static const std::regex re("[A-Za-z_][A-Za-z0-9_]{0,127}");
  return std::regex_match(s, re);
}

}  // namespace

std::string Config::ledgerPassword() const {
  if (ledger_password_env.empty()) return {};
  const char* v = std::getenv(ledger_password_env.c_str());
  return v ? v : "";
}

std::string privateFileProblem(const std::string& path) {
  struct stat st {};
  if (stat(path.c_str(), &st) != 0) return "cannot be read";
  if (st.st_mode & 077) return "is readable by others; chmod 600 it";
  return {};
}

std::string readCallbackSecret(Config& c) {
  c.callback_secret.clear();
  if (!c.callback_secret_file.empty()) {
    if (auto problem = privateFileProblem(c.callback_secret_file); !problem.empty())
      return "callback.secret_file " + c.callback_secret_file + " " + problem;
    std::ifstream in(c.callback_secret_file);
    std::getline(in, c.callback_secret);
    if (c.callback_secret.empty())
      return "callback.secret_file " + c.callback_secret_file + " is empty";
  } else if (!c.callback_secret_env.empty()) {
    if (const char* v = std::getenv(c.callback_secret_env.c_str())) c.callback_secret = v;
  }
  if (!c.callback_allowed_urls.empty() && c.callback_secret.empty())
    return "callbacks are allowed (callback.allowed_urls) but " +
           (!c.callback_secret_env.empty()
                ? "callback.secret_env names " + c.callback_secret_env + ", which is not set"
                : std::string("neither callback.secret_env nor callback.secret_file is set in the "
                              "config"));
  return {};
}

std::unique_ptr<inventory::Ledger> openLedger(const Config& c, inventory::Ledger::Open mode) {
  return std::make_unique<inventory::Ledger>(c.ledger_location, mode, c.wallClock(),
                                             c.ledgerPassword());
}

namespace {
void readConfig(const YAML::Node& root, const std::string& path, Config& c,
                inventory::Diagnostics& errs);
}  // namespace

ConfigResult loadConfig(const std::string& path) {
  ConfigResult out;
  Config& c = out.config;
  auto& errs = out.errors;
  c.file = path;
  auto root = inventory::parseYamlFile(path, errs, 1 << 20);  // a config is small
  if (!root) return out;
  readConfig(*root, path, c, errs);
  inventory::sortByPosition(errs);
  return out;
}

namespace {

void readConfig(const YAML::Node& root, const std::string& path, Config& c,
                inventory::Diagnostics& errs) {
  fs::path base = fs::absolute(path).parent_path();
  YamlFields f(root, path, errs, "the config");
  if (!f.isMap()) return;

  auto pathField = [&](const char* key, std::string& into) {
    if (auto v = f.string(key, false)) into = resolve(base, *v);
  };
  pathField("inventory", c.inventory);
  // state: a path (SQLite), a postgresql:// URI, or {uri: ..., password_env: ...}.
  if (auto st = f.node("state"); st.IsDefined() && st.IsMap()) {
    YamlFields sf(st, path, errs, "state");
    if (auto v = sf.string("uri", true)) c.ledger_location = *v;
    if (auto v = sf.string("password_env", false)) {
      if (!isEnvName(*v))
        sf.error(sf.where("password_env"),
                 "state: 'password_env' must name an environment variable");
      c.ledger_password_env = *v;
    }
    if (!inventory::isPostgresUri(c.ledger_location))
      sf.error(sf.where("uri"),
               "state: 'uri' must be a postgresql:// URI (a SQLite ledger is a plain path)");
  } else if (auto v = f.string("state", false)) {
    c.ledger_location = inventory::isPostgresUri(*v) ? *v : resolve(base, *v);
  } else {
    c.ledger_location = resolve(base, "var/colo.db");
  }
  if (auto v = f.string("agent_id", false)) {
    if (!inventory::isSafeName(*v) && v->find(':') == std::string::npos)
      f.error(f.where("agent_id"),
              "'agent_id' may only hold letters, digits, '.', '_', '-' and ':'");
    c.agent_id = *v;
  }
  if (auto v = f.integer("lease_s", false, 5, 3600)) c.lease_s = static_cast<int>(*v);
  pathField("playbooks", c.playbooks);
  pathField("known_hosts", c.known_hosts);
  if (auto v = f.boolean("accept_new_host_keys", false)) c.accept_new_host_keys = *v;
  if (auto v = f.boolean("readyz_probe_switches", false)) c.readyz_probe_switches = *v;
  if (auto v = f.integer("readyz_probe_interval_s", false, 5, 3600))
    c.readyz_probe_interval_s = static_cast<int>(*v);

  if (auto creds = f.node("credentials"); creds.IsDefined() && !creds.IsNull()) {
    if (!creds.IsMap()) {
      f.error(inventory::locationOf(creds, path),
              "'credentials' must map names to credential sets");
    } else {
      for (auto it = creds.begin(); it != creds.end(); ++it) {
        if (!it->first.IsScalar()) {
          f.error(inventory::locationOf(it->first, path),
                  "credential set names must be plain names");
          continue;
        }
        std::string name = it->first.Scalar();
        YamlFields cf(it->second, path, errs, "credentials '" + name + "'");
        if (!inventory::isSafeName(name))
          cf.error(
              inventory::locationOf(it->first, path),
              "credential set name '" + name + "' may only hold letters, digits, '.', '_' and '-'");
        CredentialSet cs;
        if (auto v = cf.string("username", true)) cs.username = *v;
        int sources = 0;
        for (auto [key, into] : {std::pair{"password_env", &cs.password_env},
                                 std::pair{"enable_password_env", &cs.enable_password_env},
                                 std::pair{"passphrase_env", &cs.passphrase_env}}) {
          if (auto v = cf.string(key, false)) {
            if (!isEnvName(*v))
              cf.error(cf.where(key), "credentials '" + name + "': '" + key +
                                          "' must name an environment variable");
            *into = *v;
          }
        }
        for (auto [key, into] :
             {std::pair{"password_file", &cs.password_file}, std::pair{"key_file", &cs.key_file}})
          if (auto v = cf.string(key, false)) *into = resolve(base, *v);
        sources = !cs.password_env.empty() + !cs.password_file.empty() + !cs.key_file.empty();
        if (cf.isMap() && sources != 1)
          cf.error(cf.where(), "credentials '" + name +
                                   "' needs exactly one of password_env, password_file, key_file");
        c.credentials.emplace(name, std::move(cs));
      }
    }
  }
  if (auto v = f.string("listen", false)) {
    static const std::regex re(R"((\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):([0-9]{1,5}))");
    std::smatch m;
    if (!std::regex_match(*v, m, re) || std::stoi(m[2]) > 65535)
      f.error(f.where("listen"), "'listen' must be host:port, such as 127.0.0.1:8080");
    c.listen = *v;
  }
  if (auto tls = f.node("tls"); tls.IsDefined() && !tls.IsNull()) {
    YamlFields tf(tls, path, errs, "tls");
    if (auto v = tf.string("cert", true)) c.tls_cert = resolve(base, *v);
    if (auto v = tf.string("key", true)) c.tls_key = resolve(base, *v);
  }
  if (auto v = f.string("public_url", false)) {
    std::string why;
    if (!parseAllowedUrl(*v, why)) f.error(f.where("public_url"), "'public_url' " + why);
    c.public_url = *v;
    while (!c.public_url.empty() && c.public_url.back() == '/') c.public_url.pop_back();
  } else {
    c.public_url = (c.tls_cert.empty() ? "http://" : "https://") + c.listen;
  }
  if (auto l = f.node("letter"); l.IsDefined() && !l.IsNull()) {
    YamlFields lf(l, path, errs, "letter");
    for (auto [key, into] :
         {std::pair{"government", &c.letter.government}, std::pair{"office", &c.letter.office},
          std::pair{"address", &c.letter.address}, std::pair{"phone", &c.letter.phone},
          std::pair{"email", &c.letter.email}, std::pair{"web", &c.letter.web},
          std::pair{"contact", &c.letter.contact}, std::pair{"city", &c.letter.city},
          std::pair{"signatory_title", &c.letter.signatory_title},
          std::pair{"signatory_name", &c.letter.signatory_name},
          std::pair{"signatory_nip", &c.letter.signatory_nip},
          std::pair{"number_pattern", &c.letter.number_pattern}})
      if (auto v = lf.string(key, false)) {
        if (v->size() > 200 || std::any_of(v->begin(), v->end(), [](unsigned char ch) {
              return ch < 0x20 || ch == 0x7f;
            }))
          lf.error(lf.where(key),
                   std::string("letter: '") + key + "' must be one line of at most 200 characters");
        *into = *v;
      }
    if (auto t = lf.strings("tembusan", false)) {
      bool ok = t->size() <= 10;
      for (const auto& v : *t)
        ok = ok && !v.empty() && v.size() <= 200 &&
             std::none_of(v.begin(), v.end(),
                          [](unsigned char ch) { return ch < 0x20 || ch == 0x7f; });
      if (ok)
        c.letter.tembusan = *t;
      else
        lf.error(lf.where("tembusan"),
                 "letter: 'tembusan' must be a list of at most 10 lines of at most 200 "
                 "characters (who receives a copy)");
    }
    if (c.letter.number_pattern.find("{seq}") == std::string::npos)
      lf.error(lf.where("number_pattern"),
               "letter: 'number_pattern' must contain {seq} (the letter's number in its year)");
  }
  if (auto tokens = f.node("tokens"); tokens.IsDefined() && !tokens.IsNull()) {
    if (!tokens.IsSequence()) {
      f.error(inventory::locationOf(tokens, path), "'tokens' must be a list");
    } else {
      static const std::regex hex("[0-9a-f]{64}");
      std::set<std::string> names, hashes;
      for (const auto& tn : tokens) {
        YamlFields tf(tn, path, errs, "token");
        Token t;
        if (auto v = tf.string("name", true)) t.name = *v;
        if (auto v = tf.string("role", true)) {
          if (auto role = parseRole(*v))
            t.role = *role;
          else
            tf.error(tf.where("role"), "token '" + t.name + "': role '" + *v +
                                           "' is not one of requester, technician, admin");
        }
        if (auto v = tf.string("sha256", true)) {
          t.sha256 = *v;
          if (!std::regex_match(t.sha256, hex))
            tf.error(tf.where("sha256"), "token '" + t.name +
                                             "': sha256 must be 64 lowercase hex digits (see "
                                             "'colo token')");
        }
        // Two tokens under one name would see each other's requests; one
        // hash under two roles would make the role depend on the order.
        if (!t.name.empty() && !names.insert(t.name).second)
          tf.error(tf.where("name"),
                   "token name '" + t.name + "' is used twice; each client needs its own");
        if (!t.sha256.empty() && !hashes.insert(t.sha256).second)
          tf.error(tf.where("sha256"),
                   "token '" + t.name + "': this sha256 is listed twice (one token, one entry)");
        if (tf.isMap()) c.tokens.push_back(std::move(t));
      }
    }
  }
  if (auto cb = f.node("callback"); cb.IsDefined() && !cb.IsNull()) {
    YamlFields cf(cb, path, errs, "callback");
    if (auto v = cf.string("secret_env", false)) {
      if (!isEnvName(*v))
        cf.error(cf.where("secret_env"),
                 "callback: 'secret_env' must name an environment variable");
      c.callback_secret_env = *v;
    }
    if (auto v = cf.string("secret_file", false)) {
      c.callback_secret_file = resolve(base, *v);
      if (!c.callback_secret_env.empty())
        cf.error(cf.where("secret_file"),
                 "callback: give one of 'secret_env' and 'secret_file', not both");
    }
    if (auto v = cf.integer("max_attempts", false, 1, 1000))
      c.callback_max_attempts = static_cast<int>(*v);
    if (auto v = cf.string("ca_file", false)) c.callback_ca_file = resolve(base, *v);
    if (auto v = cf.integer("retry_base_ms", false, 10, 600000))
      c.callback_retry_base_ms = static_cast<int>(*v);
    if (auto v = cf.integer("timeout_s", false, 1, 300))
      c.callback_timeout_s = static_cast<int>(*v);
    if (auto v = cf.integer("parallel", false, 1, 64)) c.callback_parallel = static_cast<int>(*v);
    if (auto v = cf.integer("parallel_per_receiver", false, 1, 64))
      c.callback_parallel_per_receiver = static_cast<int>(*v);
    if (auto v = cf.strings("allowed_urls", false)) {
      for (const auto& u : *v) {
        std::string why;
        if (auto rule = parseAllowedUrl(u, why))
          c.callback_allowed.push_back(std::move(*rule));
        else
          cf.error(cf.where("allowed_urls"), "callback: allowed url '" + u + "': " + why);
      }
      c.callback_allowed_urls = *v;
    }
  }
  if (auto v = f.strings("holidays", false)) {
    static const std::regex date(R"(\d{4}-\d{2}-\d{2})");
    for (const auto& d : *v)
      if (!std::regex_match(d, date))
        f.error(f.where("holidays"), "holiday '" + d + "' must be a date YYYY-MM-DD");
    c.holidays = *v;
  }
  if (auto v = f.integer("workers", false, 1, 64)) c.workers = static_cast<int>(*v);
  if (auto v = f.integer("max_connections", false, 1, 100000))
    c.max_connections = static_cast<int>(*v);
  if (auto v = f.integer("max_connections_per_client", false, 1, 100000))
    c.max_connections_per_client = static_cast<int>(*v);
  if (auto t = f.node("timeouts"); t.IsDefined() && !t.IsNull()) {
    YamlFields tf(t, path, errs, "timeouts");
    if (auto v = tf.integer("connect_s", false, 1, 600)) c.connect_timeout_s = static_cast<int>(*v);
    if (auto v = tf.integer("command_s", false, 1, 3600))
      c.command_timeout_s = static_cast<int>(*v);
    if (auto v = tf.integer("save_s", false, 1, 3600)) c.save_timeout_s = static_cast<int>(*v);
  }
  if (auto d = f.node("drift"); d.IsDefined() && !d.IsNull()) {
    YamlFields df(d, path, errs, "drift");
    if (auto v = df.integer("interval_s", false, 0, 7 * 86400))
      c.drift_interval_s = static_cast<int>(*v);
  }
  if (auto u = f.node("console"); u.IsDefined() && !u.IsNull()) {
    YamlFields uf(u, path, errs, "console");
    if (auto v = uf.integer("idle_timeout_s", false, 60, 7 * 86400))
      c.console_idle_timeout_s = static_cast<int>(*v);
    if (auto v = uf.integer("max_age_s", false, 60, 30 * 86400))
      c.console_max_age_s = static_cast<int>(*v);
    if (auto v = uf.integer("max_sessions", false, 1, 100000))
      c.console_max_sessions = static_cast<int>(*v);
  }
  if (auto pl = f.node("placement"); pl.IsDefined() && !pl.IsNull()) {
    YamlFields pf(pl, path, errs, "placement");
    if (auto v = pf.string("policy", false)) {
      if (*v == "balance")
        c.placement = inventory::Placement::balance;
      else if (*v == "pack")
        c.placement = inventory::Placement::pack;
      else
        pf.error(pf.where("policy"), "placement: 'policy' is balance or pack");
    }
  }
  if (auto l = f.node("log"); l.IsDefined() && !l.IsNull()) {
    YamlFields lf(l, path, errs, "log");
    if (auto v = lf.string("level", false)) {
      if (auto level = parseLogLevel(*v))
        c.log.level = *level;
      else
        lf.error(lf.where("level"), "log: 'level' is debug, info, warn or error");
    }
    if (auto v = lf.string("format", false)) {
      if (auto format = parseLogFormat(*v))
        c.log.format = *format;
      else
        lf.error(lf.where("format"), "log: 'format' is json or text");
    }
    if (auto v = lf.string("file", false)) c.log.file = resolve(base, *v);
  }
  if (auto l = f.node("limits"); l.IsDefined() && !l.IsNull()) {
    YamlFields lf(l, path, errs, "limits");
    // At least enough for a whole 48-port switch's running configuration.
    if (auto v = lf.integer("command_output_bytes", false, 64 * 1024, 1 << 30))
      c.command_output_bytes = static_cast<std::size_t>(*v);
    if (auto v = lf.integer("inventory_bytes", false, 64 * 1024, 1ll << 30))
      c.inventory_bytes = static_cast<std::uintmax_t>(*v);
  }
}

}  // namespace

const Token* findToken(const Config& cfg, std::string_view token) {
  std::string presented = encoding::sha256Hex(token);
  const Token* found = nullptr;
  for (const auto& t : cfg.tokens)  // every entry, whichever matches
    if (t.sha256.size() == presented.size() &&
        CRYPTO_memcmp(t.sha256.data(), presented.data(), presented.size()) == 0)
      found = &t;
  return found;
}

}  // namespace colo::agent
