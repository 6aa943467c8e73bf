#include "ui/letter.h"

#include <ctime>
#include <nlohmann/json.hpp>

#include "colo/inventory/error.h"
#include "colo/inventory/request.h"
#include "core/cabling.h"
#include "ui/elevation.h"

namespace colo::agent {

namespace inv = colo::inventory;

namespace {

std::string h(const std::string& s) {
  return xmlEscape(s);
}

// The department's name as its request gave it.
std::string tenantName(const inv::RequestRecord& r) {
  auto j = nlohmann::json::parse(r.body, nullptr, false);
  if (j.is_object() && j.contains("tenant") && j["tenant"].is_object() &&
      j["tenant"].contains("name") && j["tenant"]["name"].is_string())
    return j["tenant"]["name"].get<std::string>();
  return r.tenant_code;
}

std::string units(const inv::ServerPlacement& s) {
  return s.height == 1
             ? "U" + std::to_string(s.first_unit)
             : "U" + std::to_string(s.first_unit) + "\u2013" + std::to_string(s.last_unit());
}

// Seconds since the epoch of an RFC 3339 time: a request's received_at, or a
// UTC time as the ledger writes it ("2026-11-26T03:04:05.678Z").
std::optional<std::int64_t> epochOf(const std::string& ts) {
  if (auto t = inv::parseRfc3339(ts)) return t->epoch_seconds;
  return std::nullopt;
}

// The letterhead's second line: "Telepon ... · Pos-el ... · Laman ...".
std::string contactLine(const LetterConfig& c) {
  std::string out;
  auto add = [&](const char* label, const std::string& v) {
    if (v.empty()) return;
    out += (out.empty() ? "" : " &middot; ") + std::string(label) + h(v);
  };
  add("Telepon ", c.phone);
  add("Pos-el ", c.email);
  add("Laman ", c.web);
  add("", c.contact);
  return out;
}

// Copies to (Tembusan Yth.), numbered; nothing when there are none.
std::string tembusan(const LetterConfig& c) {
  if (c.tembusan.empty()) return "";
  std::string out = "<div class=\"tembusan\">Tembusan Yth.:<ol>";
  for (const auto& t : c.tembusan) out += "<li>" + h(t) + "</li>";
  return out + "</ol></div>\n";
}

}  // namespace

std::string letterNumber(const std::string& pattern, int seq, int year) {
  std::string out = pattern;
  for (auto [key, value] : {std::pair<std::string, std::string>{"{seq}", std::to_string(seq)},
                            {"{year}", std::to_string(year)}})
    for (auto at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size()))
      out.replace(at, key.size(), value);
  return out;
}

