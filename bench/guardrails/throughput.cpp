// The built-in detectors' cost on one core: prompts of 4 KB and 100 KB made from the labelled
// set's texts (tests/fixtures/guardrails/pii.jsonl, mixing entities, look-alikes and plain
// text), each scanned (Detector::scan, every entity) and masked (guardrails::mask) `rounds` times.
// Prints µs per prompt and MB/s. bench/guardrails/run.sh runs it pinned to one core.
//   sluice_guardrails_bench FIXTURE [ROUNDS]

#include <boost/json/parse.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "guardrails/detector.hpp"
#include "guardrails/masking.hpp"

namespace {

// Prompts of about `size` bytes: the set's texts one after another, wrapping around.
std::vector<std::string> prompts(const std::vector<std::string>& texts, std::size_t size,
                                 std::size_t count) {
  std::vector<std::string> out;
  std::size_t next = 0;
  for (std::size_t i = 0; i < count; ++i) {
    std::string p;
    while (p.size() < size) {
      p += texts[next++ % texts.size()];
      p += "\n";
    }
    out.push_back(std::move(p));
  }
  return out;
}

template <typename Work>
void measure(const char* what, const std::vector<std::string>& docs, int rounds, Work work) {
  std::size_t bytes = 0, found = 0;
  const auto start = std::chrono::steady_clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const auto& d : docs) {
      found += work(d);
      bytes += d.size();
    }
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const double per = s * 1e6 / static_cast<double>(docs.size() * static_cast<std::size_t>(rounds));
  std::printf("%-26s %10.1f µs a prompt %9.1f MB/s  (%zu found)\n", what, per,
              static_cast<double>(bytes) / s / 1e6, found);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s FIXTURE [ROUNDS]\n", argv[0]);
    return 2;
  }
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 20;
  std::ifstream in(argv[1]);
  std::vector<std::string> texts;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty())
      texts.emplace_back(boost::json::parse(line).as_object().at("text").as_string());
  }
  const sluice::guardrails::Detector all;
  const sluice::guardrails::Detector email_only({sluice::guardrails::Entity::kEmailAddress});
  for (const auto& [size, count] : {std::pair<std::size_t, std::size_t>{4096, 200},
                                    std::pair<std::size_t, std::size_t>{100 * 1024, 8}}) {
    const auto docs = prompts(texts, size, count);
    const std::string label = std::to_string(size / 1024) + " KB";
    measure((label + " scan, all").c_str(), docs, rounds,
            [&](const std::string& d) { return all.scan(d).size(); });
    measure((label + " scan, email only").c_str(), docs, rounds,
            [&](const std::string& d) { return email_only.scan(d).size(); });
    measure((label + " mask, all").c_str(), docs, rounds, [&](const std::string& d) {
      sluice::guardrails::MaskTable table;
      return sluice::guardrails::mask(all, d, table).size() > 0 ? table.size() : 0;
    });
  }
  // Plain prose with nothing to find: the one RE2::Set pass alone.
  std::vector<std::string> plain;
  for (const auto& t : texts) {
    if (all.scan(t).empty()) plain.push_back(t);
  }
  const auto plain_docs = prompts(plain, 4096, 200);
  measure("4 KB plain, scan all", plain_docs, rounds,
          [&](const std::string& d) { return all.scan(d).size(); });
  // Each entity's share, on the same plain text.
  for (std::size_t e = 0; e < sluice::guardrails::kEntityCount; ++e) {
    const auto entity = static_cast<sluice::guardrails::Entity>(e);
    const sluice::guardrails::Detector one({entity});
    const std::string label = "  plain, " + std::string(sluice::guardrails::entity_name(entity));
    measure(label.c_str(), plain_docs, rounds,
            [&](const std::string& d) { return one.scan(d).size(); });
  }
  return 0;
}
