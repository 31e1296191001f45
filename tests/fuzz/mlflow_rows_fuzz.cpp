// MLflow 3 gateway rows (src/config/mlflow_objects.hpp expand): the bodies the management API
// kept, read back at every load. A row the API wrote may meet a newer or older gateway, a hand
// edit of the database or a half-applied change, so any bytes must expand without an exception:
// each MLflow endpoint either becomes endpoint/route objects whose bodies are JSON objects named
// as expand() promises, or one problem line in the loader's words.
//
// Input: records separated by '\x1e'; each is "<kind letter><id>\x1f<body>" with kind s (secret),
// d (model definition) or e (endpoint).
#include <string>

#include "config/mlflow_objects.hpp"
#include "fuzz_support.hpp"

namespace {

using namespace sluice;

config::StoredConfig rows_of(std::string_view in) {
  config::StoredConfig stored;
  while (!in.empty() && stored.objects.size() < 64) {
    const auto end = in.find('\x1e');
    std::string_view record = in.substr(0, end);
    in = end == std::string_view::npos ? std::string_view() : in.substr(end + 1);
    if (record.empty()) continue;
    std::string_view kind;
    switch (record.front()) {
      case 's':
        kind = config::mlflow::kSecretKind;
        break;
      case 'd':
        kind = config::mlflow::kModelKind;
        break;
      case 'e':
        kind = config::mlflow::kEndpointKind;
        break;
      default:
        continue;
    }
    record.remove_prefix(1);
    const auto sep = record.find('\x1f');
    const std::string_view id = record.substr(0, sep);
    const std::string_view body =
        sep == std::string_view::npos ? std::string_view() : record.substr(sep + 1);
    stored.objects.push_back(
        {std::string(kind), std::string(id), id.size() % 2 ? "ws" : "", std::string(body), 1, 2});
  }
  return stored;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const config::StoredConfig stored = rows_of(fuzz::as_text(data, size));
  fuzz::no_throw("config::mlflow expand", [&] {
    const auto x = config::mlflow::expand(stored);
    for (const auto& p : x.problems)
      SLUICE_FUZZ_CHECK(p.starts_with("stored mlflow_endpoint '"), "a problem names its row: " + p);
    for (const auto& o : x.objects) {
      SLUICE_FUZZ_CHECK(o.kind == "endpoint" || o.kind == "route", "kind " + o.kind);
      boost::system::error_code ec;
      const auto body = boost::json::parse(o.body, ec);
      SLUICE_FUZZ_CHECK(!ec && body.is_object(), "an expanded body is a JSON object");
      const auto* name = body.as_object().if_contains("name");
      SLUICE_FUZZ_CHECK(name != nullptr && name->is_string() && name->as_string() == o.name,
                        "an expanded body carries its name");
    }
  });
  return 0;
}
