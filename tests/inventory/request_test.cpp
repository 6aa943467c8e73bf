#include <catch2/catch.hpp>

#include "../support/temp_dir.h"
#include "colo/inventory/error.h"
#include "colo/inventory/request.h"
#include "colo/inventory/time.h"

using namespace colo::inventory;

namespace {
const std::string kRequest = R"({
  "id": "REQ-2026-0142",
  "letter_number": "027/142/APTIKA/2026",
  "tenant": {"code": "BAPPEDA", "name": "Badan Perencanaan Pembangunan Daerah"},
  "received_at": "2026-11-23T08:30:00+07:00",
  "servers": [
    {"hostname": "bappeda-web01", "units": 2, "power_watts": 450, "redundant_power": true,
     "nics": [{"pools": ["colo-public-v4", "colo-public-v6"]}, {"pools": ["colo-private-v4"]}]}
  ],
  "callback_url": "http://127.0.0.1:9000/colo/callback"
})";

std::string with(std::string from, std::string to) {
  std::string s = kRequest;
  auto at = s.find(from);
  REQUIRE(at != std::string::npos);
  return s.replace(at, from.size(), to);
}

std::string errorOf(const std::string& text) {
  try {
    parseRequestJson(text);
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::invalid_input);
    return e.what();
  }
  FAIL("request was accepted: " << text);
  return {};
}
}  // namespace

TEST_CASE("the spec's sample request parses") {
  auto r = parseRequestJson(kRequest);
  CHECK(r.id == "REQ-2026-0142");
  CHECK(r.tenant.code == "BAPPEDA");
  REQUIRE(r.servers.size() == 1);
  CHECK(r.servers[0].redundant_power);
  CHECK(r.servers[0].nics[1].pools == std::vector<std::string>{"colo-private-v4"});
  CHECK(r.fingerprint.size() == 64);
  // Whitespace and key order do not change the fingerprint.
  auto again = parseRequestJson(with("\"id\": \"REQ-2026-0142\",", "\"id\":\"REQ-2026-0142\",  "));
  CHECK(again.fingerprint == r.fingerprint);
  CHECK(parseRequestJson(with("450", "451")).fingerprint != r.fingerprint);
}

TEST_CASE("a YAML request means the same as its JSON") {
  auto y = parseRequestYaml(R"(id: REQ-2026-0142
letter_number: 027/142/APTIKA/2026
tenant: {code: BAPPEDA, name: Badan Perencanaan Pembangunan Daerah}
received_at: "2026-11-23T08:30:00+07:00"
servers:
  - hostname: bappeda-web01
    units: 2
    power_watts: 450
    redundant_power: true
    nics:
      - pools: [colo-public-v4, colo-public-v6]
      - pools: [colo-private-v4]
callback_url: http://127.0.0.1:9000/colo/callback
)");
  CHECK(y.fingerprint == parseRequestJson(kRequest).fingerprint);
}

