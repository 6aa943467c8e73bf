// The vendors colo speaks. A new vendor: one dialect file, one line here,
// and its templates under playbooks/templates/.
#include "colo/drivers/dialect.h"

namespace colo::drivers {

namespace dialects {
const Dialect& ciscoIos();
const Dialect& aristaEos();
const Dialect& juniperJunos();
const Dialect& huaweiVrp();
const Dialect& hpComware();
}  // namespace dialects

namespace {
const std::vector<const Dialect*>& all() {
  static const std::vector<const Dialect*> v = {&dialects::ciscoIos(), &dialects::aristaEos(),
                                                &dialects::juniperJunos(), &dialects::huaweiVrp(),
                                                &dialects::hpComware()};
  return v;
}
}  // namespace

const Dialect* dialectFor(std::string_view vendor) {
  for (const Dialect* d : all())
    if (d->name() == vendor) return d;
  return nullptr;
}

std::vector<std::string> knownVendors() {
  std::vector<std::string> out;
  for (const Dialect* d : all()) out.emplace_back(d->name());
  return out;
}

}  // namespace colo::drivers
