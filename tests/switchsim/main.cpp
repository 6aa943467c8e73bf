// switchsim: simulated switches for tests, benchmarks and the quick start.
// Each switch is an SSH server (libssh) on 127.0.0.1 speaking its vendor's
// CLI with state, and injecting the faults its config asks for.
//
//   switchsim CONFIG.json
//
// CONFIG: {"state_dir": DIR, "known_hosts": FILE, "switches": [{"name",
// "vendor", "port" (0 = any free), "ports" (a range), "username", "password",
// "enable_password", "auth_methods" (["password", "keyboard-interactive"]),
// "authorized_key" ("ssh-ed25519 AAAA..."), "initial" (ports configured at
// start), "servers" (what is plugged into ports: link, MACs, LLDP), "host_key"
// (a file; made when missing), "faults": {"refuse_auth", "drop_after_commands",
// "drop_times", "reject": {"match", "times"}, "ignore": {...}, "hang": {...},
// "hang_after": {...} (applied, then no answer), "long_line": {...} (a 50,000-byte
// line first), "flood": {...} (endless output), "hang_at_command": K (the
// device's K-th command over all sessions hangs, once), "slow_ms",
// "version_pause": {...} (VRP: a write ends at its "[V200R009C00SPC500]"
// line, the rest 300 ms later), "slow_answer": {...} with "slow_answer_ms"
// (the answer comes that late), "question_style" (VRP's save question: 0
// "Are you sure to continue?[Y/N]", 1 "Continue? [Y/N]:", 2
// "(y/n)[n]:")}}]}. Vendors: cisco_ios, arista_eos, juniper_junos,
// huawei_vrp (asks to change the password at login; decline with N) and
// hp_comware (a "Press Y or ENTER to continue" banner; echoes wrapped at 80
// columns).
//
// Prints "switchsim: NAME VENDOR 127.0.0.1:PORT" per switch, then "ready".
// Writes DIR/NAME.json after every command, and the host keys to FILE in
// OpenSSH known_hosts format. Exits when its standard input closes, so it
// never outlives the test that started it.
#include <arpa/inet.h>
#include <libssh/libssh.h>
#include <libssh/server.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "emulator.h"

using nlohmann::json;

