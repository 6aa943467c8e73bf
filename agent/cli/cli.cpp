#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>
#include <regex>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "cli/completion.h"
#include "cli/daemon.h"
#include "cli/output.h"
#include "colo/drivers/error.h"
#include "colo/encoding/encoding.h"
#include "core/build_info.h"

namespace colo::agent {

namespace {

using nlohmann::json;

int cmdToken(CommandContext& s, const std::string& name, const std::string& role) {
  if (!inv::isSafeName(name))
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "--name '" + name + "': 1-63 of letters, digits, '.', '_' and '-'");
  if (!parseRole(role)) {
    auto meant = inv::closestName(role, roleNames());
    throw inv::Error(inv::ErrorKind::invalid_input,
                     "--role '" + role + "' is not one of requester, technician, admin" +
                         (meant.empty() ? "" : " (did you mean '" + meant + "'?)"));
  }
  std::string token = "colo_" + encoding::hex(encoding::randomBytes(32));
  std::string hash = encoding::sha256Hex(token);
  std::string entry = "- {name: " + name + ", role: " + role + ", sha256: \"" + hash + "\"}";
  if (s.options().json) {
    print({{"token", token},
           {"sha256", hash},
           {"name", name},
           {"role", role},
           {"config_entry", entry}});
    return 0;
  }
  std::cout << "token (shown once; give it to the client):\n  " << token << "\n"
            << "add under tokens: in the config (only the hash is stored):\n  " << entry << "\n";
  return 0;
}

// An error's message as a list of {file, line, column, message}: each of
// its "  FILE:LINE:COLUMN: text" lines (a request's problems), or the whole
// message without a position.
json errorsJson(const std::string& message) {
  static const std::regex located(R"(^  (.+):(\d+):(\d+): (.*)$)");
  json out = json::array();
  std::istringstream lines(message);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_match(line, m, located))
      out.push_back({{"file", m[1].str()},
                     {"line", std::stoi(m[2].str())},
                     {"column", std::stoi(m[3].str())},
                     {"message", m[4].str()}});
  }
  if (out.empty())
    out.push_back(
        {{"file", nullptr}, {"line", nullptr}, {"column", nullptr}, {"message", message}});
  return out;
}

int exitCodeOf(inv::ErrorKind k) {
  return k == inv::ErrorKind::invalid_input ? 2 : 1;
}

const char* kindName(inv::ErrorKind k) {
  switch (k) {
    case inv::ErrorKind::invalid_input:
      return "invalid_input";
    case inv::ErrorKind::not_found:
      return "not_found";
    case inv::ErrorKind::conflict:
      return "conflict";
    case inv::ErrorKind::exhausted:
      return "exhausted";
    case inv::ErrorKind::storage:
      return "storage";
    case inv::ErrorKind::moved:
      return "moved";
  }
  return "error";
}

}  // namespace

