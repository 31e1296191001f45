#pragma once
#include <string>
#include <string_view>

namespace sluice::util {

// A new random request id ("req_" + 24 hex digits); cheap, thread-safe, not a secret.
std::string new_request_id();

// A client's x-request-id is kept only if it is short printable ASCII, so it can be echoed in
// headers and logs without injection.
bool is_acceptable_request_id(std::string_view id);

}  // namespace sluice::util
