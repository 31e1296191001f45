#pragma once
// The SQLite schema steps (migrations/sqlite/).

#include <span>

#include "stores/migration.hpp"

namespace sluice::stores::sqlite {

std::span<const Migration> migrations();

}  // namespace sluice::stores::sqlite
