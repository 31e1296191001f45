#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace sluice::cli {

struct ServeOptions {
  std::string config;
  std::optional<std::string> host;
  std::optional<std::uint16_t> port;
  std::optional<unsigned> workers;
};

int serve(const ServeOptions& options);
int check_config(const std::string& path);
int version();

}  // namespace sluice::cli
