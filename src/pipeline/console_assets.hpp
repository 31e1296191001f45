#pragma once
// The web console's files (ui/, built by Vite and embedded by scripts/ui/embed.mjs at build time):
// served under /ui/ by the handler (console_paths.cpp). Empty when the console was not built.

#include <cstddef>
#include <string_view>

namespace sluice::pipeline {

struct ConsoleAsset {
  std::string_view path;  // "/ui/index.html", "/ui/assets/index-<hash>.js"
  std::string_view content_type;
  const unsigned char* data;
  std::size_t size;
  bool immutable;  // named by its content's hash: cached for a year
};

// The generated table (one last empty row) and the number of files in it.
extern const ConsoleAsset kConsoleAssets[];
extern const std::size_t kConsoleAssetCount;

// The file served for `path`, or nullptr.
inline const ConsoleAsset* find_console_asset(std::string_view path) {
  for (std::size_t i = 0; i < kConsoleAssetCount; ++i) {
    if (kConsoleAssets[i].path == path) return &kConsoleAssets[i];
  }
  return nullptr;
}

}  // namespace sluice::pipeline
