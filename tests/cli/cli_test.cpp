// The real `colo` binary against real SQLite files: exit codes, messages,
// --json, and that bad input changes nothing.
#include <catch2/catch.hpp>

#include <filesystem>
#include <regex>

#include <chrono>
#include <nlohmann/json.hpp>

#include "../support/dates.h"
#include "../support/ledger_state.h"
#include "../support/process.h"
#include "colo/inventory/ledger.h"

using colo::test::Child;
using colo::test::Result;
using colo::test::TempDir;
using nlohmann::json;

namespace {

const std::string kColo = COLO_BINARY;
const std::string kExamples = COLO_SOURCE_DIR "/examples";
const std::string kInventory = kExamples + "/inventory.yaml";

struct Cli {
  TempDir dir;
  std::string state = colo::test::ledgerState(dir);

  Cli() {
    auto r = colo::test::run({kColo, "--state", state, "init"}, dir);
    if (r.exit_code != 0) throw std::runtime_error("colo init failed: " + r.err);
  }

  Result operator()(std::vector<std::string> args) {
    std::vector<std::string> argv = {kColo, "--inventory", kInventory, "--state", state};
    argv.insert(argv.end(), args.begin(), args.end());
    return colo::test::run(argv, dir);
  }
  json jsonOf(std::vector<std::string> args) {
    args.insert(args.begin(), "--json");
    auto r = (*this)(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  }
  // Everything the ledger holds, as SQL text: equal dumps mean nothing changed.
  std::string dump() { return colo::test::ledgerDump(state, dir); }
};

std::string request(const std::string& name) {
  return kExamples + "/requests/" + name;
}

}  // namespace

TEST_CASE("validate accepts the sample inventory") {
  Cli colo;
  auto r = colo({"validate"});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "inventory valid: 10 racks, 10 switches, 5 ip pools, 3 vlans (1 file); no conflicts with "
        "the ledger\n");
}

