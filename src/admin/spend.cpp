// /admin/spend: the ledger grouped by key, team, user, endpoint, model, provider or day.
#include <boost/json.hpp>

#include "admin/scope.hpp"
#include "admin/support.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::Runtime;

AdminAnswer spend(const AdminRequest& req, Runtime& runtime) {
  if (auto a = need_store(runtime); a.error) return a;
  stores::SpendQuery q;
  std::string by_name = "key", since, until, per_day, format;
  json::object filters;  // echoed in the answer
  if (auto bad =
          read_ledger_query(req.query,
                            {{"by", &by_name},
                             {"since", &since},
                             {"until", &until},
                             {"per_day", &per_day},
                             {"format", &format}},
                            q.where, filters, "/admin/spend", "by, since, until, per_day, format"))
    return *bad;
  if (auto e = confine_ledger(req, q.where)) return fail(*e);
  auto by = stores::spend_by_named(by_name);
  if (!by)
    return fail(Error::invalid(
        "'by' must be key, team, user, endpoint, model, provider, workspace or day.", "by"));
  q.by = *by;
  const auto from = since_ms(since, now_ms());
  if (!from)
    return fail(Error::invalid("'since' must look like 7d, 24h, 30m or 2026-11-01.", "since"));
  q.since_ms = *from;
  if (!until.empty()) {
    q.until_ms = since_ms(until, now_ms());
    if (!q.until_ms)
      return fail(Error::invalid("'until' must look like 7d, 24h, 30m or 2026-11-01.", "until"));
  }
  if (!per_day.empty() && per_day != "true" && per_day != "false")
    return fail(Error::invalid("'per_day' must be true or false.", "per_day"));
  q.per_day = per_day == "true";
  if (!format.empty() && format != "json" && format != "csv")
    return fail(Error::invalid("'format' must be json or csv.", "format"));
  if (runtime.ledger() != nullptr) runtime.ledger()->flush();  // include what is still queued
  const auto rows = runtime.store()->spend(q);
  const std::string& group = by_name;
  if (format == "csv") {
    AdminAnswer a;
    a.content_type = "text/csv; charset=utf-8";
    a.body = group + (q.per_day ? ",day" : "") +
             ",requests,prompt_tokens,completion_tokens,cost_usd,saved_usd\n";
    for (const auto& r : rows) {
      a.body += csv_field(r.group);
      if (q.per_day) a.body += "," + r.day;
      a.body += "," + std::to_string(r.requests) + "," + std::to_string(r.prompt_tokens) + "," +
                std::to_string(r.completion_tokens) + "," + money(r.cost_usd) + "," +
                money(r.saved_usd) + "\n";
    }
    return a;
  }
  json::array data;
  double total = 0;
  double saved = 0;  // by the response cache
  for (const auto& r : rows) {
    json::object o{{group, r.group},
                   {"requests", r.requests},
                   {"prompt_tokens", r.prompt_tokens},
                   {"completion_tokens", r.completion_tokens},
                   {"cost_usd", r.cost_usd},
                   {"saved_usd", r.saved_usd}};
    if (q.per_day) o["day"] = r.day;
    total += r.cost_usd;
    saved += r.saved_usd;
    data.emplace_back(std::move(o));
  }
  json::object out{{"object", "list"}, {"by", group}, {"since_ms", q.since_ms}};
  if (q.until_ms) out["until_ms"] = *q.until_ms;
  if (!filters.empty()) out["filters"] = std::move(filters);
  out["total_cost_usd"] = total;
  out["total_saved_usd"] = saved;
  out["data"] = std::move(data);
  return json_answer(200, out);
}

}  // namespace sluice::admin
