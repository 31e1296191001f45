// /ui: the web console (docs/console.md). Its files, embedded at build time
// (pipeline/console_assets.hpp), and its sign-in:
//   POST   /ui/api/session  {"key": …}  → 200 {role, workspace, key_id, csrf_token, expires_at_ms}
//                                         with Set-Cookie: sluice_session=…; HttpOnly;
//                                         SameSite=Strict; Path=/; Max-Age=…
//   GET    /ui/api/session              → the same, or 401
//   DELETE /ui/api/session              → 200, the cookie cleared (needs X-CSRF-Token)
// The admin API takes the session cookie in place of a bearer key (admin_paths.cpp), with the
// session's CSRF token in X-CSRF-Token on every method but GET.
#include <boost/json.hpp>

#include "admin/console_sessions.hpp"
#include "pipeline/console_assets.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "policies/auth/auth.hpp"
#include "util/constant_time.hpp"
#include "util/digest.hpp"
#include "util/text.hpp"
#include "util/unix_time.hpp"

namespace sluice::pipeline {
namespace asio = boost::asio;
namespace json = boost::json;

namespace {

constexpr std::string_view kCookie = "sluice_session";

// The page's own origin only: no script, style, image or connection elsewhere (Vite's build has
// no inline script; uPlot's styles are in the bundle's CSS).
constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' "
    "data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

constexpr std::string_view kNotBuilt =
    "<!doctype html><html lang=en><meta charset=utf-8><title>sluice console</title>"
    "<p>The console was not built into this binary: build sluice with Node.js and the packages "
    "of <code>ui/</code> installed (<code>make build</code> does both).</p></html>";

// `keys_required`: whether the gateway checks keys on requests (auth.mode: keys), so the console
// can say that keys made or revoked without it change nothing on requests.
json::object session_json(const admin::ConsoleSession& s, bool keys_required) {
  return {{"object", "session"},
          {"keys_required", keys_required},
          {"role", admin::role_name(s.role)},
          {"workspace", s.workspace},
          {"key_id", s.key_id},
          {"csrf_token", s.csrf},
          {"expires_at_ms", std::min(s.last_used_ms + admin::ConsoleSessions::kIdleMs,
                                     s.created_ms + admin::ConsoleSessions::kMaxAgeMs)}};
}

// `secure`: the browser reached the gateway over HTTPS (a proxy in front says so with
// X-Forwarded-Proto), so the cookie is never sent over plain HTTP.
std::string set_cookie(std::string_view value, std::int64_t max_age_s, bool secure = false) {
  return std::string(kCookie) + "=" + std::string(value) +
         "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" + std::to_string(max_age_s) +
         (secure ? "; Secure" : "");
}

// Content-Type application/json, any case, parameters ignored (RFC 9110 §8.3.1).
bool json_media_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) type.remove_suffix(1);
  return util::ascii_iequals(type, "application/json");
}

// A JSON answer of the session API, never cached, with the cookie when there is one.
asio::awaitable<void> reply(Handler::Call& call, unsigned status, json::object body,
                            std::string cookie) {
  HeaderList headers = response_headers(call.ctx, nullptr, Body::kJson);
  headers.emplace_back("Cache-Control", "no-store");
  if (!cookie.empty()) headers.emplace_back("Set-Cookie", std::move(cookie));
  call.answer.status = status;
  call.answer.client_gone =
      !co_await call.out.send(status, std::move(headers), json::serialize(body));
}

}  // namespace

bool same_origin_request(const HttpRequest& http) {
  // Two of either header: not a browser's request, and not one to guess about.
  if (http.header_list("sec-fetch-site").find(',') != std::string::npos ||
      http.header_list("origin").find(',') != std::string::npos)
    return false;
  // Fetch Metadata (sent by every current browser): "none" is the user's own navigation.
  const std::string_view site = http.header("sec-fetch-site");
  if (!site.empty() && site != "same-origin" && site != "none") return false;
  // And the Origin, when there is one, names this host (both must agree).
  const std::string_view origin = http.header("origin");
  if (origin.empty()) return true;
  // RFC 6454 §7: scheme://host[:port]; the Host header is host[:port] (RFC 9110 §7.2). The
  // scheme is not compared: behind a TLS proxy the gateway cannot know its own.
  const auto scheme_end = origin.find("://");
  if (scheme_end == std::string_view::npos) return false;  // "null" and the like
  const std::string_view host = http.header("host");
  const std::string_view given = origin.substr(scheme_end + 3);
  return !host.empty() && util::ascii_iequals(given, host);
}

