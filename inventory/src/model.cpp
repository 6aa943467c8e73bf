#include "colo/inventory/model.h"

#include <algorithm>

namespace colo::inventory {

std::string SourceLocation::str() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

bool isSafeName(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
  });
}

u128 IpPool::firstUsable() const {
  if (!prefix.network.v6 && prefix.length >= 31) return prefix.first();
  return prefix.first() + 1;
}

u128 IpPool::lastUsable() const {
  if (!prefix.network.v6 && prefix.length < 31) return prefix.last() - 1;
  return prefix.last();
}

namespace {
template <typename T>
const T* find(const std::vector<T>& items, const NameIndex& idx, std::string_view name) {
  auto it = idx.find(name);
  return it == idx.end() ? nullptr : &items[it->second];
}
template <typename T>
void build(const std::vector<T>& items, NameIndex& idx) {
  idx.clear();
  for (std::size_t i = 0; i < items.size(); ++i) idx.emplace(items[i].name, i);  // first wins
}
}  // namespace

const Rack* Inventory::rack(std::string_view n) const {
  return find(racks, rackIndex_, n);
}
const Switch* Inventory::switchNamed(std::string_view n) const {
  return find(switches, switchIndex_, n);
}
const IpPool* Inventory::pool(std::string_view n) const {
  return find(pools, poolIndex_, n);
}
const Vlan* Inventory::vlan(int id) const {
  auto it = std::find_if(vlans.begin(), vlans.end(), [id](const Vlan& v) { return v.id == id; });
  return it == vlans.end() ? nullptr : &*it;
}

void Inventory::index() {
  build(racks, rackIndex_);
  build(switches, switchIndex_);
  build(pools, poolIndex_);
}

}  // namespace colo::inventory
