// The confirmation letter (design.md §11): what goes back to the department once
// its servers are in place, in Bahasa Indonesia, one printable A4 page of
// HTML. `GET /v1/requests/{id}/letter` and `colo letter ID` serve it.
#pragma once

#include <map>
#include <string>

#include "colo/inventory/ledger.h"
#include "core/config.h"
#include "core/sla.h"

namespace colo::agent {

// The number pattern with `seq` and `year` filled in.
std::string letterNumber(const std::string& pattern, int seq, int year);

// "29 November 2026" for a YYYY-MM-DD date; the input unchanged when it is
// not one.
std::string tanggal(const std::string& isoDate);

// YYYY-MM-DD in the site's time of a UTC timestamp as the ledger writes it
// ("2026-11-26T03:04:05.678Z"), or of an RFC 3339 time with an offset.
std::string localDate(const std::string& timestamp, const inventory::TimeZone& zone);

// The letter of request `r`, its number issued in the ledger on first use
// (the year of its completion, site time). Throws Error(conflict) saying why
// when the request is not completed.
std::string confirmationLetter(inventory::Ledger& ledger, const LetterConfig& config,
                               const SlaCalendar& calendar, const inventory::RequestRecord& r,
                               std::int64_t now);

// The letter of a completed request. `r.allocation` must be set.
// `cablingVerified`: when each server's cabling was last verified (epoch
// ms, design.md §17); a server not in it is stated as not yet verified.
std::string letterHtml(const LetterConfig& config, const inventory::RequestRecord& r,
                       const inventory::LetterRecord& number, const Sla& sla,
                       const inventory::TimeZone& zone,
                       const std::map<std::string, std::int64_t>& cablingVerified = {});

}  // namespace colo::agent