TEST_CASE("validate reports every error with file:line:col and exits 2") {
  Cli colo;
  auto bad = colo.dir.write("inv.yaml", R"(site: {name: dc}
racks:
  - name: R01
    height: 42
    power: {feeds: [{name: A, capacity_watts: 1000}]}
    switches: [nope]
    devices:
      - {name: d1, position: 41, height: 3}
vlans: [{id: 5000, name: v}]
)");
  auto r = colo({"--inventory", bad, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
  CHECK(r.err ==
        bad + ":3:5: rack 'R01' names switch 'nope', which is not defined under 'switches'\n" +
            bad + ":8:9: device 'd1' occupies units 41-43, outside rack 'R01' (1-42)\n" + bad +
            ":9:14: vlan: field 'id' is 5000, must be between 1 and 4094\n" + "3 errors\n");
  auto j = json::parse(colo({"--inventory", bad, "--json", "validate"}).out);
  CHECK(j["valid"] == false);
  CHECK(j["errors"].size() == 3);
  CHECK(j["errors"][2]["line"] == 9);
}

TEST_CASE("validate names the vendors colo speaks when a switch's vendor is unknown") {
  Cli colo;
  auto bad = colo.dir.write("inv.yaml", R"(site: {name: dc}
racks:
  - {name: R01, height: 42, power: {feeds: [{name: A, capacity_watts: 1000}]}, switches: [s1]}
switches:
  - {name: s1, vendor: huawei, address: 127.0.0.1, access_ports: "GigabitEthernet0/0/1-4"}
)");
  auto r = colo({"--inventory", bad, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(bad +
                   ":5:5: switch 's1': unknown vendor 'huawei' (known: cisco_ios, arista_eos, "
                   "juniper_junos, huawei_vrp, hp_comware)\n") != std::string::npos);
}

TEST_CASE("plan shows the allocation and changes nothing") {
  Cli colo;
  auto before = colo.dump();
  auto r = colo({"plan", request("bappeda-web.json")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  // placement.policy balance (the default): the rack whose worst feed stays least loaded.
  CHECK(r.out.find("bappeda-web01  R08   U2-U3  450 W R08-A+R08-B") != std::string::npos);
  CHECK(r.out.find("203.0.113.10/24 gw 203.0.113.1") != std::string::npos);
  CHECK(colo.dump() == before);
}

TEST_CASE("a mistyped ledger path is an error, and nothing is created") {
  Cli colo;
  auto typo = colo.dir.file("var/colo.bd");
  for (std::vector<std::string> cmd :
       {std::vector<std::string>{"reserve", request("bappeda-web.json")},
        {"provision", request("bappeda-web.json")},
        {"plan", request("bappeda-web.json")},
        {"racks"},
        {"requests"},
        {"release", "REQ-2026-0142"},
        {"validate"}}) {
    INFO(cmd[0]);
    cmd.insert(cmd.begin(), {"--state", typo});
    auto r = colo(cmd);
    CHECK(r.exit_code == 2);
    CHECK(r.err == "colo: no ledger at " + typo +
                       "; create it with `colo init` (check --state and the config's state:)\n");
    CHECK_FALSE(std::filesystem::exists(colo.dir.file("var")));
  }
  // `colo init` creates it, owner-only, and says so; again, it is a no-op.
  auto r = colo({"--state", typo, "init"});
  CHECK(r.exit_code == 0);
  const auto version = std::to_string(colo::inventory::Ledger::kSchemaVersion);
  CHECK(r.out == "created ledger " + typo + " (schema version " + version + ")\n");
  CHECK((std::filesystem::status(typo).permissions() & std::filesystem::perms::others_read) ==
        std::filesystem::perms::none);
  CHECK(colo({"--state", typo, "init"}).out ==
        "ledger " + typo + " is up to date (schema version " + version + ")\n");
  CHECK(colo({"--state", typo, "racks"}).exit_code == 0);
}

TEST_CASE("reserve commits once, is idempotent, and release frees everything") {
  Cli colo;
  auto first = colo.jsonOf({"reserve", request("bappeda-web.json")});
  CHECK(first["already_reserved"] == false);
  const auto& server = first["servers"][0];
  CHECK(server["rack"] == "R08");
  CHECK(server["units"] == json{{"first", 2}, {"last", 3}});
  CHECK(server["nics"][0]["port"] == "ge-0/0/0");
  CHECK(server["nics"][0]["addresses"][1]["address"] == "2001:db8:20::2");

  auto before = colo.dump();
  auto again = colo.jsonOf({"reserve", request("bappeda-web.json")});
  CHECK(again["already_reserved"] == true);
  CHECK(again["servers"] == first["servers"]);
  CHECK(colo.dump() == before);

  auto pools = colo.jsonOf({"pools"});
  CHECK(pools[0]["name"] == "colo-public-v4");
  CHECK(pools[0]["held"] == "1");
  CHECK(pools[0]["next_free"] == "203.0.113.11");

  auto rack = colo.jsonOf({"rack", "R08"});
  auto unit = [&](int u) { return rack["elevation"][42 - u]; };
  CHECK(unit(2)["state"] == "claimed");
  CHECK(unit(2)["request_id"] == "REQ-2026-0142");
  CHECK(unit(2)["tenant"] == "BAPPEDA");
  CHECK(unit(42)["occupant"] == "tor-r08");
  CHECK(unit(1)["state"] == "reserved");
  // The same rack as a picture: the claim is drawn where the ledger has it.
  auto svg = colo({"rack", "R08", "--svg"});
  CHECK(svg.exit_code == 0);
  CHECK(svg.out.rfind("<?xml", 0) == 0);
  CHECK(svg.out.find("data-kind=\"claimed\" data-name=\"" + unit(2)["occupant"].get<std::string>() +
                     "\" data-tenant=\"BAPPEDA\" data-request=\"REQ-2026-0142\"") !=
        std::string::npos);
  CHECK(colo({"rack", "R99", "--svg"}).exit_code == 1);

  auto list = colo.jsonOf({"requests", "--status", "reserved"});
  REQUIRE(list.size() == 1);
  CHECK(list[0]["id"] == "REQ-2026-0142");

  auto r = colo({"release", "REQ-2026-0142"});
  CHECK(r.exit_code == 0);
  CHECK(colo.jsonOf({"pools"})[0]["held"] == "0");
  auto rec = colo.jsonOf({"request", "REQ-2026-0142"});
  CHECK(rec["status"] == "released");
  REQUIRE(rec["events"].size() == 3);
  CHECK(rec["events"][0]["kind"] == "planning");
  CHECK(rec["events"][1]["kind"] == "reserved");
  CHECK(rec["events"][2]["kind"] == "released");
  CHECK(colo.jsonOf({"requests", "--status", "reserved"}).empty());

  // Released again: done already, exit 0, as provision of a completed request.
  auto settled = colo.dump();
  r = colo({"release", "REQ-2026-0142"});
  CHECK(r.exit_code == 0);
  CHECK(r.out == "request REQ-2026-0142 was already released; nothing to do\n");
  CHECK(colo.dump() == settled);
}

TEST_CASE("a request with several servers goes into one rack") {
  Cli colo;
  auto plan = colo.jsonOf({"reserve", request("dinkes-simrs.yaml")});
  REQUIRE(plan["servers"].size() == 4);
  for (const auto& s : plan["servers"]) CHECK(s["rack"] == plan["servers"][0]["rack"]);
  int claimed = 0;
  for (const auto& rack : colo.jsonOf({"racks"}))
    if (rack["name"] == plan["servers"][0]["rack"]) claimed = rack["units"]["claimed"];
  CHECK(claimed == 8);
}

TEST_CASE("when nothing fits the error names what ran out and the closest rack, exit 1") {
  Cli colo;
  auto r = colo({"reserve", request("disdukcapil-storage.json")});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "colo: no rack has 12 contiguous free units with 4200 W on two feeds and 2 free switch "
        "ports for server disdukcapil-san02; closest: R08 has 40 contiguous free units, 2764 W "
        "free on its second-best feed, 48 free switch ports\n");
  CHECK(colo.jsonOf({"requests"}).empty());
}

TEST_CASE("bad input gets a clear error, exit 2, and the ledger is unchanged") {
  Cli colo;
  REQUIRE(colo({"reserve", request("bappeda-web.json")}).exit_code == 0);
  auto before = colo.dump();
  REQUIRE(before.find("REQ-2026-0142") != std::string::npos);

  std::string base = Child::slurp(request("bappeda-web.json"));
  int n = 0;
  auto variant = [&](const std::string& from, const std::string& to) {
    std::string s = base;
    auto at = s.find(from);
    REQUIRE(at != std::string::npos);
    return colo.dir.write("bad" + std::to_string(n++) + ".json", s.replace(at, from.size(), to));
  };
  struct Case {
    std::string file, message;
  };
  std::vector<Case> cases = {
      {colo.dir.write("bad.json", "{\"id\": \"REQ-1\",\n  "),
       " <- invalid request: bad JSON at line 2, column 3: syntax error while parsing object key - "
       "unexpected end of input; expected string literal"},
      {variant("\"units\": 2", "\"units\": 2, \"rack\": \"R05\""),
       ": invalid request, 1 problem:\n  FILE:7:47: servers[0].rack: unknown field"},
      {variant("REQ-2026-0142", "REQ-2026-0199\\n"),
       ": invalid request, 1 problem:\n  FILE:2:3: id: must not contain control or format "
       "characters (it holds U+000A (a control character))"},
      {variant("bappeda-web01", "bappeda web01"),
       ": invalid request, 1 problem:\n  FILE:7:6: servers[0].hostname: 'bappeda web01' may only "
       "hold letters, digits, '.', '_' and '-' (1 to 63)"},
      {variant("\"colo-private-v4\"", "\"colo-privat-v4\""),
       ": invalid request, 1 problem:\n  FILE:10:26: servers[0].nics[1].pools[0]: pool "
       "'colo-privat-v4' does not exist (did you mean 'colo-private-v4'?)"},
      {variant("\"units\": 2", "\"units\": 48"),
       ": invalid request, 1 problem:\n  FILE:7:35: servers[0].units: server bappeda-web01 needs "
       "48 "
       "units; the tallest rack has 42"},
  };
  for (const auto& c : cases) {
    for (const char* cmd : {"plan", "reserve"}) {
      auto r = colo({cmd, c.file});
      INFO(cmd << " " << c.message);
      CHECK(r.exit_code == 2);
      std::string expected = c.message;
      for (auto at = expected.find("FILE"); at != std::string::npos; at = expected.find("FILE"))
        expected.replace(at, 4, c.file);
      CHECK(r.err == "colo: " + c.file + expected + "\n");
      CHECK(colo.dump() == before);
    }
  }
  // Every problem of a file at once, JSON and YAML alike, in the order they
  // stand in the file, each at its line and column; and the inventory's too.
  std::string jsonFile = colo.dir.write(
      "many.json",
      "{\n  \"id\": \"REQ-MANY\",\n  \"letter_numbr\": \"1/X\",\n  \"tenant\": {\"code\": \"B\"},\n"
      "  \"servers\": [{\"hostname\": \"h\", \"units\": 0, \"power_watts\": 1,\n"
      "                \"nics\": [{\"pools\": [\"colo-publik-v4\"]}]}]\n}\n");
  std::string yamlFile =
      colo.dir.write("many.yaml",
                     "id: REQ-MANY\nletter_numbr: 1/X\ntenant: {code: B}\nservers:\n"
                     "  - {hostname: h, units: 0, power_watts: 1,\n"
                     "     nics: [{pools: [colo-publik-v4]}]}\n");
  // The same problems, each where it stands in its file.
  struct Where {
    std::string file, missing, typo, name, units, pool;
  };
  for (const auto& w : {Where{jsonFile, "1:1", "3:3", "4:3", "5:33", "6:37"},
                        Where{yamlFile, "1:1", "2:1", "3:1", "5:19", "6:22"}}) {
    auto many = colo({"plan", w.file});
    CHECK(many.exit_code == 2);
    auto at = [&](const std::string& pos) { return "  " + w.file + ":" + pos + ": "; };
    CHECK(many.err == "colo: " + w.file + ": invalid request, 6 problems:\n" + at(w.missing) +
                          "letter_number: missing\n" + at(w.missing) + "received_at: missing\n" +
                          at(w.typo) +
                          "letter_numbr: unknown field (did you mean 'letter_number'?)\n" +
                          at(w.name) + "tenant.name: missing\n" + at(w.units) +
                          "servers[0].units: is 0, must be between 1 and 60\n" + at(w.pool) +
                          "servers[0].nics[0].pools[0]: pool 'colo-publik-v4' does not exist (did "
                          "you mean 'colo-public-v4'?)\n");
  }
  // A file that cannot be read says why.
  auto missing = colo({"plan", colo.dir.file("nope.json")});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err == "colo: " + colo.dir.file("nope.json") + ": no such request file\n");
  std::filesystem::create_directory(colo.dir.file("folder.json"));
  auto folder = colo({"plan", colo.dir.file("folder.json")});
  CHECK(folder.err ==
        "colo: " + colo.dir.file("folder.json") + ": is a directory, not a request file\n");
  // Same id, other body: a conflict, not a second reservation.
  auto r = colo({"reserve", variant("\"power_watts\": 450", "\"power_watts\": 500")});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "colo: request REQ-2026-0142 was already received with a different body; a "
        "changed request needs a new id\n");
  CHECK(colo.dump() == before);
}

TEST_CASE("a ledger on a full disk says the disk is full", "[sqlite]") {
  // A 512 KiB file system of its own (a mount namespace: nothing outside
  // sees it), filled after `colo init`. Before, colo said "disk I/O error
  // (an I/O or permission error ...)".
  TempDir dir;
  auto mnt = dir.file("small");
  std::filesystem::create_directory(mnt);
  auto script = dir.write(
      "full.sh", "set -e\nmount -t tmpfs -o size=512k tmpfs " + mnt + "\n" + kColo + " --state " +
                     mnt + "/colo.db init > /dev/null\n" + "dd if=/dev/zero of=" + mnt +
                     "/fill bs=1k count=4096 2> /dev/null || true\n" + kColo + " --inventory " +
                     kInventory + " --state " + mnt + "/colo.db requests\n");
  auto r = colo::test::run({"/usr/bin/unshare", "-m", "/bin/sh", script}, dir);
  INFO(r.err);
  CHECK(r.exit_code == 1);  // the ledger's trouble, not the input's
  CHECK(r.err.find("the file system holding " + mnt +
                   " is full (0 bytes free to colo); make "
                   "room there and run it again") != std::string::npos);
  CHECK(r.err.find("permission") == std::string::npos);
}

TEST_CASE("a ledger that is not colo's, or is newer, is refused and left untouched", "[sqlite]") {
  Cli colo;
  colo.dir.write("colo.db", "accounting spreadsheet\n");
  auto r = colo({"reserve", request("bappeda-web.json")});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "colo: " + colo.state + " is not a colo ledger (SQLite: file is not a database)\n");
  CHECK(Child::slurp(colo.state) == "accounting spreadsheet\n");

  // An empty file (truncated, or touched by mistake) is not a new ledger,
  // even to a command that only reads.
  colo.dir.write("colo.db", "");
  r = colo({"requests"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "colo: ledger " + colo.state +
                     " is an empty file, not a colo ledger (restore it from a backup, or create "
                     "a new ledger with `colo init`)\n");
  CHECK(std::filesystem::file_size(colo.state) == 0);

  std::filesystem::remove(colo.state);
  REQUIRE(colo({"init"}).exit_code == 0);
  REQUIRE(colo({"reserve", request("bappeda-web.json")}).exit_code == 0);
  const auto current = colo::inventory::Ledger::kSchemaVersion;
  const auto newer = std::to_string(current + 1);
  REQUIRE(
      colo::test::run({"/usr/bin/sqlite3", colo.state, "PRAGMA user_version = " + newer}, colo.dir)
          .exit_code == 0);
  auto before = colo.dump();
  r = colo({"release", "REQ-2026-0142"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == "colo: ledger " + colo.state + " has schema version " + newer +
                     ", newer than this colo understands (" + std::to_string(current) +
                     "); upgrade colo, do not downgrade the ledger\n");
  CHECK(colo.dump() == before);
}

TEST_CASE("validate finds a device put where colo reserved") {
  Cli colo;
  REQUIRE(colo({"reserve", request("bappeda-web.json")}).exit_code == 0);
  std::string inv = Child::slurp(kInventory);
  std::string marker = "      - {name: tor-r08,";
  inv.replace(inv.find(marker), 0,
              "      - {name: new-fw01, position: 3, height: 1, power_watts: 50}\n");
  auto edited = colo.dir.write("inventory.yaml", inv);
  auto r = colo({"--inventory", edited, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(edited + ":") == 0);
  CHECK(r.err.find(": device 'new-fw01' occupies unit 3 of rack 'R08', which colo reserved for "
                   "request REQ-2026-0142 (bappeda-web01)\n") != std::string::npos);
  CHECK(r.err.find("1 error (1 with the ledger)") != std::string::npos);
}

TEST_CASE("the config file is honoured, flags override it, and a bad one is refused", "[sqlite]") {
  TempDir dir;
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), kColo);
    return colo::test::run(args, dir);
  };
  auto cfg =
      dir.write("colo.yaml", "inventory: " + kInventory + "\nstate: state/colo.db\n" +
                                 "credentials:\n  tor-default: {username: colo, password_env: P}\n"
                                 "  tor-juniper: {username: colo, password_env: P}\n"
                                 "callback: {allowed_urls: [\"http://127.0.0.1:9000/colo\"]}\n");
  REQUIRE(run({"--config", cfg, "init"}).exit_code == 0);
  auto r = run({"--config", cfg, "reserve", request("bappeda-web.json")});
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(std::filesystem::exists(dir.file("state/colo.db")));  // relative to the config
  auto other = dir.file("other.db");
  REQUIRE(run({"--config", cfg, "--state", other, "init"}).exit_code == 0);
  CHECK(
      run({"--config", cfg, "--state", other, "reserve", request("bappeda-web.json")}).exit_code ==
      0);
  CHECK(std::filesystem::exists(other));

  auto bad = dir.write("bad.yaml",
                       "inventory: x.yaml\nworkers: many\ncallback: {max_atempts: 3}\n"
                       "placement: {policy: spread}\n");
  r = run({"--config", bad, "racks"});
  CHECK(r.exit_code == 2);
  CHECK(r.err == bad + ":2:10: the config: field 'workers' must be a whole number, not 'many'\n" +
                     bad +
                     ":3:12: unknown field 'max_atempts' in callback (did you mean "
                     "'max_attempts'?)\n" +
                     bad + ":4:21: placement: 'policy' is balance or pack\n" + "colo: config " +
                     bad + " is invalid (3 errors)\n");

  // A switch naming credentials the config lacks is an inventory error.
  auto partial = dir.write("partial.yaml", "inventory: " + kInventory +
                                               "\ncredentials:\n  tor-default: {username: colo, "
                                               "password_env: P}\n");
  r = run({"--config", partial, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("switch 'tor-r08' uses credentials 'tor-juniper', which the config does not "
                   "define") != std::string::npos);
}

TEST_CASE("usage errors exit 2 and unknown things exit 1") {
  Cli colo;
  CHECK(colo({"frobnicate"}).exit_code == 2);
  CHECK(colo({"rack"}).exit_code == 2);
  auto r = colo({"rack", "R99"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "colo: no rack named 'R99' in the inventory (did you mean 'R09'?)\n");
  r = colo({"release", "REQ-404"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "colo: request REQ-404 is not in the ledger\n");
}

TEST_CASE("global options after the subcommand, --version, and what was meant") {
  Cli colo;
  // --state and --inventory after the subcommand, as kubectl takes them.
  auto r = colo::test::run(
      {kColo, "racks", "--inventory", kInventory, "--state", colo.state, "--json"}, colo.dir);
  INFO(r.err);
  CHECK(r.exit_code == 0);
  CHECK(json::parse(r.out).size() == 10);
  r = colo::test::run({kColo, "--version"}, colo.dir);
  CHECK(r.exit_code == 0);
  CHECK(std::regex_match(r.out, std::regex("colo \\d+\\.\\d+\\.\\d+\n")));
  r = colo({"rakcs"});
  CHECK(r.exit_code == 2);
  CHECK(
      r.err ==
      "colo: unknown command 'rakcs'; did you mean 'racks'?\nRun colo --help for the commands.\n");
  r = colo({"requests", "--status", "complted"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("(did you mean 'completed'?)") != std::string::npos);
  // A mistyped option, global or a command's, gets the same, and its value
  // is never taken for a command; the command's own options come first.
  r = colo::test::run({kColo, "--confg", "x.yaml", "racks"}, colo.dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "colo: unknown option '--confg'; did you mean '--config'?\nRun colo --help for the "
        "options.\n");
  r = colo({"requests", "--stauts", "completed"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "colo: unknown option '--stauts'; did you mean '--status'?\nRun colo requests --help for "
        "the options.\n");
  // A value that looks like an option is a value.
  r = colo({"release", "--forget-switches", "--reason", "--switch burned", "REQ-404"});
  CHECK(r.exit_code == 1);
  CHECK(r.err == "colo: request REQ-404 does not exist\n");
  // CLI11's own messages come the way colo says its own.
  r = colo::test::run({kColo, "release"}, colo.dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "colo: release: REQUEST_ID is required\nRun colo release --help for its usage.\n");
  // Every subcommand's help names the global options and the exit codes.
  r = colo::test::run({kColo, "release", "--help"}, colo.dir);
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("Global options (before or after the subcommand): --config FILE") !=
        std::string::npos);
  CHECK(r.out.find("Exit codes: 0 done; 1 the operation failed") != std::string::npos);
}

TEST_CASE("without a config, the missing inventory is named first and no stray ledger is made") {
  TempDir dir;
  auto r = colo::test::run({kColo, "racks"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err == "colo: no inventory: give --inventory PATH or a --config file that names one\n");
  r = colo::test::run({kColo, "init"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("colo: colo init: no --config or --state was given; give --config FILE") == 0);
  CHECK_FALSE(std::filesystem::exists(dir.file("var")));
  // An inventory but no ledger anywhere: the default path is named, not offered to init.
  r = colo::test::run({kColo, "--inventory", kInventory, "requests"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "colo: no ledger: no --config or --state was given, and there is none at the default "
        "var/colo.db; give --config FILE (it names state:), or --state PATH\n");
  CHECK_FALSE(std::filesystem::exists(dir.file("var")));
}

TEST_CASE("token prints a token once and the hash that goes into the config") {
  Cli colo;
  auto j = colo.jsonOf({"token"});
  std::string token = j["token"];
  CHECK(token.rfind("colo_", 0) == 0);
  CHECK(token.size() == 5 + 64);
  CHECK(j["sha256"].get<std::string>().size() == 64);
  CHECK(colo.jsonOf({"token"})["token"] != token);
  // A line ready for the config.
  auto named = colo({"token", "--name", "ops-alice", "--role", "admin"});
  CHECK(named.exit_code == 0);
  CHECK(std::regex_search(
      named.out,
      std::regex("\n  - \\{name: ops-alice, role: admin, sha256: \"[0-9a-f]{64}\"\\}\n$")));
  auto bad = colo({"token", "--role", "admn"});
  CHECK(bad.exit_code == 2);
  CHECK(bad.err ==
        "colo: --role 'admn' is not one of requester, technician, admin (did you mean 'admin'?)\n");
  CHECK(colo({"token", "--name", "a b"}).exit_code == 2);
}

TEST_CASE("tokens are one name and one hash each") {
  TempDir dir;
  std::string h1(64, 'a'), h2(64, 'b');
  auto cfg = dir.write("colo.yaml",
                       "tokens:\n"
                       "  - {name: request-system, role: requester, sha256: \"" +
                           h1 +
                           "\"}\n"
                           "  - {name: request-system, role: admin, sha256: \"" +
                           h2 +
                           "\"}\n"
                           "  - {name: noc, role: admin, sha256: \"" +
                           h1 + "\"}\n");
  auto r = colo::test::run({kColo, "--config", cfg, "token"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(cfg + ":3:12: token name 'request-system' is used twice") != std::string::npos);
  CHECK(r.err.find(cfg + ":4:38: token 'noc': this sha256 is listed twice") != std::string::npos);
}

TEST_CASE("what colo creates is its owner's only, and a disk problem is not called a foreign file",
          "[sqlite]") {
  Cli colo;  // made the ledger
  REQUIRE(colo({"reserve", request("bappeda-web.json")}).exit_code == 0);
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(colo.dir.path())) {
    auto name = e.path().filename().string();
    if (name.rfind("colo.db", 0) != 0) continue;
    INFO(name);
    CHECK((fs::status(e.path()).permissions() & (fs::perms::group_all | fs::perms::others_all)) ==
          fs::perms::none);
  }
  // A ledger that cannot be read for a reason of the disk or permissions.
  auto locked = colo.dir.file("unreadable.db");
  REQUIRE(colo({"--state", locked, "init"}).exit_code == 0);
  fs::permissions(locked, fs::perms::none);
  Result r;
  if (geteuid() != 0) {
    r = colo({"--state", locked, "racks"});
  } else {
    // Root reads anything: the same command as an ordinary user (nobody),
    // who may enter the folder but not read the ledger.
    fs::permissions(colo.dir.path(), fs::perms::owner_all | fs::perms::others_exec);
    r = colo::test::run({"/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                         kColo, "--inventory", kInventory, "--state", locked, "racks"},
                        colo.dir);
  }
  INFO(r.err);
  CHECK(r.exit_code != 0);
  CHECK(r.err.find("not a colo ledger") == std::string::npos);
}

TEST_CASE("a YAML alias bomb is refused, in a request, an inventory or a config, in bounded time") {
  Cli colo;
  // Nine levels of ten aliases each: a billion nodes from under 1.5 KB.
  std::string bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n";
  char prev = 'a';
  for (char c = 'b'; c <= 'i'; ++c, ++prev) {
    bomb += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 10; ++i) bomb += std::string(i ? ", " : "") + "*" + prev;
    bomb += "]\n";
  }
  auto req = colo.dir.write("bomb.yaml", bomb);
  auto r = colo({"plan", req});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("the YAML expands to more than 10000 nodes") != std::string::npos);
  auto inv = colo.dir.write("inv.yaml", bomb);
  r = colo({"--inventory", inv, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(inv + ": the YAML expands to more than 10000 nodes") != std::string::npos);
  auto cfg = colo.dir.write("cfg.yaml", bomb);
  r = colo({"--config", cfg, "racks"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("the YAML expands") != std::string::npos);
  CHECK(r.max_rss_kb < 200 * 1024);  // refused by its node count, never expanded
}

TEST_CASE("an inventory larger than limits.inventory_bytes is refused at once, in little memory") {
  // Issue 8: a 50 MB inventory took 16.8 s and 3.1 GB. yaml-cpp needs about
  // 65 bytes of memory per byte, so the size is checked before reading.
  Cli colo;
  std::string big = Child::slurp(kInventory);
  big.reserve(9u << 20);
  while (big.size() < (9u << 20)) big += "# filler to make the file large\n";
  auto inv = colo.dir.write("big.yaml", big);
  auto r = colo({"--inventory", inv, "validate"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(inv + ": the inventory holds " + std::to_string(big.size()) +
                   " bytes of YAML, more than limits.inventory_bytes (8388608)") == 0);
  CHECK(r.max_rss_kb < 100 * 1024);  // refused before yaml-cpp read it
  // An administrator who means it raises the limit.
  auto cfg = colo.dir.write("colo.yaml",
                            "inventory: big.yaml\nlimits: {inventory_bytes: 16777216}\n"
                            "credentials:\n  tor-default: {username: colo, password_env: P}\n"
                            "  tor-juniper: {username: colo, password_env: P}\n");
  r = colo({"--config", cfg, "validate"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("validate renders every template and refuses commands that are not port commands") {
  Cli colo;
  TempDir pb;
  std::filesystem::copy(COLO_SOURCE_DIR "/playbooks", pb.path(),
                        std::filesystem::copy_options::recursive);
  auto edit = [&](const std::string& file, const std::string& from, const std::string& to) {
    std::string text = Child::slurp(pb.file(file));
    REQUIRE(text.find(from) != std::string::npos);
    text.replace(text.find(from), from.size(), to);
    pb.write(file, text);
  };
  edit("templates/cisco_ios.yaml", "    - no shutdown\n",
       "    - no shutdown\n    - reload\n    - write erase\n");
  edit("templates/arista_eos.yaml", "    - no shutdown\n", "    - no shutdown\n    - end\n");
  // A block scalar smuggles a second command onto the same line.
  edit("templates/juniper_junos.yaml", "    - set interfaces {port} disable\n",
       "    - |\n      set interfaces {port} disable\n      request system reboot\n");
  auto r = colo({"--playbooks", pb.path().string(), "validate"});
  CHECK(r.exit_code == 2);
  auto ios = pb.file("templates/cisco_ios.yaml");
  CHECK(r.err.find(ios + ":15:7: template 'configure_port': 'reload' is not a port command colo "
                         "sends on its own for "
                         "cisco_ios") != std::string::npos);
  CHECK(r.err.find("'write erase' is not a port command") != std::string::npos);
  CHECK(r.err.find("'end' is not a port command colo sends on its own for arista_eos") !=
        std::string::npos);
  CHECK(r.err.find("a command holds a newline or control character") != std::string::npos);
  CHECK(r.err.find("4 errors") != std::string::npos);
  // What the administrator names explicitly is allowed.
  edit("templates/cisco_ios.yaml",
       "configure_port:", "allow_commands: [reload, write erase]\nconfigure_port:");
  r = colo({"--playbooks", pb.path().string(), "validate"});
  CHECK(r.err.find("cisco_ios") == std::string::npos);
  // The shipped templates pass.
  CHECK(colo({"validate"}).exit_code == 0);
}

TEST_CASE("racks ranks full feeds first, says what still fits, and notes single-fed equipment") {
  TempDir dir;
  auto inv = dir.write("inv.yaml", R"(site: {name: dc, timezone: Asia/Pontianak}
racks:
  - name: R1
    height: 10
    power:
      derate: 1.0
      feeds:
        - {name: R1-A, capacity_watts: 1000}
        - {name: R1-B, capacity_watts: 1000}
    devices:
      - {name: big, position: 1, height: 2, power_watts: 850}
      - {name: lamp, position: 4, height: 1, power_watts: 110, feeds: [R1-A]}
  - name: R2
    height: 4
    power:
      feeds:
        - {name: R2-A, capacity_watts: 1000}
    devices:
      - {name: heater, position: 1, height: 1, power_watts: 800}
)");
  auto state = colo::test::ledgerState(dir);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kColo, "--inventory", inv, "--state", state});
    return colo::test::run(args, dir);
  };
  REQUIRE(run({"init"}).exit_code == 0);
  auto r = run({"racks"});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  // A at 96% (critical), B at 85% (high); headroom 40 W and 150 W.
  CHECK(r.out.find("R1-A 960/1000 W (96%!!), R1-B 850/1000 W (85%!)") != std::string::npos);
  CHECK(r.out.find("6U, 150 W (40 W redundant)") != std::string::npos);  // U5-10
  CHECK(r.out.find("R1: feed R1-A at 96% of usable (960/1000 W)\n") != std::string::npos);
  // Equipment on one feed asked for it: a note in the rack's own view, not a warning.
  CHECK(r.out.find("lamp draws") == std::string::npos);
  // Worst first across racks: R1-A's 96%, then R2's unusable units, then R1-B's 85%.
  auto at = [&](const std::string& text) { return r.out.find(text); };
  CHECK(at("R1: feed R1-A at 96%") < at("R2: 3 free units"));
  CHECK(at("R2: 3 free units") < at("R1: feed R1-B at 85%"));
  // R2's one feed is full: 3 free units that nothing can use. One feed is
  // not "single-fed" equipment.
  CHECK(r.out.find("R2: 3 free units, but no feed has power left for them\n") != std::string::npos);
  CHECK(r.out.find("heater draws") == std::string::npos);
  CHECK(r.out.find('\x1b') == std::string::npos);  // a pipe gets no colour

  auto j = json::parse(run({"--json", "racks"}).out);
  CHECK(j[0]["fits"] == json{{"units", 6}, {"watts_single_feed", 150}, {"watts_redundant", 40}});
  CHECK(j[0]["single_fed"] == json{"lamp"});
  CHECK(j[0]["feeds"][0]["level"] == "critical");
  CHECK(j[0]["feeds"][1]["level"] == "high");
  CHECK(j[1]["fits"]["units"] == 0);

  r = run({"rack", "R1"});
  INFO(r.out);
  CHECK(r.out.find("fits 6U, 150 W (40 W redundant)\n") != std::string::npos);
  CHECK(r.out.find("U5-10  free    6U free   -       -        -      -\n") != std::string::npos);
  CHECK(r.out.find("U4     device  lamp      -       -        110 W  R1-A\n") != std::string::npos);
  CHECK(r.out.find("U3     free    1U free") != std::string::npos);
  CHECK(r.out.find("U1-2   device  big       -       -        850 W  R1-A+R1-B\n") !=
        std::string::npos);
  CHECK(r.out.find("note: lamp draws from one feed, as it asked\n") != std::string::npos);
}

TEST_CASE(
    "requests shows each one's due date and SLA, --late lists the open overdue ones, --missed the "
    "ended late ones",
    "[dates]") {
  Cli colo;
  // One received two weeks before the test's now: late whatever day it runs.
  const std::string received = colo::test::receivedDaysAgo(14);
  std::string past = Child::slurp(request("bappeda-web.json"));
  past.replace(past.find("2026-11-23T08:30:00+07:00"), 25, received);
  REQUIRE(colo({"reserve", colo.dir.write("past.json", past)}).exit_code == 0);
  // One received far ahead is not late whatever day the test runs.
  std::string future = Child::slurp(request("dispendik-lms.json"));
  auto at = future.find("2026-11-26");
  REQUIRE(at != std::string::npos);
  future.replace(at, 10, "2099-06-01");
  REQUIRE(colo({"reserve", colo.dir.write("future.json", future)}).exit_code == 0);

  auto r = colo({"requests"});
  INFO(r.out);
  CHECK(r.out.find("DUE") != std::string::npos);
  // 3 working days after the day it was received.
  const std::string due = colo::test::dueDate(received);
  auto line = r.out.substr(r.out.find("REQ-2026-0142"));
  line = line.substr(0, line.find('\n'));
  CHECK(line.find(due) != std::string::npos);
  CHECK(std::regex_search(line, std::regex(due + R"( +late \d+d \d+h )")));  // late by days
  // Times as the site reads them (Asia/Pontianak), not as stored.
  const std::string local = received.substr(0, 10) + " 08:30 WIB";
  CHECK(line.find(local) != std::string::npos);
  auto steps = colo({"request", "REQ-2026-0142"}).out;
  CHECK(steps.find("received " + local) != std::string::npos);
  // Its due date and how it stands, as `requests` shows them.
  CHECK(std::regex_search(steps,
                          std::regex("\ndue " + due + R"( \(3 working days\): late \d+d \d+h\n)")));
  CHECK(std::regex_search(steps, std::regex(R"(\n1 +\d{4}-\d\d-\d\d \d\d:\d\d:\d\d WIB +cli:)")));
  // 2099-06-01 is a Monday: due Thursday 2099-06-04, not late.
  CHECK(std::regex_search(r.out, std::regex(R"(REQ-2026-0153 .* 2099-06-04 +- )")));

  // An ended request is judged by when it ended, never "overdue".
  REQUIRE(colo({"release", "REQ-2026-0153"}).exit_code == 0);
  auto ended = colo.jsonOf({"requests", "--status", "released"});
  REQUIRE(ended.size() == 1);
  CHECK(ended[0]["sla"]["overdue"] == false);
  CHECK(ended[0]["sla"]["met"] == true);

  auto late = colo({"requests", "--late"});
  CHECK(late.out.find("REQ-2026-0142") != std::string::npos);
  CHECK(late.out.find("REQ-2026-0153") == std::string::npos);
  auto j = colo.jsonOf({"requests", "--late"});
  REQUIRE(j.size() == 1);
  CHECK(j[0]["sla"]["overdue"] == true);
  CHECK(j[0]["sla"]["late_seconds"].get<long long>() > 2 * 86400);
  CHECK(colo.jsonOf({"requests", "--missed"}).empty());

  // Released, it has ended: no longer late, it missed its date.
  REQUIRE(colo({"release", "REQ-2026-0142"}).exit_code == 0);
  CHECK(colo.jsonOf({"requests", "--late"}).empty());
  auto missed = colo({"requests", "--missed"});
  CHECK(std::regex_search(missed.out, std::regex(R"(REQ-2026-0142 .* missed by \d+d \d+h )")));
  CHECK(missed.out.find("REQ-2026-0153") == std::string::npos);
  CHECK(std::regex_search(colo({"requests"}).out, std::regex(R"(REQ-2026-0153 .* met )")));
}

TEST_CASE(
    "pools NAME lists free ranges and who holds each address, and IPv6 sizes read as powers of "
    "two") {
  Cli colo;
  REQUIRE(colo({"reserve", request("bappeda-web.json")}).exit_code == 0);
  auto all = colo({"pools"});
  INFO(all.out);
  CHECK(all.out.find("18446744073709551615") == std::string::npos);
  CHECK(std::regex_search(all.out,
                          std::regex(R"(colo-public-v6 +2001:db8:20::/64 +120 +2\^64 - 1 )")));

  auto r = colo({"pools", "colo-public-v4"});
  INFO(r.out);
  CHECK(r.exit_code == 0);
  // .1 is the gateway, .2-.9 reserved, .10 held by REQ-2026-0142.
  CHECK(r.out.find("203.0.113.10  REQ-2026-0142  bappeda-web01") != std::string::npos);
  CHECK(std::regex_search(r.out, std::regex(R"(203\.0\.113\.11 +203\.0\.113\.254 +244\n)")));
  auto j = colo.jsonOf({"pools", "colo-public-v4"});
  CHECK(j["held_by"][0] == json{{"address", "203.0.113.10"},
                                {"request_id", "REQ-2026-0142"},
                                {"hostname", "bappeda-web01"}});
  CHECK(j["free_ranges"][0]["first"] == "203.0.113.11");
  CHECK(j["free_ranges"][0]["size"] == "244");
  CHECK(colo({"pools", "nope"}).exit_code == 1);
  // A near miss gets a suggestion, as a command does.
  auto typo = colo({"pools", "colo-public-v5"});
  CHECK(typo.exit_code == 1);
  CHECK(typo.err ==
        "colo: no pool named 'colo-public-v5' in the inventory (did you mean 'colo-public-v4'?)\n");
  CHECK(colo({"rack", "r01"}).err ==
        "colo: no rack named 'r01' in the inventory (did you mean 'R01'?)\n");
}

TEST_CASE("letter: only for a completed request, and the letter section of the config is checked",
          "[dates]") {
  Cli colo;
  REQUIRE(colo({"reserve", request("bappeda-web.json")}).exit_code == 0);
  auto r = colo({"letter", "REQ-2026-0142"});
  CHECK(r.exit_code == 1);
  CHECK(r.err ==
        "colo: request REQ-2026-0142 is reserved: a confirmation letter is written only "
        "for a completed request\n");
  CHECK(colo({"letter", "REQ-404"}).exit_code == 1);
  CHECK(colo.dump().find("INSERT INTO letters") == std::string::npos);

  auto cfg =
      colo.dir.write("bad.yaml", "letter:\n  number_pattern: COLO/2026\n  city: \"a\\nb\"\n");
  r = colo({"--config", cfg, "racks"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(":2:19: letter: 'number_pattern' must contain {seq}") != std::string::npos);
  CHECK(r.err.find(":3:9: letter: field 'city' holds U+000A (a control character); write it as "
                   "plain text") != std::string::npos);
  cfg = colo.dir.write("copies.yaml", "letter:\n  tembusan: [\"\"]\n");
  r = colo({"--config", cfg, "racks"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(":2:13: letter: 'tembusan' must be a list of at most 10 lines") !=
        std::string::npos);

  // A credential set named by a list: refused at its line (yaml-cpp's own
  // exception used to leave the loader).
  cfg = colo.dir.write("creds.yaml",
                       "credentials:\n  ? [a, b]\n  : {username: colo, password_env: P}\n"
                       "public_url: ftp://x\n");
  r = colo({"--config", cfg, "racks"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find(":2:5: credential set names must be plain names") != std::string::npos);
  CHECK(r.err.find(":4:13: 'public_url' must start with http:// or https://") != std::string::npos);
}

TEST_CASE("cmake --install puts the binary, its bash completion and its man page in place") {
  TempDir prefix;
  auto r = colo::test::run(
      {"/usr/bin/cmake", "--install", COLO_BUILD_DIR, "--prefix", prefix.path()}, prefix);
  REQUIRE(r.exit_code == 0);
  CHECK(std::filesystem::exists(prefix.file("bin/colo")));
  std::string man = Child::slurp(prefix.file("share/man/man1/colo.1"));
  CHECK(man.find(".TH COLO \"1\"") != std::string::npos);
  for (const char* section : {".SS reserve", ".SS requests", ".SS completion", "EXIT STATUS"})
    CHECK(man.find(section) != std::string::npos);
  // Completion as bash does it: the words so far, the cursor's word.
  auto complete = [&](const std::string& line) {
    auto c = colo::test::run(
        {"/bin/bash", "-c",
         "source " + prefix.file("share/bash-completion/completions/colo") +
             "; read -ra COMP_WORDS <<< \"$1\"; [[ $1 == *' ' ]] && COMP_WORDS+=(''); "
             "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _colo; echo \"${COMPREPLY[*]}\"",
         "_", line},
        prefix);
    REQUIRE(c.exit_code == 0);
    return c.out.substr(0, c.out.size() - 1);
  };
  CHECK(complete("colo res") == "reserve");
  CHECK(complete("colo --config x.yaml req") == "requests request");
  CHECK(complete("colo requests --status c") == "configuring completed");
  CHECK(complete("colo provision --d") == "--dry-run");
  CHECK(complete("colo token --role t") == "technician");
  CHECK(complete("colo requests --j") == "--json");
  // The script needs no config: a broken $COLO_CONFIG does not stop it.
  auto script = colo::test::run({"/usr/bin/env", "COLO_CONFIG=" + prefix.file("missing.yaml"),
                                 COLO_BINARY, "completion", "bash"},
                                prefix);
  CHECK(script.exit_code == 0);
  CHECK(script.out.find("complete -o filenames -F _colo colo") != std::string::npos);
}

TEST_CASE("a PostgreSQL state is checked before it is used, and no password shows") {
  TempDir dir;
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {kColo, "--inventory", kInventory});
    return colo::test::run(args, dir);
  };
  auto r = run({"--state", "postgresql://colo:s3cret@127.0.0.1:1/colo", "racks"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "colo: state: the PostgreSQL URI carries a password; remove it and give it in "
        "PGPASSWORD, ~/.pgpass or the config's password_env\n");
  // Nothing listens on port 1: the server is named, on one line.
  r = run({"--state", "postgresql://colo@127.0.0.1:1/colo", "racks"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::StartsWith("colo: cannot reach the PostgreSQL ledger "
                                      "postgresql://colo@127.0.0.1:1/colo: ") &&
                        Catch::Contains("Connection refused"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  // The map form names where the password comes from; both fields checked.
  auto cfg =
      dir.write("colo.yaml", "inventory: " + kInventory +
                                 "\nstate: {uri: var/colo.db, password_env: \"not a name\"}\n");
  r = colo::test::run({kColo, "--config", cfg, "racks"}, dir);
  CHECK(r.exit_code == 2);
  CHECK(r.err == cfg +
                     ":2:14: state: 'uri' must be a postgresql:// URI (a SQLite ledger is a "
                     "plain path)\n" +
                     cfg + ":2:41: state: 'password_env' must name an environment variable\n" +
                     "colo: config " + cfg + " is invalid (2 errors)\n");
  CHECK_FALSE(std::filesystem::exists(dir.file("var")));
}

TEST_CASE("release of a failed request that holds nothing keeps it failed, and says so") {
  Cli colo;
  // Too big for any rack: it fails while planning, holding nothing.
  auto r = colo({"provision", request("disdukcapil-storage.json")});
  REQUIRE(r.exit_code == 1);
  auto failed = colo.jsonOf({"request", "REQ-2026-0151"});
  REQUIRE(failed["status"] == "failed");
  CHECK(failed["reason"] == "no_fit");
  CHECK(failed.contains("ended_at"));
  CHECK_FALSE(failed.contains("completed_at"));
  // The servers it asked for, though it holds none.
  CHECK(std::regex_search(colo({"requests"}).out,
                          std::regex(R"(REQ-2026-0151 +DISDUKCAPIL +\S+ +failed +1 )")));
  auto shown = colo({"request", "REQ-2026-0151"}).out;
  CHECK(shown.find("\nreason: no_fit\n") != std::string::npos);
  auto before = colo.dump();
  r = colo({"release", "REQ-2026-0151"});
  CHECK(r.exit_code == 0);
  CHECK(r.out ==
        "request REQ-2026-0151 failed and holds nothing: there is nothing to release, so it stays "
        "failed (`colo retry REQ-2026-0151` tries it again)\n");
  CHECK(colo.dump() == before);
  CHECK(colo.jsonOf({"request", "REQ-2026-0151"})["status"] == "failed");
}

TEST_CASE("with --json, errors are a list of {file, line, column, message} and a kind") {
  Cli colo;
  auto file = colo.dir.write(
      "two.json",
      "{\"id\": \"REQ-1\", \"letter_number\": \"1/A\",\n \"tenant\": {\"code\": \"X\", \"name\": "
      "\"X\"}, \"received_at\": \"2026-11-23T08:30:00+07:00\",\n \"servers\": [{\"hostname\": "
      "\"a b\", \"units\": 1, \"power_watts\": 100, \"nics\": [{\"pools\": [\"nope\"]}]}]}\n");
  auto r = colo({"--json", "plan", file});
  CHECK(r.exit_code == 2);
  auto j = json::parse(r.err);
  CHECK(j["kind"] == "invalid_input");
  REQUIRE(j["errors"].size() == 2);
  CHECK(j["errors"][0] == json{{"file", file},
                               {"line", 3},
                               {"column", 15},
                               {"message",
                                "servers[0].hostname: 'a b' may only hold letters, "
                                "digits, '.', '_' and '-' (1 to 63)"}});
  CHECK(j["errors"][1]["message"] == "servers[0].nics[0].pools[0]: pool 'nope' does not exist");
  // Without a position: the message alone.
  auto missing = json::parse(colo({"--json", "request", "REQ-404"}).err);
  CHECK(missing["kind"] == "not_found");
  CHECK(missing["errors"] == json::array({{{"file", nullptr},
                                           {"line", nullptr},
                                           {"column", nullptr},
                                           {"message", "request REQ-404 is not in the ledger"}}}));
}

TEST_CASE("a department letter cited by another request is a warning naming it") {
  Cli colo;
  REQUIRE(colo({"reserve", request("bappeda-web.json")}).exit_code == 0);
  std::string again = Child::slurp(request("bappeda-web.json"));
  again.replace(again.find("REQ-2026-0142"), 13, "REQ-2026-0199");
  auto r = colo({"reserve", colo.dir.write("again.json", again)});
  CHECK(r.exit_code == 0);  // allowed: a resubmission under a new id is
  CHECK(r.err.find("colo: warning: letter ") == 0);
  CHECK(r.err.find(" of BAPPEDA is cited by REQ-2026-0142 too; check this is not the same "
                   "request again under a new id\n") != std::string::npos);
  // A letter nobody else cites: no warning.
  CHECK(colo({"plan", request("dispendik-lms.json")}).err.find("warning") == std::string::npos);
}

TEST_CASE("colo forecast: a reservation counts in the window's rate, and a bad window is refused") {
  Cli colo;
  auto before = colo.jsonOf({"forecast"});
  CHECK(before["window_days"] == 90);
  auto rackOf = [](const json& f, const std::string& name) {
    for (const auto& r : f["racks"])
      if (r["name"] == name) return r;
    return json();
  };
  CHECK(rackOf(before, "R08")["full_on"].is_null());  // nothing taken: not at this rate
  REQUIRE(colo({"reserve", request("bappeda-web.json")}).exit_code == 0);  // 2U in R08
  auto after = colo.jsonOf({"forecast", "--window", "30d"});
  auto r08 = rackOf(after, "R08");
  CHECK(after["window_days"] == 30);
  CHECK(r08["net_units"]["30d"] == 2);
  CHECK(r08["units_per_30d"] == 2.0);
  CHECK(r08["free_units"] == rackOf(before, "R08")["free_units"].get<int>() - 2);
  REQUIRE(r08["full_on"].is_string());
  CHECK(r08["full_on"] >= after["as_of"]);
  CHECK(r08["warn_on"] <= r08["full_on"]);
  bool bappeda = false;
  for (const auto& t : after["tenants"])
    if (t["tenant"] == "BAPPEDA") bappeda = t["units"]["365d"] == 2;
  CHECK(bappeda);
  auto table = colo({"forecast"});
  CHECK(table.exit_code == 0);
  CHECK(table.out.find("at the rate of the last 90 days") != std::string::npos);
  for (const char* bad : {"0", "3651d", "ninety", "-5d"}) {
    auto r = colo({"forecast", "--window", bad});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("give days from 1 to 3650") != std::string::npos);
  }
}
