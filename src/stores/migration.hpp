#pragma once
// A schema as numbered steps (migrations/<store>/NNN_*.sql, linked into the binary). A database
// records the steps it has had in schema_migrations; opening it applies the rest.

#include <string_view>

namespace sluice::stores {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

}  // namespace sluice::stores
