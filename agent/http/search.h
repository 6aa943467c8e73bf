// The console's search (/ui/search?q=, design.md §11): a request by id or
// letter number, a server by hostname, an address, an installed device.
// It reads the viewer's request summaries (as the requests page does), the
// claims held now and the inventory: servers and addresses are found as
// they are held now; a released request's are in its own page.
#pragma once

#include <string>
#include <vector>

#include "http/api_context.h"
#include "ui/pages.h"

namespace colo::agent {

struct SearchResult {
  std::vector<ui::SearchHit> hits;  // exact matches first
  bool more = false;                // more matched than `limit`
};

// What `viewer` may see that matches `query` (trimmed, at most 200 bytes):
// a requester finds its own requests and servers, an address another
// department holds as held, and no device. Takes the ledger's mutex.
SearchResult search(const ApiContext& context, const ui::Viewer& viewer, const std::string& query,
                    std::size_t limit = 50);

}  // namespace colo::agent
