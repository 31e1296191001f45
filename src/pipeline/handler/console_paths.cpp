// /ui: the web console (docs/console.md). Its files, embedded at build time
// (pipeline/console_assets.hpp), and its sign-in:
//   POST   /ui/api/session  {"key": …}  → 200 {role, workspace, key_id, csrf_token, expires_at_ms}
//                                         with Set-Cookie: sluice_session=…; HttpOnly;
//                                         SameSite=Strict; Path=/; Max-Age=…
//   GET    /ui/api/session              → the same, or 401
//   DELETE /ui/api/session              → 200, the cookie cleared (needs X-CSRF-Token)
// The admin API takes the session cookie in place of a bearer key (admin_paths.cpp), with the
// session's CSRF token in X-CSRF-Token on every method but GET.
// (Work in progress on the console-wip branch: not compiled yet.)
#include <boost/json.hpp>

#include "admin/console_sessions.hpp"
#include "pipeline/console_assets.hpp"
#include "pipeline/handler/handler.hpp"
#include "pipeline/handler/response_headers.hpp"
#include "policies/auth/auth.hpp"
#include "util/constant_time.hpp"
#include "util/time.hpp"

namespace sluice::pipeline {
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

}  // namespace

asio::awaitable<void> Handler::console(Call& call) {
  std::string_view path = call.http.path();
  if (path == "/ui/api/session") {
    co_await console_session(call);
    co_return;
  }
  if (call.http.method != "GET" && call.http.method != "HEAD") {
    call.match.allow = "GET, HEAD";
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
    call.answer.client_gone = !co_await call.out.send(200, std::move(headers), std::string(kNotBuilt));
    co_return;
  }
  headers.emplace_back("Content-Type", std::string(asset->content_type));
  headers.emplace_back("Cache-Control", asset->immutable ? "public, max-age=31536000, immutable"
                                                         : "no-cache");
  call.answer.status = 200;
  std::string body = call.http.method == "HEAD"
                         ? std::string()
                         : std::string(reinterpret_cast<const char*>(asset->data), asset->size);
  call.answer.client_gone = !co_await call.out.send(200, std::move(headers), std::move(body));
}

}  // namespace sluice::pipeline
