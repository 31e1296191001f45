#include "config/alerts.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>

#include "config/reader.hpp"

namespace sluice::config {

bool AlertWebhook::wants(std::string_view event) const {
  return events.empty() || std::find(events.begin(), events.end(), event) != events.end();
}

AlertsSpec read_alerts(const Reader& r, const YAML::Node& node) {
  AlertsSpec out;
  if (!node || node.IsNull()) return out;
  r.expect_map(node, "alerts", {"webhooks"});
  const YAML::Node hooks = node["webhooks"];
  if (!hooks) return out;
  if (!hooks.IsSequence()) r.fail(hooks, "alerts.webhooks", "must be a list");
  for (std::size_t i = 0; i < hooks.size(); ++i) {
    const std::string path = "alerts.webhooks[" + std::to_string(i) + "]";
    const YAML::Node h = hooks[i];
    r.expect_map(h, path, {"url", "secret", "events"});
    if (!h["url"]) r.fail(h, path, "url is required");
    AlertWebhook hook;
    bool secret = false;
    const std::string url = r.resolved(h["url"], path + ".url", secret);
    std::string why;
    auto parsed = util::parse_base_url(url, why);
    if (!parsed) r.fail(h["url"], path + ".url", "'" + url + "' " + why);
    hook.url = *parsed;
    hook.target = hook.url.path.empty() ? "/" : hook.url.path;
    if (h["secret"]) hook.secret = r.resolved(h["secret"], path + ".secret", secret);
    if (const YAML::Node events = h["events"]) {
      if (!events.IsSequence() || events.size() == 0)
        r.fail(events, path + ".events", "must be a non-empty list of events");
      for (std::size_t j = 0; j < events.size(); ++j) {
        const std::string e = r.string(events[j], path + ".events[" + std::to_string(j) + "]");
        if (e != kBudgetThreshold && e != kBudgetExceeded)
          r.fail(events[j], path + ".events",
                 "unknown event '" + e + "' (budget.threshold, budget.exceeded)");
        hook.events.push_back(e);
      }
    }
    out.webhooks.push_back(std::move(hook));
  }
  return out;
}

}  // namespace sluice::config
