#include "admin/support.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <boost/url/params_view.hpp>
#include <boost/url/parse_query.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>

#include "util/unix_time.hpp"

namespace sluice::admin {

namespace json = boost::json;
using governance::Runtime;

std::int64_t now_ms() { return util::unix_now_ms(); }

AdminAnswer fail(Error e) {
  AdminAnswer a;
  a.error = std::move(e);
  return a;
}

AdminAnswer not_found(std::string_view what) {
  return fail(Error::make(ErrorCode::kNotFound, std::string(what)));
}

AdminAnswer method_not_allowed(std::string_view method, std::string_view path) {
  return fail(Error::make(
      ErrorCode::kMethodNotAllowed,
      "Method " + std::string(method) + " is not allowed on " + std::string(path) + "."));
}

AdminAnswer json_answer(unsigned status, const json::value& v) {
  AdminAnswer a;
  a.status = status;
  a.body = json::serialize(v);
  return a;
}

// "7d", "24h", "30m", "2026-11-01" → unix ms; nullopt when unreadable.
std::optional<std::int64_t> since_ms(std::string_view since, std::int64_t now) {
  if (since.empty()) return now - 30LL * 86'400'000;  // default: the last 30 days
  if (since.size() == 10 && since[4] == '-' && since[7] == '-') {
    std::tm tm{};
    const std::string s(since);
    const char* end = strptime(s.c_str(), "%Y-%m-%d", &tm);
    if (end == nullptr || *end != '\0') return std::nullopt;
    const std::tm asked = tm;
    const std::time_t t = timegm(&tm);  // normalizes 2026-02-30 to March 2nd: not a date
    if (tm.tm_year != asked.tm_year || tm.tm_mon != asked.tm_mon || tm.tm_mday != asked.tm_mday)
      return std::nullopt;
    return static_cast<std::int64_t>(t) * 1000;
  }
  const auto back = duration_ms(since);
  if (!back) return std::nullopt;
  return now - *back;
}

std::optional<std::int64_t> duration_ms(std::string_view text) {
  if (text.empty()) return std::nullopt;
  const char unit = text.back();
  const std::string digits(text.substr(0, text.size() - 1));
  if (digits.empty() || digits.size() > 6 ||
      digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  const std::int64_t n = std::stoll(digits);
  switch (unit) {
    case 'd':
      return n * 86'400'000;
    case 'h':
      return n * 3'600'000;
    case 'm':
      return n * 60'000;
    default:
      return std::nullopt;
  }
}

std::optional<AdminAnswer> read_ledger_query(
    std::string_view query, std::initializer_list<std::pair<std::string_view, std::string*>> slots,
    std::vector<std::pair<stores::SpendBy, std::string>>& where, boost::json::object& filters,
    std::string_view path, std::string_view takes) {
  // (A query that is absent may be a null view, which parse_query cannot take.)
  auto params = boost::urls::parse_query(query.empty() ? std::string_view("") : query);
  if (!params) return fail(Error::invalid("The query string is not valid URL encoding."));
  std::vector<std::string> seen;
  for (const auto& p : boost::urls::params_view(*params)) {
    // Given twice, one value would be dropped without a word: which one the client meant is
    // not ours to guess.
    if (std::find(seen.begin(), seen.end(), p.key) != seen.end())
      return fail(Error::invalid(
          "Query parameter '" + p.key.substr(0, 64) + "' is given more than once.", p.key));
    seen.push_back(p.key);
    std::string* slot = nullptr;
    for (const auto& [name, into] : slots) {
      if (p.key == name) slot = into;
    }
    if (slot != nullptr) {
      *slot = p.value;
    } else if (auto column = stores::spend_by_named(p.key);
               column && *column != stores::SpendBy::kDay) {
      where.emplace_back(*column, p.value);
      filters[p.key] = p.value;
    } else {
      return fail(Error::invalid("Unknown query parameter '" + p.key + "': " + std::string(path) +
                                     " takes " + std::string(takes) +
                                     ", and key, team, user, endpoint, model, provider or "
                                     "workspace to filter.",
                                 p.key));
    }
  }
  return std::nullopt;
}

std::optional<AdminAnswer> read_time_window(const std::string& since, const std::string& until,
                                            std::string_view default_since, std::int64_t& since_out,
                                            std::int64_t& until_out) {
  const std::int64_t now = now_ms();
  const auto from = since_ms(since.empty() ? default_since : std::string_view(since), now);
  if (!from)
    return fail(Error::invalid("'since' must look like 7d, 24h, 30m or 2026-11-01.", "since"));
  since_out = *from;
  until_out = now + 1;
  if (!until.empty()) {
    const auto to = since_ms(until, now);
    if (!to)
      return fail(Error::invalid("'until' must look like 7d, 24h, 30m or 2026-11-01.", "until"));
    until_out = *to;
  }
  return std::nullopt;
}

std::string csv_field(std::string_view v) {
  if (v.find_first_of(",\"\n\r") == std::string_view::npos) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string money(double v) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.8f", v);
  return buf;
}

Result<json::object> parse_body(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body.empty() ? std::string_view("{}") : body, ec);
  if (ec || !v.is_object()) return Error::invalid("The request body must be a JSON object.");
  return std::move(v.get_object());
}

config::KeySpec const* config_key(const config::Snapshot& s, std::string_view id) {
  for (const auto& k : s.governance.keys) {
    if (k->id == id) return k.get();
  }
  return nullptr;
}

AdminAnswer need_store(Runtime& runtime) {
  if (runtime.store() != nullptr) return {};
  return fail(Error::make(ErrorCode::kServiceUnavailable,
                          "No key store: set auth.mode: keys, budgets, stores.sqlite or "
                          "stores.postgres to keep keys, budgets and spend."));
}

std::vector<std::shared_ptr<const config::KeySpec>> all_keys(Runtime& runtime,
                                                             const config::Snapshot& snapshot) {
  std::vector<std::shared_ptr<const config::KeySpec>> keys = snapshot.governance.keys;
  for (auto& k : runtime.store_keys()) keys.push_back(std::move(k));
  return keys;
}

}  // namespace sluice::admin
