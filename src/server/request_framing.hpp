#pragma once
// What a request head must satisfy before its body is read, beyond what Beast's parser checks:
// the message framing rules of RFC 9112 that keep two parties from reading one byte stream as
// different requests (request smuggling), and the header-field count.

#include <boost/beast/http/message.hpp>
#include <optional>
#include <string>

#include "model/error.hpp"

namespace sluice::server {

// nullopt when the head may be served; otherwise the error to answer with, after which the
// connection must be closed (its framing cannot be trusted). Checks:
// - Transfer-Encoding (RFC 9112 §6.1, §6.3): only `chunked` is understood, once and last
//   (anything else → 501 for an unknown coding, 400 when chunked is not last or repeated); not
//   in HTTP/1.0; never together with Content-Length (400).
// - Host (RFC 9112 §3.2): exactly one in HTTP/1.1, at most one in HTTP/1.0 (400).
// - Request target (RFC 9112 §3.2): origin form, absolute form (http/https) or `*` (400).
// - At most `max_fields` header fields (431).
std::optional<Error> check_request_head(const boost::beast::http::request_header<>& head,
                                        std::size_t max_fields);

// The origin form ("/path?query") of a request target: the absolute form
// ("http://host/path?query", RFC 9112 §3.2.2) loses its scheme and authority; "" for a target
// that is neither.
std::string origin_form(std::string_view target);
// The authority ("host:port") of an absolute-form target, "" for any other: RFC 9112 §3.2.2 has
// the server use it instead of the Host header field.
std::string_view absolute_form_authority(std::string_view target);

}  // namespace sluice::server
