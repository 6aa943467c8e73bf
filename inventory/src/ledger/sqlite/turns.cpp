#include "turns.h"

#include <fcntl.h>
#include <linux/futex.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <ctime>
#include <filesystem>

namespace colo::inventory::ledger {

// The file's layout; every field is one lock-free word, so processes share
// it through the mapping without a lock.
struct WriterTurns::Shared {
  std::atomic<std::uint32_t> taken;     // +1 each time a writer takes the lock
  std::atomic<std::uint32_t> given;     // +1 each time a writer gives it back
  std::atomic<std::int64_t> waitingAt;  // CLOCK_MONOTONIC ns of the latest wait
};
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(std::atomic<std::int64_t>::is_always_lock_free);

namespace {

std::int64_t monotonicNs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

// Shared (not private) futexes: the words live in a file mapping of several
// processes.
void futexWait(std::atomic<std::uint32_t>& word, std::uint32_t seen, std::int64_t ns) {
  timespec ts{static_cast<time_t>(ns / 1'000'000'000), static_cast<long>(ns % 1'000'000'000)};
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAIT, seen, &ts, nullptr, 0);
}

void futexWakeAll(std::atomic<std::uint32_t>& word) {
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(&word), FUTEX_WAKE, INT_MAX, nullptr, nullptr,
          0);
}

// The file is opened at the first write, perhaps long after the ledger: a
// relative path is taken as it meant when the ledger was opened.
std::string absolute(const std::string& path) {
  std::error_code ec;
  auto out = std::filesystem::absolute(path, ec);
  return ec ? path : out.string();
}

}  // namespace

WriterTurns::WriterTurns(const std::string& ledgerPath, Options options)
    : options_(options), path_(absolute(ledgerPath) + "-turns"), ledger_(absolute(ledgerPath)) {}

bool WriterTurns::open() {
  if (opened_) return shared_ != nullptr;
  opened_ = true;
  // Made like SQLite's -wal and -shm: the ledger's permissions, and its
  // owner when root makes it, so that every process that may write the
  // ledger may take turns.
  struct stat db {};
  if (::stat(ledger_.c_str(), &db) != 0) return false;
  int fd = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, db.st_mode & 0666);
  if (fd < 0) return false;
  struct stat st {};
  bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
  if (ok && st.st_size == 0) {  // new: the umask does not decide
    ok = fchmod(fd, db.st_mode & 0666) == 0;
    if (ok && geteuid() == 0 && st.st_uid != db.st_uid) ok = fchown(fd, db.st_uid, db.st_gid) == 0;
  }
  if (ok && st.st_size < static_cast<off_t>(sizeof(Shared)))
    ok = ftruncate(fd, sizeof(Shared)) == 0;  // a new file reads as zeros
  void* p =
      ok ? mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
  ::close(fd);
  if (p != MAP_FAILED) shared_ = static_cast<Shared*>(p);
  return shared_ != nullptr;
}

WriterTurns::~WriterTurns() {
  if (shared_) munmap(shared_, sizeof(Shared));
}

WriterTurns::Yield WriterTurns::beforeBegin() {
  if (!open() || !owe_) return Yield::owed_nothing;
  owe_ = false;
  auto until = monotonicNs() + options_.yieldAtMostNs;
  for (;;) {
    auto seen = shared_->taken.load();
    if (seen != mine_) return Yield::another_took_it;
    auto now = monotonicNs();
    if (now - shared_->waitingAt.load() > options_.waitFreshNs) return Yield::waiter_gone;
    if (now >= until) return Yield::waited_enough;
    futexWait(shared_->taken, seen, std::min<std::int64_t>(until - now, 250'000));
  }
}

void WriterTurns::waitForRelease(int us) {
  if (!open()) {
    timespec ts{0, us * 1000L};
    nanosleep(&ts, nullptr);
    return;
  }
  auto seen = shared_->given.load();
  shared_->waitingAt.store(monotonicNs());
  futexWait(shared_->given, seen, us * 1000L);
}

void WriterTurns::began() {
  if (!shared_) return;
  mine_ = shared_->taken.fetch_add(1) + 1;
  futexWakeAll(shared_->taken);
}

void WriterTurns::released() {
  if (!shared_) return;
  shared_->given.fetch_add(1);
  owe_ = monotonicNs() - shared_->waitingAt.load() <= options_.waitFreshNs;
  if (owe_) futexWakeAll(shared_->given);
}

}  // namespace colo::inventory::ledger
