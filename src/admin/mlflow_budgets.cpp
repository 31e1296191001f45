// MLflow 3's gateway budget policies (/api/3.0/mlflow/gateway/budgets/…, docs/mlflow-compat.md)
// as sluice's store budgets (/admin/budgets): a GatewayBudgetPolicy is a budget in USD per
// calendar day or month (UTC) on everything (GLOBAL), each workspace or one (WORKSPACE), an
// endpoint (ENDPOINT, by its MLflow endpoint id) or a user (USER); REJECT refuses what does not
// fit (429), ALERT only watches and sends budget.exceeded to the `alerts:` webhooks (the payload
// MLflow's budget_policy.exceeded webhook carries).
#include <boost/json.hpp>
#include <charconv>

#include "admin/control_plane.hpp"
#include "admin/scope.hpp"
#include "admin/support.hpp"
#include "config/mlflow_objects.hpp"
#include "governance/spend_view.hpp"
#include "stores/key_json.hpp"
#include "util/key_secret.hpp"

namespace sluice::admin {

namespace json = boost::json;
namespace mlf = config::mlflow;
using config::BudgetSpec;
using config::Scope;
using governance::Runtime;

namespace {

AdminAnswer invalid(std::string message) {
  return mlflow_error(Error::invalid(std::move(message)));
}

std::string text_of(const json::object& o, std::string_view key) {
  const auto* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The MLflow endpoint (of the caller's) whose name or id is `value`, as {id, name}.
std::optional<std::pair<std::string, std::string>> mlflow_endpoint(
    const AdminRequest& req, const config::StoredConfig& stored, std::string_view id,
    std::string_view name) {
  for (const auto& o : stored.objects) {
    if (o.kind != mlf::kEndpointKind || !manages(req, o.workspace)) continue;
    boost::system::error_code ec;
    const json::value body = json::parse(o.body, ec);
    if (ec || !body.is_object()) continue;
    const std::string n = text_of(body.get_object(), "name");
    if ((!id.empty() && o.name == id) || (!name.empty() && n == name)) return std::pair{o.name, n};
  }
  return std::nullopt;
}

class Budgets {
 public:
  Budgets(const AdminRequest& req, Runtime& runtime, const config::Snapshot& snapshot)
      : req_(req), runtime_(runtime), snapshot_(snapshot) {
    if (runtime.control() != nullptr) stored_ = runtime.control()->load_control();
  }

  AdminAnswer route(std::string_view verb) {
    const std::string_view m = req_.method;
    if (verb == "create" && m == "POST") return put(nullptr);
    if (verb == "get" && m == "GET") return get();
    if (verb == "list" && m == "GET") return list();
    if (verb == "windows" && m == "GET") return windows();
    if (verb == "update" && (m == "POST" || m == "PATCH")) return update();
    if (verb == "delete" && m == "DELETE") return remove();
    if (verb == "create" || verb == "get" || verb == "list" || verb == "windows" ||
        verb == "update" || verb == "delete")
      return mlflow_error(Error::make(ErrorCode::kMethodNotAllowed,
                                      "Method " + std::string(m.substr(0, 16)) +
                                          " is not allowed on " + std::string(req_.path) + "."));
    return mlflow_error(Error::make(ErrorCode::kNotFound, "No such MLflow gateway resource."));
  }

 private:
  // The budget as a GatewayBudgetPolicy, or nullopt for one MLflow's fields cannot say (tokens,
  // clamp or fallback, key/team/provider scopes: see /admin/budgets).
  std::optional<json::object> policy_json(const BudgetSpec& b) const {
    if (!b.usd || b.tokens != 0) return std::nullopt;
    if (b.on_exceed != config::OnExceed::kRefuse && b.on_exceed != config::OnExceed::kAlert)
      return std::nullopt;
    std::string scope, target;
    switch (b.scope) {
      case Scope::kGlobal:
        scope = "GLOBAL";
        break;
      case Scope::kWorkspace:
        scope = "WORKSPACE";
        break;
      case Scope::kEndpoint: {
        scope = "ENDPOINT";
        auto e = mlflow_endpoint(req_, stored_, "", b.match);
        target = e ? e->first : b.match;  // (an endpoint of sluice's own: its name)
        break;
      }
      case Scope::kUser:
        scope = "USER";
        target = b.match;
        break;
      default:
        return std::nullopt;
    }
    json::object o{
        {"budget_policy_id", b.id},
        {"budget_unit", "USD"},
        {"budget_amount", *b.usd},
        {"duration",
         json::object{{"unit", b.per == config::Period::kMonth ? "MONTHS" : "DAYS"}, {"value", 1}}},
        {"target_scope", scope},
        {"budget_action", b.on_exceed == config::OnExceed::kAlert ? "ALERT" : "REJECT"},
        {"created_at", b.created_at * 1000},
        {"last_updated_at", b.created_at * 1000}};
    if (!target.empty()) o["target_value"] = target;
    return o;
  }

  // The caller's store budgets, each with its policy.
  std::vector<std::pair<BudgetSpec, json::object>> policies() const {
    std::vector<std::pair<BudgetSpec, json::object>> out;
    for (const auto& b : *runtime_.store_budgets()) {
      if (!sees_budget(req_, runtime_, snapshot_, b.scope, b.match)) continue;
      if (auto p = policy_json(b)) out.emplace_back(b, std::move(*p));
    }
    return out;
  }

  Result<json::object> body(std::initializer_list<std::string_view> known) const {
    auto b = parse_body(req_.body);
    if (!b) return b.error();
    if (req_.method == "DELETE" && b->empty() && !req_.query.empty()) {
      const std::string_view id = util::query_value(req_.query, "budget_policy_id");
      (*b)["budget_policy_id"] = id;
    }
    for (const auto& [k, v] : *b) {
      if (std::find(known.begin(), known.end(), std::string_view(k)) == known.end())
        return Error::invalid("Unknown field '" + shown(k) + "'.");
    }
    return b;
  }

  // MLflow's fields onto `b`: those given replace (create: amount, duration, scope and action are
  // required).
  std::optional<AdminAnswer> apply(const json::object& in, BudgetSpec& b, bool creating) const {
    if (const auto* u = in.if_contains("budget_unit"); u != nullptr && !u->is_null()) {
      if (!u->is_string() || u->get_string() != "USD") return invalid("'budget_unit' must be USD.");
    }
    if (const auto* a = in.if_contains("budget_amount"); a != nullptr && !a->is_null()) {
      if (!a->is_number() || !(a->to_number<double>() > 0) || a->to_number<double>() > 1e12)
        return invalid("'budget_amount' must be a number of USD above 0.");
      b.usd = a->to_number<double>();
    } else if (creating) {
      return invalid("'budget_amount' is required.");
    }
    if (const auto* d = in.if_contains("duration"); d != nullptr && !d->is_null()) {
      if (!d->is_object()) return invalid("'duration' must be {unit, value}.");
      const std::string unit = text_of(d->get_object(), "unit");
      const auto* value = d->get_object().if_contains("value");
      const bool one = value == nullptr || (value->is_int64() && value->get_int64() == 1);
      if (unit == "DAYS" && one) {
        b.per = config::Period::kDay;
      } else if (unit == "MONTHS" && one) {
        b.per = config::Period::kMonth;
      } else {
        return invalid(
            "sluice's budgets are per calendar day or month (UTC): 'duration' must be {unit: "
            "DAYS, value: 1} or {unit: MONTHS, value: 1}.");
      }
    } else if (creating) {
      return invalid("'duration' is required.");
    }
    const auto* scope = in.if_contains("target_scope");
    const auto* target = in.if_contains("target_value");
    if (target != nullptr && !target->is_null() && !target->is_string())
      return invalid("'target_value' must be a string.");
    const std::string value = target != nullptr && target->is_string()
                                  ? std::string(target->get_string())
                                  : std::string();
    if (scope != nullptr && !scope->is_null()) {
      const std::string s = scope->is_string() ? std::string(scope->get_string()) : "";
      if (s == "GLOBAL" || s == "WORKSPACE") {
        if (!value.empty()) return invalid("'target_value' is for ENDPOINT and USER scopes only.");
        const Scope next = s == "GLOBAL" ? Scope::kGlobal : Scope::kWorkspace;
        // A workspace admin's WORKSPACE budget is its own workspace's; an update that sends the
        // scope back as it was keeps the workspace the budget counts (shown without a target).
        if (creating || b.scope != next)
          b.match = s == "WORKSPACE" && req_.workspace ? *req_.workspace : "";
        b.scope = next;
      } else if (s == "ENDPOINT") {
        // The MLflow endpoint's id (as shown), or the name of one of sluice's own endpoints.
        auto e = mlflow_endpoint(req_, stored_, value, "");
        if (!e) {
          const config::Endpoint* own = snapshot_.find(value);
          if (own != nullptr && sees(req_, own->workspace)) e = std::pair{value, value};
        }
        if (!e)
          return mlflow_error(
              Error::make(ErrorCode::kNotFound, "No endpoint with id '" + shown(value) + "'."));
        // Budgets count the endpoint that served a request: an MLflow endpoint of several
        // models is a route over one endpoint per model, which a budget on its name never sees.
        if (snapshot_.find(e->second) == nullptr)
          return invalid("Endpoint '" + e->second +
                         "' serves several models (a route over ENDPOINT.MODEL endpoints): an "
                         "ENDPOINT budget counts one endpoint of one model; budget its models "
                         "through /admin/budgets, or use GLOBAL, WORKSPACE or USER.");
        b.scope = Scope::kEndpoint;
        b.match = e->second;
      } else if (s == "USER") {
        if (value.empty() || value.size() > 256)
          return invalid("'target_value' (the user name) is required for USER scope.");
        b.scope = Scope::kUser;
        b.match = value;
      } else {
        return invalid("'target_scope' must be GLOBAL, WORKSPACE, ENDPOINT or USER.");
      }
    } else if (creating) {
      return invalid("'target_scope' is required.");
    } else if (target != nullptr) {
      return invalid("'target_value' is given without 'target_scope'.");
    }
    if (const auto* a = in.if_contains("budget_action"); a != nullptr && !a->is_null()) {
      const std::string action = a->is_string() ? std::string(a->get_string()) : "";
      if (action == "REJECT") {
        b.on_exceed = config::OnExceed::kRefuse;
      } else if (action == "ALERT") {
        b.on_exceed = config::OnExceed::kAlert;
      } else {
        return invalid("'budget_action' must be ALERT or REJECT.");
      }
    } else if (creating) {
      return invalid("'budget_action' is required.");
    }
    // MLflow alerts when a budget is exceeded, not before (an update keeps what the budget had).
    if (creating) b.alert_at = 1;
    if (!sees_budget(req_, runtime_, snapshot_, b.scope, b.match))
      return mlflow_error(
          admin_key_only("A budget wider than workspace '" + req_.workspace.value_or("") + "'"));
    return std::nullopt;
  }

  std::string workspace_of(const BudgetSpec& b) const {
    if (req_.workspace) return *req_.workspace;
    return b.scope == Scope::kWorkspace ? b.match : "";
  }

  AdminAnswer put(const BudgetSpec* existing) {
    auto in = existing != nullptr
                  ? body({"budget_policy_id", "budget_unit", "budget_amount", "duration",
                          "target_scope", "budget_action", "updated_by", "target_value"})
                  : body({"budget_unit", "budget_amount", "duration", "target_scope",
                          "budget_action", "created_by", "target_value"});
    if (!in) return mlflow_error(in.error());
    BudgetSpec b = existing != nullptr ? *existing : BudgetSpec{};
    if (auto a = apply(*in, b, existing == nullptr)) return *a;
    if (existing == nullptr) {
      b.id = util::new_budget_id();
      b.created_at = now_ms() / 1000;
      runtime_.store()->insert_budget(b);
    } else {
      runtime_.store()->update_budget(b);
    }
    runtime_.reload();
    record_change(
        req_, runtime_, existing != nullptr ? "update" : "create", "budget", b.id, workspace_of(b),
        existing != nullptr ? json::parse(stores::budget_to_json(*existing)) : json::value(nullptr),
        json::parse(stores::budget_to_json(b)));
    auto shown_policy = policy_json(b);
    return json_answer(
        200, json::object{{"budget_policy", shown_policy ? *shown_policy : json::object{}}});
  }

  const BudgetSpec* find(std::string_view id,
                         std::vector<std::pair<BudgetSpec, json::object>>& all) const {
    for (const auto& [b, p] : all) {
      if (b.id == id) return &b;
    }
    return nullptr;
  }

  AdminAnswer get() {
    const std::string_view id = util::query_value(req_.query, "budget_policy_id");
    for (const auto& [b, p] : policies()) {
      if (b.id == id) return json_answer(200, json::object{{"budget_policy", p}});
    }
    return mlflow_error(Error::make(ErrorCode::kNotFound, "No such budget policy."));
  }

  AdminAnswer list() {
    auto all = policies();
    std::size_t max = 1000, start = 0;
    for (auto [key, slot] : {std::pair{std::string_view("max_results"), &max},
                             std::pair{std::string_view("page_token"), &start}}) {
      const std::string_view v = util::query_value(req_.query, key);
      if (v.empty()) continue;
      std::size_t n = 0;
      const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc{} || end != v.data() + v.size() || (key == "max_results" && n == 0))
        return invalid(std::string(1, '\'').append(key).append("' must be a whole number."));
      *slot = key == "max_results" ? std::min<std::size_t>(n, 1000) : n;
    }
    json::array out;
    for (std::size_t i = start; i < all.size() && out.size() < max; ++i)
      out.emplace_back(std::move(all[i].second));
    json::object answer{{"budget_policies", std::move(out)}};
    if (start + max < all.size()) answer["next_page_token"] = std::to_string(start + max);
    return json_answer(200, answer);
  }

  // ListGatewayBudgetWindows: each policy's current window and what has been spent in it (for
  // a budget on each workspace, the caller's).
  AdminAnswer windows() {
    const std::int64_t now = now_ms();
    json::array out;
    for (const auto& [b, p] : policies()) {
      const bool monthly = b.per == config::Period::kMonth;
      const std::int64_t start = monthly ? governance::month_start_ms(now) : now - now % 86'400'000;
      const std::int64_t end =
          monthly ? governance::month_start_ms(start + 32LL * 86'400'000) : start + 86'400'000;
      const std::string subject =
          b.scope == Scope::kWorkspace && b.match.empty() ? req_.workspace.value_or("") : b.match;
      out.emplace_back(
          json::object{{"budget_policy_id", b.id},
                       {"window_start_ms", start},
                       {"window_end_ms", end},
                       {"current_spend", runtime_.spend().spent(b.scope, subject, b.per, now)}});
    }
    return json_answer(200, json::object{{"windows", std::move(out)}});
  }

  AdminAnswer update() {
    auto in = parse_body(req_.body);
    if (!in) return mlflow_error(in.error());
    auto all = policies();
    const BudgetSpec* found = find(text_of(*in, "budget_policy_id"), all);
    if (found == nullptr)
      return mlflow_error(Error::make(ErrorCode::kNotFound, "No such budget policy."));
    return put(found);
  }

  AdminAnswer remove() {
    auto in = body({"budget_policy_id"});
    if (!in) return mlflow_error(in.error());
    auto all = policies();
    const BudgetSpec* found = find(text_of(*in, "budget_policy_id"), all);
    if (found == nullptr)
      return mlflow_error(Error::make(ErrorCode::kNotFound, "No such budget policy."));
    runtime_.store()->delete_budget(found->id);
    runtime_.reload();
    record_change(req_, runtime_, "delete", "budget", found->id, workspace_of(*found),
                  json::parse(stores::budget_to_json(*found)), nullptr);
    return json_answer(200, json::object{});
  }

  const AdminRequest& req_;
  Runtime& runtime_;
  const config::Snapshot& snapshot_;
  config::StoredConfig stored_;
};

}  // namespace

AdminAnswer mlflow_budgets(const AdminRequest& req, std::string_view verb, Runtime& runtime,
                           const config::Snapshot& snapshot) {
  if (auto a = need_store(runtime); a.error) return mlflow_error(*a.error);
  return Budgets(req, runtime, snapshot).route(verb);
}

}  // namespace sluice::admin
