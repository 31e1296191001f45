#pragma once
// The request as limits and budgets see it: its key's id, team and user, its endpoint and
// provider (views into the key and the snapshot, which outlive the request).

#include "governance/scope.hpp"
#include "pipeline/request_context.hpp"

namespace sluice::policies {

inline governance::Subject subject_of(const pipeline::RequestContext& ctx) {
  governance::Subject s;
  if (ctx.key) {
    s.key_id = ctx.key->id;
    s.team = ctx.key->team;
    s.user = ctx.key->user;
  }
  s.workspace = ctx.workspace;
  if (ctx.endpoint != nullptr) {
    s.endpoint = ctx.endpoint->name;
    s.provider = ctx.endpoint->provider;
  }
  return s;
}

}  // namespace sluice::policies
