#pragma once
// External checks (config::ExternalCheck, `type: http`): the request body each shape takes, the
// answer each gives read into findings, and the call itself through the worker's upstream client
// (its pool, TLS and deadlines).

#include <boost/asio/awaitable.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "config/guardrails.hpp"
#include "model/error.hpp"
#include "policies/guardrails/stream_scan.hpp"
#include "upstream/client.hpp"

namespace sluice::policies::external {

// The JSON body sent for `text`.
std::string request_body(const config::ExternalCheck& check, std::string_view text);

// What the service found in `text`, read from its answer: one Hit per category flagged
// (moderation, webhook; offsets 0) or per entity (presidio; byte offsets into `text`, converted
// from its code points, overlaps dropped). Labels are interned (label()). An answer of the wrong
// shape is an error naming what is wrong (never quoting the answer).
Result<std::vector<Hit>> read_answer(const config::ExternalCheck& check, std::string_view body,
                                     std::string_view text);

// A label from outside (a category, an entity type) made safe for logs, metrics and
// placeholders: capitals for presidio types, otherwise as given; at most 24 characters of
// letters, digits, '_', '-', '/', '.'. Interned for the process (the first 256 distinct; later
// ones read "other"), so the view stays valid.
std::string_view label(std::string_view raw, bool upper);

// Asks the service about `text`. An error when it cannot be reached in time, answers other than
// 2xx, or answers something unreadable.
boost::asio::awaitable<Result<std::vector<Hit>>> check(upstream::Client& client,
                                                       const config::GuardrailSpec& guardrail,
                                                       std::string text);

}  // namespace sluice::policies::external
