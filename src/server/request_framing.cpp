#include "server/request_framing.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/beast/http/rfc7230.hpp>

namespace sluice::server {
namespace http = boost::beast::http;

namespace {

Error bad(std::string message) { return Error::invalid(std::move(message)); }

}  // namespace

std::string_view absolute_form_authority(std::string_view target) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        boost::beast::iequals(target.substr(0, scheme.size()), scheme)) {
      const std::string_view rest = target.substr(scheme.size());
      return rest.substr(0, rest.find_first_of("/?"));
    }
  }
  return {};
}

std::string origin_form(std::string_view target) {
  if (target.starts_with("/")) return std::string(target);
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() >= scheme.size() &&
        boost::beast::iequals(target.substr(0, scheme.size()), scheme)) {
      std::string_view rest = target.substr(scheme.size());
      const std::size_t path = rest.find_first_of("/?");
      if (path == 0 || rest.empty()) return {};  // no authority
      if (path == std::string_view::npos) return "/";
      std::string out = rest[path] == '?' ? "/" : "";
      out.append(rest.substr(path));
      return out;
    }
  }
  return {};
}

std::optional<Error> check_request_head(const http::request_header<>& head,
                                        std::size_t max_fields) {
  std::size_t fields = 0;
  std::size_t hosts = 0;
  std::size_t codings = 0;
  bool chunked_seen = false;
  bool chunked_last = false;
  bool other_coding = false;
  for (const auto& field : head) {
    ++fields;
    if (field.name() == http::field::host) ++hosts;
    if (field.name() != http::field::transfer_encoding) continue;
    // The codings of every Transfer-Encoding line, in order, form one list (RFC 9110 §5.3).
    for (const auto& coding : http::token_list(field.value())) {
      ++codings;
      const bool chunked = boost::beast::iequals(coding, "chunked");
      if (chunked && chunked_seen) return bad("Transfer-Encoding names chunked more than once.");
      chunked_seen = chunked_seen || chunked;
      chunked_last = chunked;
      other_coding = other_coding || !chunked;
    }
  }
  if (fields > max_fields) {
    return Error::make(ErrorCode::kHeadersTooLarge,
                       "Request has more header fields than the gateway accepts (" +
                           std::to_string(max_fields) + ").");
  }
  const bool has_te = head.find(http::field::transfer_encoding) != head.end();
  if (has_te) {
    if (head.version() < 11) return bad("Transfer-Encoding is not allowed in HTTP/1.0.");
    if (codings == 0) return bad("Transfer-Encoding is empty.");
    if (!chunked_last) {
      return bad("Transfer-Encoding must end in chunked; the request's length is unknown.");
    }
    if (other_coding) {
      return Error::make(ErrorCode::kNotImplemented,
                         "Transfer-Encoding other than chunked is not supported.");
    }
    if (head.find(http::field::content_length) != head.end())
      return bad("A request must not have both Transfer-Encoding and Content-Length.");
  }
  if (head.version() >= 11 && hosts != 1) {
    return bad(hosts == 0 ? "HTTP/1.1 request without a Host header."
                          : "Request has more than one Host header.");
  }
  if (hosts > 1) return bad("Request has more than one Host header.");
  const std::string_view target = head.target();
  if (target != "*" && origin_form(target).empty()) {
    return bad("Malformed request target.");
  }
  return std::nullopt;
}

}  // namespace sluice::server
