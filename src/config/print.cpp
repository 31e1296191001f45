#include <sstream>

#include "config/loader.hpp"

namespace sluice::config {

std::string describe(const Snapshot& snapshot) {
  std::ostringstream out;
  out << snapshot.source << ": OK, " << snapshot.endpoints.size() << " endpoint"
      << (snapshot.endpoints.size() == 1 ? "" : "s") << "\n";
  for (const auto& e : snapshot.endpoints) {
    out << "  " << e.name << "  " << model::endpoint_type_name(e.operation) << "  " << e.provider
        << "/" << e.adapter->provider_model();
    if (e.limit) out << "  limit " << e.limit->calls << "/" << e.limit->renewal_period;
    if (!e.guardrails.empty()) {
      out << "  guardrails";
      for (const auto* g : e.guardrails) out << " " << g->name;
    }
    out << "\n";
  }
  for (const auto& g : snapshot.guardrails.all) {
    out << "guardrail " << g->name << "  " << guardrail_action_name(g->action)
        << (g->input && g->output ? " input+output"
            : g->output           ? " output"
                                  : " input")
        << (g->default_on ? "  default_on" : "") << "\n";
  }
  out << "server " << snapshot.server.host << ":" << snapshot.server.port << "\n";
  return out.str();
}

}  // namespace sluice::config
