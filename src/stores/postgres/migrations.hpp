#pragma once
// The PostgreSQL schema steps (migrations/postgres/).

#include <span>

#include "stores/migration.hpp"

namespace sluice::stores::postgres {

std::span<const Migration> migrations();

}  // namespace sluice::stores::postgres
