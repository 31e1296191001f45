// /admin/spend: the ledger grouped by key, team, user, endpoint, model, provider or day.
#include <boost/json.hpp>

#include "admin/support.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::Runtime;

AdminAnswer spend(const AdminRequest& req, Runtime& runtime) {
  if (auto a = need_store(runtime); a.error) return a;
  const std::string_view by_name = query_value(req.query, "by");
  auto by = stores::spend_by_named(by_name.empty() ? "key" : by_name);
  if (!by)
    return fail(
        Error::invalid("'by' must be key, team, user, endpoint, model, provider or day.", "by"));
  const auto since = since_ms(query_value(req.query, "since"), now_ms());
  if (!since)
    return fail(Error::invalid("'since' must look like 7d, 24h, 30m or 2026-11-01.", "since"));
  const bool per_day = query_value(req.query, "per_day") == "true";
  const std::string_view format = query_value(req.query, "format");
  if (!format.empty() && format != "json" && format != "csv")
    return fail(Error::invalid("'format' must be json or csv.", "format"));
  if (runtime.ledger() != nullptr) runtime.ledger()->flush();  // include what is still queued
  const auto rows = runtime.store()->spend(*by, *since, per_day);
  const std::string group = by_name.empty() ? "key" : std::string(by_name);
  if (format == "csv") {
    AdminAnswer a;
    a.content_type = "text/csv; charset=utf-8";
    a.body =
        group + (per_day ? ",day" : "") + ",requests,prompt_tokens,completion_tokens,cost_usd\n";
    for (const auto& r : rows) {
      a.body += csv_field(r.group);
      if (per_day) a.body += "," + r.day;
      a.body += "," + std::to_string(r.requests) + "," + std::to_string(r.prompt_tokens) + "," +
                std::to_string(r.completion_tokens) + "," + money(r.cost_usd) + "\n";
    }
    return a;
  }
  json::array data;
  double total = 0;
  for (const auto& r : rows) {
    json::object o{{group, r.group},
                   {"requests", r.requests},
                   {"prompt_tokens", r.prompt_tokens},
                   {"completion_tokens", r.completion_tokens},
                   {"cost_usd", r.cost_usd}};
    if (per_day) o["day"] = r.day;
    total += r.cost_usd;
    data.emplace_back(std::move(o));
  }
  return json_answer(200, json::object{{"object", "list"},
                                       {"by", group},
                                       {"since_ms", *since},
                                       {"total_cost_usd", total},
                                       {"data", std::move(data)}});
}

}  // namespace sluice::admin