std::optional<LiveSession> live_console_session(const HttpRequest& http,
                                                admin::ConsoleSessions* sessions,
                                                const governance::Runtime& runtime,
                                                const config::Snapshot& snapshot) {
  if (sessions == nullptr || http.header("cookie").empty() || !same_origin_request(http))
    return std::nullopt;
  auto s = sessions->use(admin::cookie_value(http.header("cookie"), kCookie), util::unix_now_ms());
  if (!s) return std::nullopt;
  if (s->role == admin::ConsoleSession::Role::kAdmin) {
    if (snapshot.admin_key.empty() ||
        !util::constant_time_equal(util::sha256_hex(snapshot.admin_key), s->key_hash)) {
      sessions->end(s->id);
      return std::nullopt;
    }
    return LiveSession{std::move(*s), nullptr};
  }
  auto key = runtime.store_key(s->key_id);
  if (key == nullptr) {
    for (const auto& k : snapshot.governance.keys) {
      if (k->id == s->key_id) key = k;
    }
  }
  if (key == nullptr || policies::unusable(*key) ||
      !util::constant_time_equal(key->hash, s->key_hash) || key->workspace != s->workspace ||
      (s->role == admin::ConsoleSession::Role::kWorkspaceAdmin && !key->admin)) {
    sessions->end(s->id);
    return std::nullopt;
  }
  const std::string* host = snapshot.server.host_workspace(http.header("host"));
  if (host != nullptr && *host != key->workspace) return std::nullopt;
  return LiveSession{std::move(*s), std::move(key)};
}

std::shared_ptr<const config::KeySpec> console_session_key(const HttpRequest& http,
                                                           admin::ConsoleSessions* sessions,
                                                           const governance::Runtime& runtime,
                                                           const config::Snapshot& snapshot) {
  if (!http.header("authorization").empty() || !http.header("x-api-key").empty()) return nullptr;
  auto live = live_console_session(http, sessions, runtime, snapshot);
  return live ? live->key : nullptr;
}