namespace {

struct SwitchConfig {
  std::string name, vendor, username, password, enablePassword;
  ssh_key authorizedKey = nullptr;
  bool allowPassword = true, allowInteractive = true;
};

void writeAll(ssh_channel chan, const std::string& s) {
  if (!s.empty()) ssh_channel_write(chan, s.data(), static_cast<uint32_t>(s.size()));
}

bool authenticate(ssh_session s, const SwitchConfig& cfg, switchsim::Device& dev,
                  std::string& user) {
  int methods = 0;
  if (cfg.allowPassword) methods |= SSH_AUTH_METHOD_PASSWORD;
  if (cfg.allowInteractive) methods |= SSH_AUTH_METHOD_INTERACTIVE;
  if (cfg.authorizedKey) methods |= SSH_AUTH_METHOD_PUBLICKEY;
  ssh_set_auth_methods(s, methods);
  bool refuse;
  {
    std::lock_guard lock(dev.mutex);
    refuse = dev.faults.refuse_auth;
  }
  std::string kbdintUser;  // the info response does not repeat the user
  for (int attempts = 0; attempts < 20; ++attempts) {
    ssh_message m = ssh_message_get(s);
    if (!m) return false;
    bool ok = false, handled = false;
    if (ssh_message_type(m) == SSH_REQUEST_AUTH) {
      const char* u = ssh_message_auth_user(m);
      bool userOk = u && cfg.username == u;
      switch (ssh_message_subtype(m)) {
        case SSH_AUTH_METHOD_PASSWORD: {
          const char* p = ssh_message_auth_password(m);
          ok = cfg.allowPassword && !refuse && userOk && p && cfg.password == p;
          break;
        }
        case SSH_AUTH_METHOD_INTERACTIVE:
          if (!cfg.allowInteractive) break;
          if (!ssh_message_auth_kbdint_is_response(m)) {
            const char* prompts[] = {"Password: "};
            char echo[] = {0};
            ssh_message_auth_interactive_request(m, "", "", 1, prompts, echo);
            kbdintUser = u ? u : "";
            handled = true;
          } else {
            const char* a = ssh_userauth_kbdint_getnanswers(s) == 1
                                ? ssh_userauth_kbdint_getanswer(s, 0)
                                : nullptr;
            ok = !refuse && kbdintUser == cfg.username && a && cfg.password == a;
            u = kbdintUser.c_str();
          }
          break;
        case SSH_AUTH_METHOD_PUBLICKEY: {
          ssh_key key = ssh_message_auth_pubkey(m);
          bool match = cfg.authorizedKey && key &&
                       ssh_key_cmp(key, cfg.authorizedKey, SSH_KEY_CMP_PUBLIC) == 0;
          if (!refuse && userOk && match) {
            if (ssh_message_auth_publickey_state(m) == SSH_PUBLICKEY_STATE_NONE) {
              ssh_message_auth_reply_pk_ok_simple(m);
              handled = true;
            } else if (ssh_message_auth_publickey_state(m) == SSH_PUBLICKEY_STATE_VALID) {
              ok = true;
            }
          }
          break;
        }
        default:
          break;
      }
      if (ok) {
        user = u;
        ssh_message_auth_reply_success(m, 0);
        ssh_message_free(m);
        return true;
      }
      if (!handled) {
        ssh_message_auth_set_methods(m, methods);
        ssh_message_reply_default(m);
      }
    } else {
      ssh_message_reply_default(m);
    }
    ssh_message_free(m);
  }
  return false;
}

ssh_channel openShell(ssh_session s) {
  ssh_channel chan = nullptr;
  for (int i = 0; i < 20; ++i) {
    ssh_message m = ssh_message_get(s);
    if (!m) return nullptr;
    int type = ssh_message_type(m), sub = ssh_message_subtype(m);
    if (type == SSH_REQUEST_CHANNEL_OPEN && sub == SSH_CHANNEL_SESSION && !chan) {
      chan = ssh_message_channel_request_open_reply_accept(m);
    } else if (type == SSH_REQUEST_CHANNEL &&
               (sub == SSH_CHANNEL_REQUEST_PTY || sub == SSH_CHANNEL_REQUEST_SHELL ||
                sub == SSH_CHANNEL_REQUEST_ENV || sub == SSH_CHANNEL_REQUEST_WINDOW_CHANGE)) {
      ssh_message_channel_request_reply_success(m);
      if (sub == SSH_CHANNEL_REQUEST_SHELL) {
        ssh_message_free(m);
        return chan;
      }
    } else {
      ssh_message_reply_default(m);
    }
    ssh_message_free(m);
  }
  return nullptr;
}

void serve(ssh_session s, const SwitchConfig* cfg, switchsim::Device* dev) {
  std::string user;
  ssh_channel chan = nullptr;
  int one = 1;
  setsockopt(ssh_get_fd(s), IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (ssh_handle_key_exchange(s) == SSH_OK && authenticate(s, *cfg, *dev, user) &&
      (chan = openShell(s))) {
    auto session = switchsim::openSession(*dev, user, cfg->enablePassword);
    writeAll(chan, session->greeting());
    std::string line;
    bool lastCr = false, hung = false;
    char buf[4096];
    while (true) {
      int n = ssh_channel_read_timeout(chan, buf, sizeof buf, 0, 1000);
      if (n == SSH_ERROR || (n == 0 && ssh_channel_is_eof(chan))) break;
      bool done = false;
      for (int i = 0; i < n && !done; ++i) {
        char c = buf[i];
        if (session->awaitingKey() && !hung) {  // a pager takes one key
          auto reply = session->input(std::string(1, c));
          writeAll(chan, reply.text);
          if (reply.close) {
            ssh_channel_send_eof(chan);
            done = true;
          }
          continue;
        }
        if (c == '\n' && lastCr) {
          lastCr = false;
          continue;
        }
        lastCr = c == '\r';
        if (c != '\r' && c != '\n') {
          line.push_back(c);
          continue;
        }
        if (hung) continue;
        auto reply = session->input(line);
        if (reply.drop) {
          // Cut the TCP stream without a word; the fd itself is closed once,
          // by the cleanup below (closing it here could close a new
          // connection that reused the number).
          shutdown(ssh_get_fd(s), SHUT_RDWR);
          done = true;
          break;
        }
        if (reply.hang) {
          hung = true;
          line.clear();
          continue;
        }
        if (reply.flood) {
          // Output without end, until the client leaves (bounded).
          std::string chunk;
          for (int rep = 0; rep < 1024; ++rep)
            chunk += "flood flood flood flood flood flood flood flood flood flood\r\n";
          for (std::size_t sent = 0; sent < (std::size_t{256} << 20); sent += chunk.size())
            if (ssh_channel_write(chan, chunk.data(), static_cast<uint32_t>(chunk.size())) ==
                SSH_ERROR)
              break;
          done = true;
          break;
        }
        writeAll(chan, (reply.echo ? line + "\r\n" : std::string()) + reply.text);
        if (reply.pause_ms > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(reply.pause_ms));
          writeAll(chan, reply.later);
        }
        line.clear();
        if (reply.close) {
          // A logout ends the shell as a device's does: with status 0 (an
          // OpenSSH client reports 255 without one).
          ssh_channel_request_send_exit_status(chan, 0);
          ssh_channel_send_eof(chan);
          done = true;
        }
      }
      if (done) break;
    }
    ssh_channel_close(chan);
    ssh_channel_free(chan);
  }
  ssh_disconnect(s);
  ssh_free(s);
}

ssh_key loadOrMakeHostKey(const std::string& path) {
  ssh_key key = nullptr;
  if (!path.empty() &&
      ssh_pki_import_privkey_file(path.c_str(), nullptr, nullptr, nullptr, &key) == SSH_OK)
    return key;
  if (ssh_pki_generate(SSH_KEYTYPE_ED25519, 0, &key) != SSH_OK) {
    std::cerr << "switchsim: cannot generate a host key\n";
    std::exit(2);
  }
  if (!path.empty()) ssh_pki_export_privkey_file(key, nullptr, nullptr, nullptr, path.c_str());
  return key;
}

switchsim::Fault fault(const json& j) {
  switchsim::Fault f;
  if (j.is_null()) return f;
  f.match = j.value("match", "");
  f.times = j.value("times", 0);
  f.skip = j.value("skip", 0);
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: switchsim CONFIG.json\n";
    return 2;
  }
  json config;
  try {
    std::ifstream in(argv[1]);
    config = json::parse(in);
  } catch (const std::exception& e) {
    std::cerr << "switchsim: " << argv[1] << ": " << e.what() << "\n";
    return 2;
  }
  ssh_init();
  std::string stateDir = config.value("state_dir", "");
  std::ofstream knownHosts;
  if (config.contains("known_hosts"))
    knownHosts.open(config["known_hosts"].get<std::string>(), std::ios::app);

