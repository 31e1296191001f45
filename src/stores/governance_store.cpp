#include "stores/governance_store.hpp"

namespace sluice::stores {

std::optional<SpendBy> spend_by_named(std::string_view name) {
  if (name == "key") return SpendBy::kKey;
  if (name == "team") return SpendBy::kTeam;
  if (name == "user") return SpendBy::kUser;
  if (name == "endpoint") return SpendBy::kEndpoint;
  if (name == "model") return SpendBy::kModel;
  if (name == "provider") return SpendBy::kProvider;
  if (name == "day") return SpendBy::kDay;
  return std::nullopt;
}

std::string_view ledger_column(SpendBy by) {
  switch (by) {
    case SpendBy::kKey:
      return "key_id";
    case SpendBy::kTeam:
      return "team";
    case SpendBy::kUser:
      return "user_name";
    case SpendBy::kEndpoint:
      return "endpoint";
    case SpendBy::kModel:
      return "model";
    case SpendBy::kProvider:
      return "provider";
    case SpendBy::kDay:
      break;
  }
  return {};
}

}  // namespace sluice::stores
