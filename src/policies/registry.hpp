#pragma once
// Every policy by name, in chain order, and how one is built from the config that attaches it.
// Adding a policy: its folder under policies/ and one row in registry.cpp (docs/add-a-policy.md).
//
// The chains are built once per config snapshot and worker: one per endpoint, holding the
// policies whose config attaches them to it (globally, to the endpoint, or — decided per request
// in the policy's request hook — to the caller's key). A policy object is immutable and holds no
// request state; what it shares across requests and workers comes through Services.

#include <functional>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

#include "cache/response_cache.hpp"
#include "config/snapshot.hpp"
#include "governance/runtime.hpp"
#include "pipeline/chain.hpp"
#include "pipeline/sub_request.hpp"
#include "stores/counter_store.hpp"
#include "upstream/webhook_sender.hpp"

namespace sluice::policies {

// What policies may use besides their config: the shared stores, and calls to other endpoints.
struct Services {
  governance::Runtime& governance;            // keys, limits, budgets, the spend ledger
  stores::CounterStore& counters;             // MLflow's per-endpoint limit windows
  pipeline::SubRequests* calls = nullptr;     // this worker's sub-request client
  cache::ResponseCache* cache = nullptr;      // the response cache's stores (process-wide)
  upstream::WebhookSender* alerts = nullptr;  // where alert webhooks go (`alerts:`)
};

// Where a chain is being built.
struct Site {
  const config::Snapshot& snapshot;
  const config::Endpoint* endpoint;  // nullptr: requests that reach no endpoint
};

struct PolicyRow {
  std::string_view name;
  // The policy for `site`, or nullptr when the config attaches none there.
  std::function<std::shared_ptr<const pipeline::Policy>(const Site& site, Services& services)> make;
};

// The rows, in the order their policies run on a request.
std::span<const PolicyRow> policy_rows();

// The chain of `rows` for `site`.
pipeline::Chain build_chain(std::span<const PolicyRow> rows, const Site& site, Services& services);

// The chains of one snapshot.
class Chains {
 public:
  Chains(config::SnapshotPtr snapshot, std::span<const PolicyRow> rows, Services& services);
  const config::Snapshot* snapshot() const { return snapshot_.get(); }
  // The chain for a request whose first destination is `endpoint` (nullptr: none).
  const pipeline::Chain& of(const config::Endpoint* endpoint) const;

 private:
  config::SnapshotPtr snapshot_;
  std::vector<pipeline::Chain> by_endpoint_;  // parallel to snapshot_->endpoints
  pipeline::Chain none_;
};

}  // namespace sluice::policies