int runCli(int argc, char** argv) {
  CLI::App app{
      "colo: colocation provisioning for the data center (racks, power, ports, addresses)"};
  app.require_subcommand(1);
  // Global options may come before or after the subcommand; every
  // subcommand's help lists them and the exit codes.
  app.fallthrough();
  app.set_version_flag("--version", std::string("colo ") + coloVersion());
  static const char* kFooter =
      "Global options (before or after the subcommand): --config FILE (or $COLO_CONFIG),\n"
      "  --inventory PATH, --state PATH, --playbooks DIR, --json, --quiet.\n"
      "Exit codes: 0 done; 1 the operation failed (nothing fits, conflict, not found);\n"
      "  2 bad usage or invalid input; 130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP (after "
      "restoring the switches).\n";
  app.footer(kFooter);
  Options opt;
  // The last of a repeated option wins, so a wrapper's defaults can be overridden.
  auto last = CLI::MultiOptionPolicy::TakeLast;
  app.add_option("--config", opt.config, "config file (docs/formats.md, Config); also $COLO_CONFIG")
      ->multi_option_policy(last);
  app.add_option("--inventory", opt.inventory, "inventory YAML file or directory")
      ->multi_option_policy(last);
  app.add_option("--state", opt.ledger,
                 "the ledger: a SQLite file, or a postgresql://USER@HOST:PORT/DB URI")
      ->multi_option_policy(last);
  app.add_option("--playbooks", opt.playbooks, "playbooks directory (workflow and templates)")
      ->multi_option_policy(last);
  app.add_flag("--json", opt.json, "machine-readable output (and no progress lines)");
  app.add_flag("-q,--quiet", opt.quiet, "no progress lines on stderr while switches are changed");

  std::string arg, status;
  std::function<int(CommandContext&)> run;
  auto sub = [&](const char* name, const char* help, auto fn) {
    auto* c = app.add_subcommand(name, help);
    c->footer(kFooter);
    c->callback([&run, fn] { run = fn; });
    return c;
  };
  bool online = false;
  sub("validate", "validate the inventory against itself and the ledger",
      [&](CommandContext& s) { return cmdValidate(s, online); })
      ->add_flag(
          "--online", online,
          "also connect to every switch, read-only: credentials, host keys, and ports whose real "
          "state differs from the ledger");
  sub("init", "create the ledger (or migrate it); no other command creates one", cmdInit);
  sub("racks", "utilization per rack: units and power per feed", cmdRacks);
  bool svg = false;
  auto* rackCmd = sub("rack", "one rack's elevation, unit by unit",
                      [&](CommandContext& s) { return cmdRack(s, arg, svg); });
  rackCmd->add_option("NAME", arg, "rack name")->required();
  rackCmd->add_flag("--svg", svg, "print the elevation as an SVG picture (front view)");
  std::string poolName;
  sub("pools", "used and free addresses per pool; with NAME, its free ranges and held addresses",
      [&](CommandContext& s) { return cmdPools(s, poolName); })
      ->add_option("NAME", poolName, "one pool, in detail");
  sub("plan", "show what would be reserved; changes nothing",
      [&](CommandContext& s) { return cmdPlan(s, arg); })
      ->add_option("REQUEST", arg, "request file (.json, .yaml), or the id of a stored request")
      ->required();
  sub("reserve", "plan and commit the reservation to the ledger (idempotent per request id)",
      [&](CommandContext& s) { return cmdReserve(s, arg); })
      ->add_option("REQUEST", arg, "request file (.json, .yaml), or the id of a stored request")
      ->required();
  bool dryRun = false;
  auto* prov =
      sub("provision", "reserve, configure, verify, save, complete; on failure restore and release",
          [&](CommandContext& s) { return cmdProvision(s, arg, dryRun); });
  prov->add_option("REQUEST", arg, "request file (.json, .yaml), or the id of a stored request")
      ->required();
  prov->add_flag("--dry-run", dryRun,
                 "print the plan and the exact commands per switch; touch nothing");
  sub("retry", "a new attempt of a failed request, from its stored body",
      [&](CommandContext& s) { return cmdRetry(s, arg); })
      ->add_option("REQUEST_ID", arg, "request id")
      ->required();
  std::vector<std::string> reconcileSwitches;
  bool applyIntent = false;
  auto* reconcile = sub(
      "reconcile",
      "compare every port colo holds with colo's configuration for it, every free port with the "
      "unused state, and what is saved with what runs; print each difference as a diff (exit 1 "
      "when there is any); --apply puts colo's configuration back on colo's ports",
      [&](CommandContext& s) { return cmdReconcile(s, reconcileSwitches, applyIntent); });
  reconcile->add_option("SWITCH", reconcileSwitches, "only these switches (default: every one)");
  reconcile->add_flag("--apply", applyIntent,
                      "put colo's configuration back on colo's ports that differ and save those "
                      "not saved (capture, apply, verify, save; restored on failure); a free "
                      "port someone configured is never touched");
  bool watch = false;
  std::string every = "5s", within = "30m";
  auto* check =
      sub("check",
          "the cabling check of a completed request: per NIC its switch port's link, MACs and LLDP "
          "neighbour, and whether its server is plugged in there (exit 0 when every NIC is ok); "
          "read-only",
          [&](CommandContext& s) {
            auto seconds = [](const std::string& flag, const std::string& v, int most) {
              int n = 0, unit = 0;
              char u = v.empty() ? 0 : v.back();
              unit = u == 's' ? 1 : u == 'm' ? 60 : 0;
              auto [end, ec] = std::from_chars(v.data(), v.data() + v.size() - (unit ? 1 : 0), n);
              if (!unit || ec != std::errc() || end != v.data() + v.size() - 1 || n < 1 ||
                  n * unit > most)
                throw inv::Error(inv::ErrorKind::invalid_input,
                                 flag + " " + v +
                                     ": give seconds or minutes, such as 5s or 10m, up to " +
                                     std::to_string(most / 60) + "m");
              return n * unit;
            };
            return cmdCheck(s, arg, watch, seconds("--interval", every, 600),
                            seconds("--timeout", within, 24 * 3600));
          });
  check->add_option("REQUEST_ID", arg, "request id")->required();
  check->add_flag("--watch", watch,
                  "check again every --interval until every NIC is ok or --timeout, printing "
                  "what changed (for the technician at the rack)");
  check->add_option("--interval", every, "between checks with --watch (default 5s)");
  check->add_option("--timeout", within, "how long --watch goes on (default 30m)");
  bool forget = false;
  std::string reason;
  auto* rel = sub("release", "unconfigure the ports, then free everything a request holds",
                  [&](CommandContext& s) {
                    if (!forget && !reason.empty())
                      throw inv::Error(inv::ErrorKind::invalid_input,
                                       "--reason goes with --forget-switches");
                    return forget ? cmdForgetSwitches(s, arg, reason) : cmdRelease(s, arg);
                  });
  rel->add_option("REQUEST_ID", arg, "request id")->required();
  rel->add_flag("--forget-switches", forget,
                "a switch is gone for good: free the units, power and addresses without touching "
                "any switch, and list the ports to clean by hand (they stay held until `colo "
                "validate --online` finds them unused)");
  rel->add_option("--reason", reason, "why the switches are forgotten (into the step log)");
  bool lateOnly = false, missedOnly = false;
  auto* reqs = sub("requests", "requests with their status, due date and lateness",
                   [&](CommandContext& s) { return cmdRequests(s, status, lateOnly, missedOnly); });
  reqs->add_option("--status", status, "only requests with this status");
  reqs->add_flag("--late", lateOnly,
                 "only open requests past their due date (3 working days): what needs doing now");
  reqs->add_flag("--missed", missedOnly, "only requests that ended after their due date");
  sub("request", "one request's allocations and step log",
      [&](CommandContext& s) { return cmdRequest(s, arg); })
      ->add_option("ID", arg, "request id")
      ->required();
  std::string letterOut;
  auto* letter = sub("letter", "the confirmation letter of a completed request (HTML, one A4 page)",
                     [&](CommandContext& s) { return cmdLetter(s, arg, letterOut); });
  letter->add_option("ID", arg, "request id")->required();
  letter->add_option("-o,--output", letterOut, "write it to FILE instead of standard output");
  std::string tokenName = "request-system", tokenRole = "requester";
  auto* tokenCmd = sub("token", "make a new API token; print it once, and its line for the config",
                       [&](CommandContext& s) { return cmdToken(s, tokenName, tokenRole); });
  tokenCmd->add_option("--name", tokenName, "who uses it (default request-system)");
  tokenCmd->add_option("--role", tokenRole, "requester (default), technician or admin");
  std::string shell;
  auto* completion = app.add_subcommand(
      "completion", "print a shell completion script (bash): source <(colo completion bash)");
  completion->add_option("SHELL", shell, "bash")->required()->check(CLI::IsMember({"bash"}));
  completion->footer(kFooter);
  // Needs no config, ledger or inventory: answered before any is read.
  bool completing = false;
  completion->callback([&] { completing = true; });
  bool initLedger = false;
  std::string logFormat;
  auto* agentCmd = sub(
      "agent",
      "run the HTTP daemon (needs --config); SIGHUP reloads the config, SIGUSR1 reopens the log "
      "file, SIGTERM stops it (exit 0)",
      [&](CommandContext& s) {
        if (s.config().file.empty())
          throw inv::Error(inv::ErrorKind::invalid_input,
                           "colo agent needs --config FILE (listen, tokens, credentials)");
        AgentOptions o;
        o.createLedger = initLedger;
        o.reread = [&s] { return s.rereadConfig(); };
        return runAgent(s.config(), s.inventory(), s.playbooks(), o);
      });
  agentCmd->add_flag(
      "--init", initLedger,
      "create the ledger when it does not exist yet (as colo init would); without it a "
      "missing ledger is an error, so a mistyped state: is never a new, empty ledger");
  agentCmd
      ->add_option("--log-format", logFormat,
                   "json or text (default: the config's log.format; else text on a terminal, "
                   "JSON otherwise, as under systemd)")
      ->check(CLI::IsMember({"json", "text"}));
  std::string backupTo;
  sub("backup",
      "copy the SQLite ledger to a new file while agents run (one snapshot); on PostgreSQL, say "
      "the pg_dump command",
      [&](CommandContext& s) { return cmdBackup(s, backupTo); })
      ->add_option("--to", backupTo, "the copy: a file that does not exist yet (written 0600)")
      ->required();
  std::string ledgerFile;
  sub("verify-ledger",
      "open a ledger file read-only (a backup, before restoring it): its schema version, "
      "integrity and what it holds",
      [&](CommandContext& s) { return cmdVerifyLedger(s, ledgerFile); })
      ->add_option("FILE", ledgerFile, "the ledger file")
      ->required();
  std::string window = "90d";
  sub("forecast",
      "when each rack, feed, room and pool reaches 80%, 95% and full at the rate requests took "
      "them over a window (default the last 90 days), and what each department took",
      [&](CommandContext& s) { return cmdForecast(s, window); })
      ->add_option("--window", window, "the rate's window in days: 30d, 90d (default), 365d");
  sub("agents",
      "every colo process on the ledger: host, pid, version, lease and what it works on; "
      "EXPIRED marks one whose lease was not renewed",
      cmdAgents);
  sub("reload-check",
      "check the config as a running agent's reload (SIGHUP, systemctl reload colo) would, "
      "changing nothing",
      cmdReloadCheck);

  // A mistyped option, global or a command's: say which one was meant (before
  // anything reads its value as a command).
  {
    // The command's own options first: a near miss prefers them.
    std::vector<std::string> known, others = {"--help", "--version"};
    const CLI::App* cmd = nullptr;
    for (int i = 1; i < argc && !cmd; ++i)
      for (const auto* c : app.get_subcommands({}))
        if (c->get_name() == argv[i]) cmd = c;
    std::set<std::string> takesValue;  // its next argument is a value, whatever it looks like
    auto addOptions = [&](const CLI::App* a, std::vector<std::string>& into) {
      for (const auto* o : a->get_options()) {
        for (const auto& n : o->get_lnames()) {
          into.push_back("--" + n);
          if (o->get_items_expected_min() > 0) takesValue.insert("--" + n);
        }
        if (o->get_items_expected_min() > 0)
          for (const auto& n : o->get_snames()) takesValue.insert("-" + n);
      }
    };
    if (cmd) addOptions(cmd, known);
    const std::size_t ownOptions = known.size();  // the command's, before the global ones
    addOptions(&app, known);
    for (const auto* c : app.get_subcommands({}))
      if (c != cmd) addOptions(c, others);
    known.insert(known.end(), others.begin(), others.end());
    for (int i = 1; i < argc; ++i) {
      std::string a = argv[i];
      if (a == "--") break;
      if (takesValue.count(a)) {
        ++i;  // `--reason "--switch burned"`: a value, not an option
        continue;
      }
      if (a.rfind("--", 0) != 0) continue;
      auto name = a.substr(0, a.find('='));
      if (std::find(known.begin(), known.end(), name) != known.end()) continue;
      auto meant = inv::closestName(name, known);
      // The help that lists what was meant: the command's for its own options.
      bool own = std::find(known.begin(), known.begin() + static_cast<std::ptrdiff_t>(ownOptions),
                           meant) != known.begin() + static_cast<std::ptrdiff_t>(ownOptions);
      std::cerr << "colo: unknown option '" << name << "'"
                << (meant.empty() ? "" : "; did you mean '" + meant + "'?") << "\n"
                << "Run colo " << (cmd && own ? cmd->get_name() + " " : std::string())
                << "--help for the options.\n";
      return 2;
    }
  }
  // A mistyped subcommand: say which one was meant.
  // (The first word that is neither an option nor a global option's value.)
  std::string word;
  for (int i = 1; i < argc && word.empty(); ++i) {
    std::string a = argv[i];
    if (a == "--config" || a == "--inventory" || a == "--state" || a == "--playbooks")
      ++i;
    else if (a.empty() || a[0] != '-')
      word = a;
  }
  if (!word.empty()) {
    std::vector<std::string> names;
    for (const auto* c : app.get_subcommands({})) names.push_back(c->get_name());
    if (std::find(names.begin(), names.end(), word) == names.end()) {
      auto meant = inv::closestName(word, names);
      std::cerr << "colo: unknown command '" << word << "'"
                << (meant.empty() ? "" : "; did you mean '" + meant + "'?") << "\n"
                << "Run colo --help for the commands.\n";
      return 2;
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; anything else is a usage
    // error, said the way colo says its own (prefix, the command, exit 2).
    if (e.get_exit_code() == 0) return app.exit(e);
    std::cerr << "colo: " << (word.empty() ? std::string() : word + ": ") << e.what() << "\n"
              << "Run colo " << (word.empty() ? std::string() : word + " ")
              << "--help for its usage.\n";
    return 2;
  }
  if (completing) {
    std::cout << bashCompletion(app);
    return 0;
  }
  if (!logFormat.empty()) opt.log_format = parseLogFormat(logFormat);
  try {
    CommandContext session(opt);
    return run(session);
  } catch (const InvalidInput& e) {
    if (opt.json) {
      json errors = json::array();
      for (const auto& d : e.diagnostics)
        errors.push_back({{"file", d.where.file},
                          {"line", d.where.line ? json(d.where.line) : json(nullptr)},
                          {"column", d.where.column ? json(d.where.column) : json(nullptr)},
                          {"message", d.message}});
      std::cerr << json{{"errors", errors}, {"kind", "invalid_input"}}.dump() << "\n";
      return 2;
    }
    for (const auto& d : e.diagnostics) std::cerr << d.str() << "\n";
    std::cerr << "colo: " << e.what << " is invalid (" << e.diagnostics.size() << " error"
              << (e.diagnostics.size() == 1 ? "" : "s") << ")\n";
    return 2;
  } catch (const OperationFailed& e) {
    std::cerr << "colo: " << e.message << "\n";
    return 1;
  } catch (const drivers::DriverError& e) {
    bool bad = e.kind() == drivers::DriverErrorKind::invalid_value;
    std::cerr << "colo: " << e.what() << "\n";
    return bad ? 2 : 1;
  } catch (const inv::Error& e) {
    if (opt.json)
      std::cerr << json{{"errors", errorsJson(e.what())}, {"kind", kindName(e.kind())}}.dump()
                << "\n";
    else
      std::cerr << "colo: " << e.what() << "\n";
    return exitCodeOf(e.kind());
  } catch (const std::exception& e) {
    std::cerr << "colo: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace colo::agent