  std::vector<std::unique_ptr<SwitchConfig>> configs;
  std::vector<std::unique_ptr<switchsim::Device>> devices;
  for (const auto& sj : config.at("switches")) {
    auto cfg = std::make_unique<SwitchConfig>();
    cfg->name = sj.at("name");
    cfg->vendor = sj.at("vendor");
    cfg->username = sj.value("username", "colo");
    cfg->password = sj.value("password", "");
    cfg->enablePassword = sj.value("enable_password", "");
    if (sj.contains("auth_methods")) {
      auto m = sj["auth_methods"].get<std::vector<std::string>>();
      auto has = [&](const char* x) { return std::find(m.begin(), m.end(), x) != m.end(); };
      cfg->allowPassword = has("password");
      cfg->allowInteractive = has("keyboard-interactive");
    }
    if (sj.contains("authorized_key")) {
      std::istringstream k(sj["authorized_key"].get<std::string>());
      std::string type, b64;
      k >> type >> b64;
      if (ssh_pki_import_pubkey_base64(b64.c_str(), ssh_key_type_from_name(type.c_str()),
                                       &cfg->authorizedKey) != SSH_OK) {
        std::cerr << "switchsim: " << cfg->name << ": bad authorized_key\n";
        return 2;
      }
    }
    switchsim::Faults faults;
    if (sj.contains("faults")) {
      const auto& fj = sj["faults"];
      faults.refuse_auth = fj.value("refuse_auth", false);
      faults.drop_after_commands = fj.value("drop_after_commands", 0);
      faults.drop_times = fj.value("drop_times", 0);
      faults.reject = fault(fj.value("reject", json()));
      faults.ignore = fault(fj.value("ignore", json()));
      faults.hang = fault(fj.value("hang", json()));
      faults.hang_after = fault(fj.value("hang_after", json()));
      faults.long_line = fault(fj.value("long_line", json()));
      faults.flood = fault(fj.value("flood", json()));
      faults.async_line = fault(fj.value("async_line", json()));
      faults.prompt_line = fault(fj.value("prompt_line", json()));
      faults.prompt_pause = fault(fj.value("prompt_pause", json()));
      faults.intrude = fault(fj.value("intrude", json()));
      faults.sneak = fault(fj.value("sneak", json()));
      faults.osc_title = fault(fj.value("osc_title", json()));
      faults.intrude_port = fj.value("intrude_port", "");
      faults.endless_pager = fault(fj.value("endless_pager", json()));
      faults.tiny_pages = fault(fj.value("tiny_pages", json()));
      faults.version_pause = fault(fj.value("version_pause", json()));
      faults.slow_answer = fault(fj.value("slow_answer", json()));
      faults.slow_answer_ms = fj.value("slow_answer_ms", 0);
      faults.question_style = fj.value("question_style", 0);
      faults.hang_at_command = fj.value("hang_at_command", 0);
      faults.slow_ms = fj.value("slow_ms", 0);
    }
    auto dev = std::make_unique<switchsim::Device>(
        cfg->name, cfg->vendor, switchsim::expandPorts(sj.at("ports")), faults,
        stateDir.empty() ? "" : stateDir + "/" + cfg->name + ".json");
    {
      std::lock_guard lock(dev->mutex);
      // Ports configured before the test starts: {"PORT": {"description",
      // "mode", "vlan", "enabled"}}, running and saved alike.
      if (sj.contains("initial"))
        for (const auto& [port, pj] : sj["initial"].items()) {
          switchsim::Port p{pj.value("description", ""), pj.value("mode", ""), pj.value("vlan", 0),
                            pj.value("enabled", true),
                            pj.value("extra", std::vector<std::string>{})};
          dev->running[port] = dev->saved[port] = dev->candidate[port] = p;
        }
      // Servers plugged in: {"PORT": {"link", "link_after_reads", "macs",
      // "lldp": {"system_name", "port_id", "chassis_id", "port_description"},
      // "aggregate", "input_errors", "errors_per_read"}}.
      if (sj.contains("servers"))
        for (const auto& [port, pj] : sj["servers"].items()) {
          switchsim::Plugged p;
          p.link = pj.value("link", true);
          p.link_after_reads = pj.value("link_after_reads", 0);
          p.macs = pj.value("macs", std::vector<std::string>{});
          if (pj.contains("lldp")) {
            const auto& l = pj["lldp"];
            p.lldp = true;
            p.system_name = l.value("system_name", "");
            p.port_id = l.value("port_id", "eno1");
            p.chassis_id = l.value("chassis_id", p.macs.empty() ? "02:00:00:00:00:01" : p.macs[0]);
            p.port_description = l.value("port_description", "eno1");
          }
          p.aggregate = pj.value("aggregate", "");
          p.input_errors = pj.value("input_errors", std::uint64_t{0});
          p.errors_per_read = pj.value("errors_per_read", std::uint64_t{0});
          dev->plugged[port] = p;
        }
      dev->dump();
    }

    ssh_bind bind = ssh_bind_new();
    int port = sj.value("port", 0);
    bool no = false;
    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_PROCESS_CONFIG, &no);
    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_BINDADDR, "127.0.0.1");
    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_BINDPORT, &port);
    ssh_key hostKey = loadOrMakeHostKey(sj.value("host_key", ""));
    ssh_bind_options_set(bind, SSH_BIND_OPTIONS_IMPORT_KEY, hostKey);
    if (ssh_bind_listen(bind) != SSH_OK) {
      std::cerr << "switchsim: " << cfg->name << ": cannot listen on 127.0.0.1:" << port << ": "
                << ssh_get_error(bind) << "\n";
      return 1;
    }
    sockaddr_in addr{};
    socklen_t len = sizeof addr;
    getsockname(ssh_bind_get_fd(bind), reinterpret_cast<sockaddr*>(&addr), &len);
    int bound = ntohs(addr.sin_port);
    char* b64 = nullptr;
    ssh_pki_export_pubkey_base64(hostKey, &b64);
    if (knownHosts.is_open())
      knownHosts << "[127.0.0.1]:" << bound << " ssh-ed25519 " << b64 << "\n" << std::flush;
    ssh_string_free_char(b64);
    std::cout << "switchsim: " << cfg->name << " " << cfg->vendor << " 127.0.0.1:" << bound << "\n";

    std::thread([bind, c = cfg.get(), d = dev.get()] {
      while (true) {
        ssh_session s = ssh_new();
        if (ssh_bind_accept(bind, s) != SSH_OK) {
          ssh_free(s);
          continue;
        }
        std::thread(serve, s, c, d).detach();
      }
    }).detach();
    configs.push_back(std::move(cfg));
    devices.push_back(std::move(dev));
  }
  knownHosts.close();
  std::cout << "ready" << std::endl;
  // Live as long as whoever started us: until standard input closes.
  char c;
  while (read(0, &c, 1) > 0) {
  }
  std::_Exit(0);
}