asio::awaitable<void> Handler::console_session(Call& call) {
  if (env_.sessions == nullptr) {
    co_await not_found(call);
    co_return;
  }
  admin::ConsoleSessions& sessions = *env_.sessions;
  const std::string_view method = call.http.method;
  if (method == "GET") {
    auto s = live_console_session(call.http, &sessions, env_.governance, *call.ctx.snapshot);
    if (!s) {
      {
        const Error error = Error::make(ErrorCode::kUnauthorized, "Not signed in.");

        co_await send_error(call, error);
      }
      co_return;
    }
    co_await reply(call, 200, session_json(s->session, call.ctx.snapshot->governance.keys_required),
                   "");
    co_return;
  }
  if (method == "DELETE") {
    auto s =
        sessions.use(admin::cookie_value(call.http.header("cookie"), kCookie), util::unix_now_ms());
    // A cross-site page cannot read the token: signing someone out needs it too.
    if (s && util::constant_time_equal(call.http.header("x-csrf-token"), s->csrf))
      sessions.end(s->id);
    else if (s) {
      {
        const Error error = Error::make(ErrorCode::kForbidden, "X-CSRF-Token is missing or wrong.");

        co_await send_error(call, error);
      }
      co_return;
    }
    json::object gone{{"object", "session"}, {"deleted", true}};
    co_await reply(call, 200, std::move(gone), set_cookie("", 0));
    co_return;
  }
  if (method != "POST") {
    call.match.allow = "GET, POST, DELETE";
    co_await method_not_allowed(call);
    co_return;
  }
  // Sign-in CSRF: a page of another site could otherwise post a form (text/plain bodies can be
  // made to parse as JSON) and sign the browser in as the attacker.
  if (!same_origin_request(call.http)) {
    const Error error = Error::make(ErrorCode::kForbidden, "Sign in from the console's own page.");
    co_await send_error(call, error);
    co_return;
  }
  if (!json_media_type(call.http.header("content-type"))) {
    const Error error = Error::make(ErrorCode::kUnsupportedMediaType,
                                    "Send the key as JSON (Content-Type: application/json).");
    co_await send_error(call, error);
    co_return;
  }
  boost::system::error_code ec;
  const json::value body = json::parse(call.http.body, ec);
  const auto* k = !ec && body.is_object() ? body.get_object().if_contains("key") : nullptr;
  if (k == nullptr || !k->is_string() || k->get_string().empty() || k->get_string().size() > 512) {
    {
      const Error error = Error::invalid(
          "Send {\"key\": \"…\"}: the admin key, a workspace "
          "admin key or a gateway key.",
          "key");

      co_await send_error(call, error);
    }
    co_return;
  }
  const std::string_view given = k->get_string();
  const config::Snapshot& snapshot = *call.ctx.snapshot;
  admin::ConsoleSession::Role role = admin::ConsoleSession::Role::kAdmin;
  std::string key_id, workspace, key_hash;
  if (!snapshot.admin_key.empty() && util::constant_time_equal(given, snapshot.admin_key)) {
    role = admin::ConsoleSession::Role::kAdmin;
    key_hash = util::sha256_hex(snapshot.admin_key);
  } else {
    auto key = env_.governance.find_key(snapshot.governance, given);
    if (key == nullptr) {
      {
        const Error error = Error::make(ErrorCode::kUnauthorized, "That key is not valid here.");

        co_await send_error(call, error);
      }
      co_return;
    }
    if (auto e = policies::unusable(*key)) {
      co_await send_error(call, *e);
      co_return;
    }
    const std::string* host = snapshot.server.host_workspace(call.http.header("host"));
    if (host != nullptr && *host != key->workspace) {
      co_await send_error(call, policies::wrong_host(*host));
      co_return;
    }
    role = key->admin && !key->workspace.empty() ? admin::ConsoleSession::Role::kWorkspaceAdmin
                                                 : admin::ConsoleSession::Role::kDeveloper;
    key_id = key->id;
    workspace = key->workspace;
    key_hash = key->hash;
  }
  // The session the browser had, if any, ends: one browser, one session.
  sessions.end(admin::cookie_value(call.http.header("cookie"), kCookie));
  const admin::ConsoleSession s = sessions.create(role, std::move(key_id), std::move(workspace),
                                                  std::move(key_hash), util::unix_now_ms());
  co_await reply(call, 200, session_json(s, snapshot.governance.keys_required),
                 set_cookie(s.id, admin::ConsoleSessions::kMaxAgeMs / 1000,
                            call.http.header("x-forwarded-proto") == "https"));
}

asio::awaitable<void> Handler::console(Call& call) {
  std::string_view path = call.http.path();
  if (path == "/ui/api/session") {
    co_await console_session(call);
    co_return;
  }
  if (path.starts_with("/ui/api/")) {  // the console's API is the session alone
    co_await not_found(call);
    co_return;
  }
  // (HEAD is answered 405 like on every other path: the server sends bodies as they are, and a
  // HEAD answer must carry the GET's length without its body.)
  if (call.http.method != "GET") {
    call.match.allow = "GET";
    co_await method_not_allowed(call);
    co_return;
  }
  // Every page of the single-page app is index.html; the files are what Vite built.
  if (path == "/ui" || path == "/ui/" || !path.starts_with("/ui/assets/")) path = "/ui/index.html";
  const ConsoleAsset* asset = find_console_asset(path);
  HeaderList headers;
  headers.emplace_back("Content-Security-Policy", std::string(kPolicy));
  headers.emplace_back("X-Content-Type-Options", "nosniff");
  headers.emplace_back("Referrer-Policy", "no-referrer");
  if (asset == nullptr) {
    if (path != "/ui/index.html" || kConsoleAssetCount > 0) {
      co_await not_found(call);
      co_return;
    }
    headers.emplace_back("Content-Type", "text/html; charset=utf-8");
    headers.emplace_back("Cache-Control", "no-store");
    call.answer.status = 200;
    call.answer.client_gone =
        !co_await call.out.send(200, std::move(headers), std::string(kNotBuilt));
    co_return;
  }
  headers.emplace_back("Content-Type", std::string(asset->content_type));
  headers.emplace_back("Cache-Control",
                       asset->immutable ? "public, max-age=31536000, immutable" : "no-cache");
  call.answer.status = 200;
  std::string body(reinterpret_cast<const char*>(asset->data), asset->size);
  call.answer.client_gone = !co_await call.out.send(200, std::move(headers), std::move(body));
}

}  // namespace sluice::pipeline
