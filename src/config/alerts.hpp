#pragma once
// `alerts:` — where sluice says that a budget crossed its alert threshold or its cap
// (docs/governance.md, "Alerts"):
//
//   alerts:
//     webhooks:
//       - url: https://hooks.example.com/sluice
//         secret: ${{ secrets.ALERT_SIGNING_KEY }}   # optional: each POST is signed with it
//         events: [budget.exceeded]                   # optional; default: every event
//
// Events: budget.threshold (spend past alert_at of usd), budget.exceeded (spend at usd; what an
// `on_exceed: alert` budget — MLflow's ALERT — is for: the others hold each request's worst case,
// so their spend seldom gets there). Each once per budget, subject and window in a process.

#include <string>
#include <vector>

#include "util/url.hpp"

namespace YAML {
class Node;
}

namespace sluice::config {

class Reader;

struct AlertWebhook {
  util::BaseUrl url;
  std::string target;               // the URL's path, "/" when empty (no query: util::BaseUrl)
  std::string secret;               // HMAC-SHA256 signing key; empty: unsigned
  std::vector<std::string> events;  // empty: every event
  bool wants(std::string_view event) const;
};

struct AlertsSpec {
  std::vector<AlertWebhook> webhooks;
};

inline constexpr std::string_view kBudgetThreshold = "budget.threshold";
inline constexpr std::string_view kBudgetExceeded = "budget.exceeded";

// Reads `alerts:` (absent: none). Throws LoadError on a bad value.
AlertsSpec read_alerts(const Reader& r, const YAML::Node& node);

}  // namespace sluice::config
