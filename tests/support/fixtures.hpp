#pragma once
// Reads recorded wire fixtures under tests/fixtures/.

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace sluice::testing {

inline std::filesystem::path fixtures_dir() { return SLUICE_FIXTURES_DIR; }

inline std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read fixture " + path.string());
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

inline boost::json::value read_json(const std::filesystem::path& path) {
  return boost::json::parse(read_text(path));
}

// Case folders of one provider, sorted, e.g. fixtures/openai/chat_basic.
inline std::vector<std::filesystem::path> cases(const std::string& provider) {
  std::vector<std::filesystem::path> out;
  for (const auto& entry : std::filesystem::directory_iterator(fixtures_dir() / provider)) {
    if (entry.is_directory()) out.push_back(entry.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The `data:` payloads of an SSE text.
inline std::vector<std::string> sse_data(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind("data: ", 0) == 0) out.push_back(line.substr(6));
  }
  return out;
}

}  // namespace sluice::testing