TEST_CASE("bad requests are refused naming the field") {
  CHECK(errorOf("{\"id\": ") ==
        "invalid request: bad JSON at line 1, column 8: syntax error while parsing value - "
        "unexpected "
        "end of input; expected '[', '{', or a literal");
  CHECK(errorOf(with("\"units\": 2", "\"units\": 2, \"colour\": \"red\"")) ==
        "invalid request: servers[0].colour: unknown field");
  CHECK(errorOf(with("\"id\": \"REQ-2026-0142\"", "\"id\": \"REQ 2026/0142\"")) ==
        "invalid request: id: 'REQ 2026/0142' may only hold letters, digits, '.', '_' and '-' "
        "(1 to 63)");
  CHECK(errorOf(with("bappeda-web01", "web01;reload")) ==
        "invalid request: servers[0].hostname: 'web01;reload' may only hold letters, digits, "
        "'.', '_' and '-' (1 to 63)");
  CHECK(errorOf(with("\"units\": 2", "\"units\": \"2\"")) ==
        "invalid request: servers[0].units: must be a whole number, not a string");
  CHECK(errorOf(with("\"units\": 2", "\"units\": 1e400")) ==
        "invalid request: bad JSON: number overflow parsing '1e400'");
  CHECK(errorOf(with("\"power_watts\": 450", "\"power_watts\": 99999999999999999999")) ==
        "invalid request: servers[0].power_watts: must be a whole number, not a number with a "
        "fraction");
  CHECK(errorOf(with("\"power_watts\": 450", "\"power_watts\": -5")) ==
        "invalid request: servers[0].power_watts: is -5, must be between 1 and 100000");
  CHECK(errorOf(with("\"letter_number\": \"027/142/APTIKA/2026\",", "")) ==
        "invalid request: letter_number: missing");
  CHECK(errorOf(with("+07:00", "")) ==
        "invalid request: received_at: must be an RFC 3339 time with offset, such as "
        "2026-11-23T08:30:00+07:00");
  CHECK(errorOf(with("Badan Perencanaan", "Badan\\nPerencanaan")) ==
        "invalid request: tenant.name: must not contain control or format characters (it holds "
        "U+000A (a control character))");
  // A bidi override would make a letter read "Dinas Informatika Kominfo".
  CHECK(errorOf(with("Badan Perencanaan", "Dinas \\u202eakitamrofnI\\u202c Kominfo")) ==
        "invalid request: tenant.name: must not contain control or format characters (it holds "
        "U+202E (a bidi control, which reorders the text around it))");
  CHECK(errorOf(with("Badan Perencanaan", "Badan\\u200bPerencanaan")) ==
        "invalid request: tenant.name: must not contain control or format characters (it holds "
        "U+200B (an invisible format character))");
  CHECK(errorOf(with("Badan Perencanaan", "Badan\\u0085Perencanaan")).find("U+0085") !=
        std::string::npos);
  // Letters of any script are text, not format.
  CHECK_NOTHROW(parseRequestJson(with("Badan Perencanaan", "Badan Perencanaan \\u00e9\\u4e2d")));
  CHECK(errorOf(with("http://127.0.0.1:9000/colo/callback", "file:///etc/passwd")) ==
        "invalid request: callback_url: must be an http:// or https:// URL without spaces");
  CHECK(errorOf("[1,2]") == "invalid request: must be an object, not a array");
  CHECK(errorOf(std::string(100, '[') + std::string(100, ']')) ==
        "invalid request: nested too deeply");
  // Every problem at once.
  CHECK(errorOf(with("\"units\": 2, \"power_watts\": 450", "\"units\": 0, \"power_watts\": 0")) ==
        "invalid request: servers[0].units: is 0, must be between 1 and 60; "
        "servers[0].power_watts: is 0, must be between 1 and 100000");
}

TEST_CASE("RFC 3339 timestamps carry their offset", "[dates]") {
  auto t = parseRfc3339("2026-11-23T08:30:00+07:00");
  REQUIRE(t);
  CHECK(t->epoch_seconds == 1795397400);  // 2026-11-23T01:30:00Z
  CHECK(t->utc_offset_seconds == 7 * 3600);
  CHECK(parseRfc3339("2026-11-23T01:30:00.250Z")->epoch_seconds == 1795397400);
  CHECK_FALSE(parseRfc3339("2026-02-29T00:00:00Z"));
  CHECK_FALSE(parseRfc3339("2026-11-23 08:30:00+07:00"));
  CHECK_FALSE(parseRfc3339("2026-11-23T08:30:00+07:00x"));
}

