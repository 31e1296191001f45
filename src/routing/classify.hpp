#pragma once
// Sorting a failed attempt: which outcome it counts as, and whether it was a prompt too long for
// the model (which may go to a destination with a larger context window).

#include "model/error.hpp"
#include "routing/health/target_health.hpp"

namespace sluice::routing {

AttemptOutcome outcome_of(const Error& error);
bool is_context_length_error(const Error& error);

}  // namespace sluice::routing
