#pragma once
// The tables the build generates from js-tiktoken (scripts/tokenizer/build_tables.mjs) and links
// into the binary (embedded_data.s.in), so the tokenizer needs no data files at run time.

#include <span>
#include <string_view>

namespace sluice::tokenizer::embedded {

// <encoding>.ranks for "o200k_base", "cl100k_base", "p50k_base", "r50k_base"; empty otherwise.
std::span<const unsigned char> ranks(std::string_view encoding);
std::span<const unsigned char> unicode_classes();

}  // namespace sluice::tokenizer::embedded
