#include "stores/governance_store.hpp"

namespace sluice::stores {

std::optional<SpendBy> spend_by_named(std::string_view name) {
  if (name == "key") return SpendBy::kKey;
  if (name == "team") return SpendBy::kTeam;
  if (name == "user") return SpendBy::kUser;
  if (name == "endpoint") return SpendBy::kEndpoint;
  if (name == "model") return SpendBy::kModel;
  if (name == "provider") return SpendBy::kProvider;
  if (name == "workspace") return SpendBy::kWorkspace;
  if (name == "day") return SpendBy::kDay;
  return std::nullopt;
}

std::string_view ledger_column(SpendBy by) {
  switch (by) {
    case SpendBy::kKey:
      return "key_id";
    case SpendBy::kTeam:
      return "team";
    case SpendBy::kUser:
      return "user_name";
    case SpendBy::kEndpoint:
      return "endpoint";
    case SpendBy::kModel:
      return "model";
    case SpendBy::kProvider:
      return "provider";
    case SpendBy::kWorkspace:
      return "workspace";
    case SpendBy::kDay:
      break;
  }
  return {};
}

std::string usage_sql(const UsageQuery& q, const std::function<std::string(int)>& param) {
  std::string sql = "SELECT ts_ms / " + param(3) + ", ";
  sql += q.by ? std::string(ledger_column(*q.by)) : std::string("''");
  sql +=
      ", COUNT(*), SUM(CASE WHEN status >= 400 THEN 1 ELSE 0 END), SUM(prompt_tokens), "
      "SUM(completion_tokens), SUM(cached_tokens), SUM(reasoning_tokens), "
      "SUM(cache_write_tokens), SUM(cost_usd), SUM(saved_usd), COUNT(latency_ms)";
  for (double bound : kUsageLatencyBoundsMs) {
    sql += ", SUM(CASE WHEN latency_ms <= " + std::to_string(static_cast<long long>(bound)) +
           " THEN 1 ELSE 0 END)";
  }
  sql += ", COUNT(ttft_ms)";
  for (double bound : kUsageLatencyBoundsMs) {
    sql += ", SUM(CASE WHEN ttft_ms <= " + std::to_string(static_cast<long long>(bound)) +
           " THEN 1 ELSE 0 END)";
  }
  sql += " FROM ledger WHERE ts_ms >= " + param(1) + " AND ts_ms < " + param(2);
  // Column names from ledger_column (a fixed list), values as parameters.
  int n = 3;
  for (const auto& [by, value] : q.where)
    sql += " AND " + std::string(ledger_column(by)) + " = " + param(++n);
  sql += " GROUP BY 1, 2 ORDER BY 1, 2";
  return sql;
}

}  // namespace sluice::stores