TEST_CASE("a YAML request whose key is not a plain name is refused with its line") {
  // Found by tests/fuzz/request_fuzz: yaml-cpp's own bad-conversion
  // exception left the parser, with no line for the technician.
  auto refused = [](const std::string& text) -> std::string {
    try {
      parseRequestYaml(text);
    } catch (const Error& e) {
      CHECK(e.kind() == ErrorKind::invalid_input);
      return e.what();
    }
    FAIL("accepted: " << text);
    return {};
  };
  CHECK(refused("id: R-1\n? [a, b]\n: 1\n") ==
        "invalid request: line 2, column 3: a key must be a plain name, not a list, a map or "
        "nothing");
  CHECK(refused("id: R-1\ntenant:\n  ? {code: X}\n  : 1\n").find("line 3, column 5: a key") !=
        std::string::npos);
  CHECK(refused("id: R-1\n? \n: 1\n").find("line 3, column 1: a key") != std::string::npos);
}

TEST_CASE("a YAML request that is not UTF-8 is refused with its line") {
  // Found by tests/fuzz/request_fuzz: nlohmann's type_error left the parser.
  try {
    parseRequestYaml("id: R-1\ntenant: {code: X, name: Dinas \xb5}\n");
    FAIL("accepted");
  } catch (const Error& e) {
    CHECK(std::string(e.what()) == "invalid request: line 2, column 31: not UTF-8 text");
  }
}

TEST_CASE("a YAML request with NUL bytes is refused before yaml-cpp takes it for UTF-32") {
  // Found by tests/fuzz/request_fuzz: leading NULs made yaml-cpp decode the
  // rest as UTF-32, into text that is not UTF-8, and printing it threw.
  const std::string text("\0\0\0\0\0\0\0/? \n: 1x\n,", 14);
  CHECK_THROWS_WITH(parseRequestYaml(text),
                    "invalid request: line 1, column 1: a NUL byte (YAML text has none)");
  CHECK_THROWS_WITH(parseRequestYaml(std::string("id: R-1\nx: a\0b\n", 15)),
                    "invalid request: line 2, column 5: a NUL byte (YAML text has none)");
}

TEST_CASE("a JSON request gives each key once, nests at most 16 deep, and holds bounded values") {
  // A key twice, as YAML refuses it too: named by its field path.
  CHECK(errorOf(with("\"id\": \"REQ-2026-0142\"", "\"id\": \"A\", \"id\": \"B\"")) ==
        "invalid request: id: appears twice in this object; a key is given once");
  CHECK(errorOf(with("\"units\": 2", "\"units\": 2, \"units\": 2")) ==
        "invalid request: servers[0].units: appears twice in this object; a key is given once");
  try {
    parseRequestJson(with("\"pools\": [\"colo-private-v4\"]",
                          "\"pools\": [\"colo-private-v4\"], \"pools\": []"));
    FAIL("accepted");
  } catch (const InvalidRequest& e) {
    REQUIRE(e.problems().size() == 1);
    CHECK(e.problems()[0].field == "servers[0].nics[1].pools");
  }
  // The same key in two objects is no repeat.
  CHECK_NOTHROW(parseRequestJson(with("\"nics\": [{\"pools\"", "\"nics\": [{\"pools\"")));

  // 16 levels are read (then refused as the wrong shape), 17 are not.
  auto nested = [](int n) { return std::string(n, '[') + std::string(n, ']'); };
  CHECK(errorOf(nested(16)) == "invalid request: must be an object, not a array");
  CHECK(errorOf(nested(17)) == "invalid request: nested too deeply");

  // Values are counted as they are read, not after building them: the
  // object, the list and 9,998 in it are 10,000.
  auto list = [](int n) {
    std::string s = "{\"x\": [0";
    for (int i = 1; i < n; ++i) s += ",{}";
    return s + "]}";
  };
  CHECK(errorOf(list(9998)) ==
        "invalid request: id: missing; letter_number: missing; "
        "tenant: missing; received_at: missing; servers: missing; "
        "x: unknown field (did you mean 'id'?)");
  CHECK(errorOf(list(200000)) == "invalid request: more than 10000 JSON values");
}

