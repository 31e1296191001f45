#pragma once
// Lower-case hex and SHA-256, shared by key hashing, SigV4 signing and the ledger's batch digests.

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::util {

std::string hex_lower(const unsigned char* data, std::size_t n);
std::string sha256_hex(std::string_view data);

}  // namespace sluice::util
