#include "tokenizer/embedded.hpp"

// Symbols defined by the generated assembly file (.incbin of each table).
extern "C" {
extern const unsigned char sluice_tk_o200k_base_begin[], sluice_tk_o200k_base_end[];
extern const unsigned char sluice_tk_cl100k_base_begin[], sluice_tk_cl100k_base_end[];
extern const unsigned char sluice_tk_p50k_base_begin[], sluice_tk_p50k_base_end[];
extern const unsigned char sluice_tk_r50k_base_begin[], sluice_tk_r50k_base_end[];
extern const unsigned char sluice_tk_unicode_classes_begin[], sluice_tk_unicode_classes_end[];
}

namespace sluice::tokenizer::embedded {

namespace {

std::span<const unsigned char> between(const unsigned char* begin, const unsigned char* end) {
  return {begin, static_cast<std::size_t>(end - begin)};
}

}  // namespace

std::span<const unsigned char> ranks(std::string_view encoding) {
  if (encoding == "o200k_base")
    return between(sluice_tk_o200k_base_begin, sluice_tk_o200k_base_end);
  if (encoding == "cl100k_base")
    return between(sluice_tk_cl100k_base_begin, sluice_tk_cl100k_base_end);
  if (encoding == "p50k_base") return between(sluice_tk_p50k_base_begin, sluice_tk_p50k_base_end);
  if (encoding == "r50k_base") return between(sluice_tk_r50k_base_begin, sluice_tk_r50k_base_end);
  return {};
}

std::span<const unsigned char> unicode_classes() {
  return between(sluice_tk_unicode_classes_begin, sluice_tk_unicode_classes_end);
}

}  // namespace sluice::tokenizer::embedded
