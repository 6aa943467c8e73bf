// Confirmation letter numbers: one per completed request, numbered in its
// year, the same ever after.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace colo::inventory {

namespace ledger {
class Connection;
}

struct LetterRecord {
  std::string request_id;
  int year = 0;
  int seq = 0;
  std::string number;     // as rendered when issued
  std::string issued_at;  // UTC, when first issued
};

class LetterBook {
 public:
  explicit LetterBook(ledger::Connection& c) : c_(c) {}

  // Issued on the first call (the next sequence number of `year`, rendered
  // by `number`), the same ever after. The ledger keeps (year, sequence)
  // unique, also across processes (inside Ledger::write or on its own).
  LetterRecord issue(const std::string& request_id, int year,
                     const std::function<std::string(int seq, int year)>& number);
  std::optional<LetterRecord> find(const std::string& request_id);

 private:
  ledger::Connection& c_;
};

}  // namespace colo::inventory
