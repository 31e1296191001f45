// /admin/requests: the payload log (request_log: with the store sink), newest first, filtered by
// time, key, endpoint and status; /admin/requests/{id}: one request whole, with its prompt, its
// answer and every attempt.
#include <boost/json.hpp>
#include <boost/url/pct_string_view.hpp>
#include <charconv>

#include "admin/scope.hpp"
#include "admin/support.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::Runtime;

namespace {

constexpr std::size_t kMaxLimit = 1000;

std::optional<AdminAnswer> need_request_log(Runtime& runtime) {
  const auto* log = runtime.request_log();
  if (log == nullptr)
    return not_found("The request log is off: turn it on with request_log: in the config.");
  if (log->spec().to_file || runtime.store() == nullptr)
    return fail(Error::invalid(
        "The request log is written to a file (request_log.sink: file); read it there."));
  return std::nullopt;
}

}  // namespace

AdminAnswer requests(const AdminRequest& req, Runtime& runtime) {
  if (auto a = need_request_log(runtime)) return *a;
  std::string since, until, status, limit;
  std::vector<std::pair<stores::SpendBy, std::string>> where;
  json::object filters;
  if (auto bad = read_ledger_query(
          req.query, {{"since", &since}, {"until", &until}, {"status", &status}, {"limit", &limit}},
          where, filters, "/admin/requests", "since, until, status, limit"))
    return *bad;
  if (auto e = confine_ledger(req, where)) return fail(*e);
  stores::RequestQuery q;
  for (const auto& [by, value] : where) {
    if (by == stores::SpendBy::kKey) {
      q.key_id = value;
    } else if (by == stores::SpendBy::kEndpoint) {
      q.endpoint = value;
    } else if (by == stores::SpendBy::kWorkspace) {
      q.workspace = value;
    } else {
      return fail(
          Error::invalid("/admin/requests filters by key, endpoint or workspace (and status).",
                         std::string(stores::ledger_column(by))));
    }
  }
  if (auto bad = read_time_window(since, until, "1d", q.since_ms, q.until_ms)) return *bad;
  auto number = [](const std::string& text, unsigned long max) -> std::optional<unsigned long> {
    unsigned long v = 0;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc{} || end != text.data() + text.size() || v > max) return std::nullopt;
    return v;
  };
  if (!status.empty()) {
    const auto s = number(status, 599);
    if (!s || *s < 100) return fail(Error::invalid("'status' must be an HTTP status.", "status"));
    q.status = static_cast<unsigned>(*s);
  }
  if (!limit.empty()) {
    const auto l = number(limit, kMaxLimit);
    if (!l || *l == 0) return fail(Error::invalid("'limit' must be between 1 and 1000.", "limit"));
    q.limit = *l;
  }
  runtime.request_log()->flush();  // include what is still queued
  json::array data;
  for (const auto& r : runtime.store()->find_requests(q))
    data.push_back(governance::request_record_object(r, false));
  json::object out{{"object", "list"}, {"since_ms", q.since_ms}, {"until_ms", q.until_ms}};
  if (!filters.empty()) out["filters"] = std::move(filters);
  out["data"] = std::move(data);
  return json_answer(200, out);
}

AdminAnswer one_request(const AdminRequest& req, std::string_view encoded, Runtime& runtime) {
  if (auto a = need_request_log(runtime)) return *a;
  const auto id = boost::urls::make_pct_string_view(encoded);
  if (!id) return fail(Error::invalid("The request id in the path is not valid percent-encoding."));
  runtime.request_log()->flush();
  const auto r = runtime.store()->request(id->decode(), req.workspace);
  if (!r || !manages(req, r->workspace)) return not_found("No such request in the request log.");
  return json_answer(200, governance::request_record_object(*r, true));
}

}  // namespace sluice::admin
