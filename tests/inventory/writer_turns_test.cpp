// Fair turns at SQLite's write lock (design.md §6, "Two writers on one SQLite
// file"): a writer that gave the lock back while another waited lets that
// one go first, for a bounded while, and a process that only reads leaves no
// file behind.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <future>

#include "../support/temp_dir.h"
#include "colo/inventory/ledger.h"
#include "ledger/sqlite/turns.h"

using colo::inventory::ledger::WriterTurns;
using Yield = WriterTurns::Yield;

namespace {

// Waits that never end within a test: the outcome, not the clock, decides.
constexpr WriterTurns::Options kPatient{60'000'000'000, 60'000'000'000};

std::string ledgerFile(const colo::test::TempDir& dir) {
  auto path = dir.file("colo.db");
  std::ofstream(path) << "";
  return path;
}

}  // namespace

TEST_CASE("a writer that gave the lock back while another waited lets that one go first",
          "[turns]") {
  colo::test::TempDir dir;
  auto path = ledgerFile(dir);
  WriterTurns a(path, kPatient), b(path, kPatient);
  REQUIRE(a.beforeBegin() == Yield::owed_nothing);
  a.began();
  b.waitForRelease(50);  // b found the lock taken
  a.released();
  auto next = std::async(std::launch::async, [&] { return a.beforeBegin(); });
  b.began();  // b's turn
  CHECK(next.get() == Yield::another_took_it);
  CHECK(a.shared());
}

TEST_CASE("a writer nobody waited for begins again at once", "[turns]") {
  colo::test::TempDir dir;
  auto path = ledgerFile(dir);
  WriterTurns a(path, kPatient);
  a.beforeBegin();
  a.began();
  a.released();
  CHECK(a.beforeBegin() == Yield::owed_nothing);
}

TEST_CASE("a writer lets a waiter go first only for a bounded while", "[turns]") {
  colo::test::TempDir dir;
  auto path = ledgerFile(dir);
  // The waiter never takes its turn (it died, or gave up).
  WriterTurns a(path, {60'000'000'000, 1'000'000}), b(path, kPatient);
  a.beforeBegin();
  a.began();
  b.waitForRelease(50);
  a.released();
  CHECK(a.beforeBegin() == Yield::waited_enough);
  CHECK(a.beforeBegin() == Yield::owed_nothing);  // once
}

TEST_CASE("a wait that is over is not waited for", "[turns]") {
  colo::test::TempDir dir;
  auto path = ledgerFile(dir);
  // Any wait is over at once: b's is forgotten as soon as it is said.
  WriterTurns a(path, {0, 60'000'000'000}), b(path, kPatient);
  a.beforeBegin();
  a.began();
  b.waitForRelease(50);
  a.released();
  CHECK(a.beforeBegin() == Yield::owed_nothing);
}

TEST_CASE("turns beside a ledger that cannot have them only wait as told", "[turns]") {
  colo::test::TempDir dir;
  WriterTurns a(dir.file("missing/colo.db"), kPatient);
  a.waitForRelease(50);
  a.began();
  a.released();
  CHECK(a.beforeBegin() == Yield::owed_nothing);
  CHECK_FALSE(a.shared());
}

TEST_CASE("the turns file has the ledger's permissions, and only writers make it", "[turns]") {
  colo::test::TempDir dir;
  auto path = dir.file("colo.db");
  { colo::inventory::Ledger created(path, colo::inventory::Ledger::Open::create); }
  std::filesystem::remove(path + "-turns");
  REQUIRE(chmod(path.c_str(), 0640) == 0);
  colo::inventory::Ledger ledger(path);
  ledger.read([&] { ledger.requests().find("REQ-1"); });
  CHECK_FALSE(std::filesystem::exists(path + "-turns"));
  ledger.write([&] {});
  struct stat st {};
  REQUIRE(stat((path + "-turns").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0640);
}
