#include "core/live_config.h"

namespace colo::agent {

LiveConfig::LiveConfig(Config initial)
    : current_(std::make_shared<const Config>(std::move(initial))) {}

std::shared_ptr<const Config> LiveConfig::get() const {
  std::lock_guard lock(m_);
  return current_;
}

void LiveConfig::replace(Config next) {
  auto fresh = std::make_shared<const Config>(std::move(next));
  std::lock_guard lock(m_);
  current_ = std::move(fresh);
}

std::vector<std::string> keepRestartOnly(const Config& running, Config& next) {
  std::vector<std::string> changed;
  // Not from the file: the same clock, the same file.
  next.time = running.time;
  next.file = running.file;
  auto keep = [&](const char* key, auto Config::*field) {
    if (running.*field == next.*field) return;
    changed.push_back(key);
    next.*field = running.*field;
  };
  keep("inventory", &Config::inventory);
  keep("state", &Config::ledger_location);
  keep("state.password_env", &Config::ledger_password_env);
  keep("agent_id", &Config::agent_id);
  keep("lease_s", &Config::lease_s);
  keep("playbooks", &Config::playbooks);
  keep("readyz_probe_switches", &Config::readyz_probe_switches);
  keep("readyz_probe_interval_s", &Config::readyz_probe_interval_s);
  keep("listen", &Config::listen);
  keep("max_connections", &Config::max_connections);
  keep("max_connections_per_client", &Config::max_connections_per_client);
  keep("tls.cert", &Config::tls_cert);
  keep("tls.key", &Config::tls_key);
  keep("public_url", &Config::public_url);
  keep("console.idle_timeout_s", &Config::console_idle_timeout_s);
  keep("console.max_age_s", &Config::console_max_age_s);
  keep("console.max_sessions", &Config::console_max_sessions);
  keep("placement.policy", &Config::placement);
  keep("callback.parallel", &Config::callback_parallel);
  keep("holidays", &Config::holidays);
  keep("workers", &Config::workers);
  keep("limits.inventory_bytes", &Config::inventory_bytes);
  return changed;
}

std::vector<std::string> reloadedKeys(const Config& a, const Config& b) {
  std::vector<std::string> out;
  auto note = [&](const char* key, bool same) {
    if (!same) out.push_back(key);
  };
  note("tokens", a.tokens == b.tokens);
  note("credentials", a.credentials == b.credentials);
  note("known_hosts", a.known_hosts == b.known_hosts);
  note("accept_new_host_keys", a.accept_new_host_keys == b.accept_new_host_keys);
  note("callback.allowed_urls", a.callback_allowed_urls == b.callback_allowed_urls);
  note("callback.secret", a.callback_secret_env == b.callback_secret_env &&
                              a.callback_secret_file == b.callback_secret_file &&
                              a.callback_secret == b.callback_secret);
  note("callback.max_attempts", a.callback_max_attempts == b.callback_max_attempts);
  note("callback.retry_base_ms", a.callback_retry_base_ms == b.callback_retry_base_ms);
  note("callback.timeout_s", a.callback_timeout_s == b.callback_timeout_s);
  note("callback.ca_file", a.callback_ca_file == b.callback_ca_file);
  note("callback.parallel_per_receiver",
       a.callback_parallel_per_receiver == b.callback_parallel_per_receiver);
  note("letter", a.letter == b.letter);
  note("log", a.log == b.log);
  note("timeouts", a.connect_timeout_s == b.connect_timeout_s &&
                       a.command_timeout_s == b.command_timeout_s &&
                       a.save_timeout_s == b.save_timeout_s);
  note("limits.command_output_bytes", a.command_output_bytes == b.command_output_bytes);
  return out;
}

}  // namespace colo::agent
