#pragma once
// The SQLite schema as numbered steps (migrations/sqlite/NNN_*.sql, linked into the binary).
// A database records the steps it has had in schema_migrations; opening it applies the rest.

#include <span>
#include <string_view>

namespace sluice::stores::sqlite {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

std::span<const Migration> migrations();

}  // namespace sluice::stores::sqlite
