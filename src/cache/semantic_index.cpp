#include "cache/semantic_index.hpp"

#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <cmath>

namespace sluice::cache {

namespace {
constexpr std::size_t kInitialCapacity = 64;
constexpr std::size_t kCandidates = 16;  // nearest points looked at for one of the same context
}  // namespace

struct SemanticIndex::Index {
  explicit Index(std::size_t dim) : dimension(dim), space(dim), graph(&space, kInitialCapacity) {}
  struct Slot {
    std::string context;
    std::string entry_key;
  };
  std::size_t dimension;
  std::shared_mutex lock;
  hnswlib::InnerProductSpace space;
  hnswlib::HierarchicalNSW<float> graph;
  std::vector<Slot> slots;  // by label
  std::size_t next = 0;     // the label the next point takes (a ring over max_entries)
  std::size_t dim() const { return dimension; }
};

SemanticIndex::SemanticIndex() = default;
SemanticIndex::~SemanticIndex() = default;

bool SemanticIndex::normalize(std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  if (!(sum > 0) || !std::isfinite(sum)) return false;
  const auto scale = static_cast<float>(1.0 / std::sqrt(sum));
  for (float& x : v) x *= scale;
  return true;
}

std::shared_ptr<SemanticIndex::Index> SemanticIndex::find(const std::string& name) const {
  std::lock_guard lock(mutex_);
  auto it = indexes_.find(name);
  return it == indexes_.end() ? nullptr : it->second;
}

std::optional<SemanticIndex::Match> SemanticIndex::nearest(const std::string& name,
                                                           std::string_view context,
                                                           const std::vector<float>& unit,
                                                           double threshold) {
  auto index = find(name);
  if (!index) return std::nullopt;
  std::shared_lock lock(index->lock);
  if (index->dim() != unit.size() || index->slots.empty()) return std::nullopt;
  auto found = index->graph.searchKnn(unit.data(), std::min(kCandidates, index->slots.size()));
  std::optional<Match> best;
  while (!found.empty()) {  // farthest first
    const auto [distance, label] = found.top();
    found.pop();
    const double similarity = 1.0 - static_cast<double>(distance);
    const auto& slot = index->slots[label];
    if (similarity >= threshold && slot.context == context &&
        (!best || similarity >= best->similarity))
      best = Match{slot.entry_key, similarity};
  }
  return best;
}

void SemanticIndex::add(const std::string& name, std::string_view context,
                        const std::vector<float>& unit, const std::string& entry_key,
                        std::size_t max_entries) {
  std::shared_ptr<Index> index;
  {
    std::lock_guard lock(mutex_);
    auto& held = indexes_[name];
    if (!held || held->dim() != unit.size()) {
      if (held) total_ -= held->slots.size();
      held = std::make_shared<Index>(unit.size());
    }
    index = held;
  }
  std::unique_lock lock(index->lock);
  if (index->dim() != unit.size()) return;  // replaced meanwhile by another dimension
  const std::size_t label = index->next;
  const bool grows = label >= index->slots.size();
  if (grows) {
    std::lock_guard count(mutex_);
    if (total_ >= kMaxTotalEntries) return;  // full everywhere: this one is not indexed
    ++total_;
  }
  if (grows && label >= index->graph.max_elements_)
    index->graph.resizeIndex(std::min(std::max<std::size_t>(label * 2, kInitialCapacity),
                                      std::max(max_entries, label + 1)));
  // An existing label is replaced in place (hnswlib updates the point): the oldest goes.
  index->graph.addPoint(unit.data(), label);
  if (grows) index->slots.emplace_back();
  index->slots[label] = Index::Slot{std::string(context), entry_key};
  index->next = label + 1 >= max_entries ? 0 : label + 1;
}

std::string SemanticIndex::index_name(std::string_view endpoint, std::string_view scope) {
  std::string name(endpoint);
  name += '\x1f';  // names and scopes hold no control characters
  name += scope;
  return name;
}

std::size_t SemanticIndex::clear(std::string_view endpoint, std::string_view scope) {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto it = indexes_.begin(); it != indexes_.end();) {
    const std::string_view name = it->first;
    const auto sep = name.find('\x1f');
    if ((endpoint.empty() || name.substr(0, sep) == endpoint) &&
        (scope.empty() || name.substr(sep + 1) == scope)) {
      n += it->second->slots.size();
      it = indexes_.erase(it);
    } else {
      ++it;
    }
  }
  total_ -= n;
  return n;
}

std::size_t SemanticIndex::entries() const {
  std::lock_guard lock(mutex_);
  return total_;
}

}  // namespace sluice::cache
