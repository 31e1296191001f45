#include "guardrails/entity.hpp"

#include <array>

namespace sluice::guardrails {
namespace {

constexpr std::array<std::string_view, kEntityCount> kNames{
    "EMAIL_ADDRESS", "PHONE_NUMBER", "CREDIT_CARD", "IBAN_CODE",   "US_SSN",
    "IP_ADDRESS",    "URL",          "API_KEY",     "PRIVATE_KEY", "JWT"};

}  // namespace

std::string_view entity_name(Entity entity) { return kNames.at(static_cast<std::size_t>(entity)); }

std::optional<Entity> entity_named(std::string_view name) {
  for (std::size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<Entity>(i);
  }
  return std::nullopt;
}

bool is_secret(Entity entity) {
  return entity == Entity::kApiKey || entity == Entity::kPrivateKey || entity == Entity::kJwt;
}

}  // namespace sluice::guardrails