std::string tanggal(const std::string& iso) {
  static const char* const kBulan[] = {"Januari",   "Februari", "Maret",    "April",
                                       "Mei",       "Juni",     "Juli",     "Agustus",
                                       "September", "Oktober",  "November", "Desember"};
  int y = 0, m = 0, d = 0;
  if (iso.size() < 10 || std::sscanf(iso.c_str(), "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 ||
      m > 12 || d < 1 || d > 31)
    return iso;
  return std::to_string(d) + " " + kBulan[m - 1] + " " + std::to_string(y);
}

std::string localDate(const std::string& ts, const inv::TimeZone& zone) {
  auto epoch = epochOf(ts);
  if (!epoch) return ts.substr(0, 10);
  return inv::civilDate(zone.localDay(*epoch));
}

std::string confirmationLetter(inv::Ledger& ledger, const LetterConfig& config,
                               const SlaCalendar& calendar, const inv::RequestRecord& r,
                               std::int64_t now) {
  if (r.status != inv::Status::completed || !r.allocation)
    throw inv::Error(inv::ErrorKind::conflict,
                     "request " + r.id + " is " + std::string(inv::name(r.status)) +
                         ": a confirmation letter is written only for a completed request");
  const auto& zone = calendar.zone();
  int year =
      std::stoi(inv::civilDate(zone.localDay(epochOf(r.completed_at).value_or(now))).substr(0, 4));
  auto number = ledger.letters().issue(
      r.id, year, [&](int seq, int y) { return letterNumber(config.number_pattern, seq, y); });
  Sla sla = calendar.evaluate(epochOf(r.received_at).value_or(now), epochOf(r.completed_at), now);
  return letterHtml(config, r, number, sla, zone,
                    verifiedAt(ledger.cablingChecks().forRequest(r.id, 100)));
}

std::string letterHtml(const LetterConfig& c, const inv::RequestRecord& r,
                       const inv::LetterRecord& number, const Sla& sla, const inv::TimeZone& zone,
                       const std::map<std::string, std::int64_t>& cablingVerified) {
  const auto& plan = *r.allocation;
  std::string dept = tenantName(r);
  std::string issued = tanggal(localDate(number.issued_at, zone));
  std::string completed = tanggal(localDate(r.completed_at, zone));
  bool onTime = sla.met.value_or(false);

  std::string rows;
  int n = 0;
  for (const auto& s : plan.servers) {
    std::string feeds;
    for (const auto& f : s.feeds) feeds += (feeds.empty() ? "" : ", ") + h(f.feed);
    std::string network;
    for (const auto& nic : s.nics) {
      network += "<div>" + h(nic.switch_name) + " port " + h(nic.port) + ", VLAN " +
                 std::to_string(nic.vlan);
      for (const auto& a : nic.addresses)
        network += "<br><span class=\"ip\">" + h(a.address.str()) + "/" +
                   std::to_string(a.prefix_length) + "</span>" +
                   (a.gateway ? " gateway " + h(a.gateway->str()) : std::string());
      network += "</div>";
    }
    // Whether colo saw the server plugged into its ports (colo check).
    auto verified = cablingVerified.find(s.hostname);
    std::string cabling = verified == cablingVerified.end()
                              ? "<br><span class=\"cabling\">Kabel belum diverifikasi</span>"
                              : "<br><span class=\"cabling\">Kabel terverifikasi " +
                                    tanggal(localDate(inv::isoUtcMs(verified->second), zone)) +
                                    "</span>";
    rows += "<tr><td>" + std::to_string(++n) + "</td><td>" + h(s.hostname) + cabling + "</td><td>" +
            h(s.rack) + " " + units(s) + " (" + std::to_string(s.height) + "U)</td><td>" +
            std::to_string(s.power_watts) + " W<br>" + feeds +
            (s.redundant_power ? " (redundan)" : "") + "</td><td>" + network + "</td></tr>\n";
  }

  std::string signName = c.signatory_name.empty() ? "<span class=\"blank\">&nbsp;</span>"
                                                  : "<u><b>" + h(c.signatory_name) + "</b></u>";
  std::string nip = c.signatory_nip.empty() ? "NIP. <span class=\"blank short\">&nbsp;</span>"
                                            : "NIP. " + h(c.signatory_nip);

  return R"(<!DOCTYPE html>
<html lang="id">
<head>
<meta charset="utf-8">
<title>Surat )" +
         h(number.number) + R"(</title>
<style>
@page { size: A4; margin: 18mm 20mm; }
body { font-family: "Times New Roman", "Liberation Serif", serif; font-size: 11pt; line-height: 1.35; color: #000; margin: 0; }
.kop { text-align: center; border-bottom: 3px double #000; padding-bottom: 6px; margin-bottom: 12px; }
.kop .gov { font-size: 13pt; font-weight: bold; }
.kop .office { font-size: 15pt; font-weight: bold; }
.kop .addr { font-size: 9.5pt; }
.meta { display: flex; justify-content: space-between; }
.meta table td { padding: 0 4px 0 0; vertical-align: top; }
p { text-align: justify; margin: 8px 0; }
table.alloc { border-collapse: collapse; width: 100%; font-size: 9.5pt; margin: 8px 0; }
table.alloc th, table.alloc td { border: 1px solid #000; padding: 3px 5px; vertical-align: top; text-align: left; }
table.alloc th { background: #eee; }
.ip { font-family: "DejaVu Sans Mono", monospace; font-size: 9pt; }
.cabling { font-size: 9pt; }
.sign { margin-top: 18px; margin-left: 55%; }
.sign .space { height: 56px; }
.blank { display: inline-block; min-width: 55mm; border-bottom: 1px dotted #000; }
.blank.short { min-width: 40mm; }
.tembusan { margin-top: 14px; font-size: 10pt; }
.tembusan ol { margin: 2px 0 0 0; padding-left: 18px; }
@media screen { body { max-width: 170mm; margin: 10mm auto; } }
</style>
</head>
<body>
<div class="kop">
<div class="gov">)" +
         h(c.government) + R"(</div>
<div class="office">)" +
         h(c.office) + R"(</div>
<div class="addr">)" +
         h(c.address) + R"(</div>
<div class="addr">)" +
         contactLine(c) + R"(</div>
</div>
<div class="meta">
<table>
<tr><td>Nomor</td><td>:</td><td id="letter-number">)" +
         h(number.number) + R"(</td></tr>
<tr><td>Sifat</td><td>:</td><td>Biasa</td></tr>
<tr><td>Lampiran</td><td>:</td><td>-</td></tr>
<tr><td>Perihal</td><td>:</td><td><b>Konfirmasi Layanan Colocation Server</b></td></tr>
</table>
<div>)" + h(c.city) +
         ", " + issued + R"(</div>
</div>
<p>Yth. Kepala )" +
         h(dept) + R"(<br>di tempat</p>
<p>Menindaklanjuti surat Saudara nomor <b>)" +
         h(r.letter_number) + R"(</b> tanggal )" + tanggal(r.received_at.substr(0, 10)) +
         R"( perihal permohonan layanan colocation server, dengan hormat kami sampaikan bahwa permohonan tersebut (nomor layanan )" +
         h(r.id) + R"() telah selesai kami proses pada tanggal )" + completed + ", " +
         (onTime ? "dalam batas waktu layanan 3 (tiga) hari kerja"
                 : "melewati batas waktu layanan 3 (tiga) hari kerja") +
         " (batas waktu " + tanggal(sla.due_date) +
         R"(). Perangkat Saudara ditempatkan sebagai berikut:</p>
<table class="alloc">
<tr><th>No</th><th>Server</th><th>Rak dan unit</th><th>Daya dan feed</th><th>Jaringan</th></tr>
)" + rows +
         R"(</table>
<p>Layanan colocation ini tidak dipungut biaya. Perangkat dapat dipasang pada rak dan unit di atas dengan berkoordinasi dengan petugas pusat data; alamat IP, VLAN dan port switch telah dikonfigurasi dan siap digunakan.</p>
<p>Demikian kami sampaikan. Atas perhatian dan kerja sama Saudara, kami ucapkan terima kasih.</p>
<div class="sign">
<div>)" + h(c.signatory_title) +
         R"(,</div>
<div class="space"></div>
<div>)" + signName +
         R"(</div>
<div>)" + nip +
         R"(</div>
</div>
)" + tembusan(c) +
         R"(</body>
</html>
)";
}

}  // namespace colo::agent
