#pragma once
// What the built-in detectors find: structured personal data and secrets, named as Microsoft
// Presidio names its predefined entities (https://microsoft.github.io/presidio/supported_entities/)
// where it has one (EMAIL_ADDRESS, PHONE_NUMBER, CREDIT_CARD, IBAN_CODE, US_SSN, IP_ADDRESS, URL),
// and in the same style for the secrets Presidio does not cover (API_KEY, PRIVATE_KEY, JWT).
// docs/guardrails.md lists what each one matches and how it is validated.

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::guardrails {

enum class Entity : std::uint8_t {
  kEmailAddress,
  kPhoneNumber,
  kCreditCard,
  kIbanCode,
  kUsSsn,
  kIpAddress,
  kUrl,
  kApiKey,
  kPrivateKey,
  kJwt,
};
inline constexpr std::size_t kEntityCount = 10;

// "EMAIL_ADDRESS", ...; entity_named is its inverse (nullopt for an unknown name).
std::string_view entity_name(Entity entity);
std::optional<Entity> entity_named(std::string_view name);

// Personal data (the `pii` guardrail's default set) or a secret (the `secrets` one's).
bool is_secret(Entity entity);

}  // namespace sluice::guardrails