TEST_CASE("reading a JSON request stops when its CPU budget is spent") {
  std::string body = "{\"x\": [0";
  for (int i = 1; i < 5000; ++i) body += ",{}";
  body += "]}";
  // No budget, or a generous one: read to the end (and refused for its shape).
  CHECK_THROWS_WITH(parseRequestJson(body), Catch::Contains("x: unknown field"));
  CHECK_THROWS_WITH(parseRequestJson(body, std::chrono::seconds(60)),
                    Catch::Contains("x: unknown field"));
  // A budget spent before the first check: stopped, saying why.
  try {
    parseRequestJson(body, std::chrono::nanoseconds(1));
    FAIL("read to the end");
  } catch (const colo::inventory::Error& e) {
    CHECK(std::string(e.what()) ==
          "invalid request: reading it took more CPU time than a request may (0 ms)");
    CHECK(e.kind() == colo::inventory::ErrorKind::invalid_input);
  }
}

TEST_CASE("a request with very many problems lists 50 and counts the rest") {
  std::string many = "{";
  for (int i = 0; i < 400; ++i) many += (i ? ",\"u" : "\"u") + std::to_string(i) + "\": 1";
  many += "}";
  try {
    parseRequestJson(many);
    FAIL("accepted");
  } catch (const InvalidRequest& e) {
    REQUIRE(e.problems().size() == 51);
    CHECK(e.problems().back().message == "and 355 more problems not listed");
    CHECK(std::string(e.what()).size() < 4000);
  }
}

TEST_CASE("a request file shows a repeated key where it is given the second time") {
  colo::test::TempDir dir;
  auto path = dir.write("r.json", with("\"units\": 2,", "\"units\": 2,\n     \"units\": 3,"));
  try {
    loadRequestFile(path, nullptr);
    FAIL("accepted");
  } catch (const InvalidRequest& e) {
    CHECK(std::string(e.what()) ==
          path + ": invalid request, 1 problem:\n  " + path +
              ":8:6: servers[0].units: appears twice in this object; a key is given once");
  }
}

TEST_CASE("a NIC may name its MAC address, in any usual form, kept canonical") {
  auto r = parseRequestJson(with(R"({"pools": ["colo-private-v4"]})",
                                 R"({"pools": ["colo-private-v4"], "mac": "0050.56A3.1B2C"})"));
  CHECK(r.servers[0].nics[0].mac.empty());
  CHECK(r.servers[0].nics[1].mac == "00:50:56:a3:1b:2c");
  CHECK(errorOf(with(R"({"pools": ["colo-private-v4"]})",
                     R"({"pools": ["colo-private-v4"], "mac": "00:50:56:a3:1b"})")) ==
        "invalid request: servers[0].nics[1].mac: must be a MAC address such as "
        "00:50:56:a3:1b:2c or 0050.56a3.1b2c");
  CHECK(errorOf(with(
            R"({"pools": ["colo-public-v4", "colo-public-v6"]}, {"pools": ["colo-private-v4"]})",
            R"({"pools": ["colo-public-v4"], "mac": "00-50-56-a3-1b-2c"}, )"
            R"({"pools": ["colo-private-v4"], "mac": "00:50:56:A3:1B:2C"})")) ==
        "invalid request: servers[0].nics[1].mac: 00:50:56:a3:1b:2c is given to two NICs of this "
        "request");
  // YAML reads a MAC as text, quoted or not.
  auto y = parseRequestYaml(R"(id: REQ-2026-0142
letter_number: 027/142/APTIKA/2026
tenant: {code: BAPPEDA, name: Badan Perencanaan Pembangunan Daerah}
received_at: "2026-11-23T08:30:00+07:00"
servers:
  - hostname: bappeda-web01
    units: 2
    power_watts: 450
    nics:
      - {pools: [colo-public-v4], mac: 00:50:56:a3:1b:2c}
)");
  CHECK(y.servers[0].nics[0].mac == "00:50:56:a3:1b:2c");
}
