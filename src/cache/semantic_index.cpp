#include "cache/semantic_index.hpp"

#include <algorithm>
#include <cmath>

namespace sluice::cache {

struct SemanticIndex::Index {
  explicit Index(std::size_t dim) : dimension(dim) {}
  struct Slot {
    std::string context;
    std::string entry_key;
    std::vector<float> unit;
  };
  std::size_t dimension;
  std::shared_mutex lock;
  std::vector<Slot> slots;  // a ring over max_entries
  std::size_t next = 0;     // the slot the next point takes
  std::size_t points = 0;   // slots.size(), readable under the map's mutex alone
  std::size_t bytes = 0;    // slot_bytes of every slot (under the map's mutex)
  std::size_t dim() const { return dimension; }
};

namespace {

std::size_t slot_bytes(std::size_t context, std::size_t entry_key, std::size_t dimension) {
  return sizeof(std::string) * 2 + sizeof(std::vector<float>) + context + entry_key +
         dimension * sizeof(float);
}

}  // namespace

SemanticIndex::SemanticIndex(std::size_t max_bytes) : max_bytes_(max_bytes) {}
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
  if (index->dim() != unit.size()) return std::nullopt;
  // Only points of the same context can answer, and a context holds few: an exact scan over
  // them (unit vectors, so the dot product is the cosine).
  std::optional<Match> best;
  for (const auto& slot : index->slots) {
    if (slot.context != context) continue;
    double dot = 0;
    for (std::size_t i = 0; i < unit.size(); ++i)
      dot += static_cast<double>(slot.unit[i]) * unit[i];
    if (dot >= threshold && (!best || dot > best->similarity)) best = Match{slot.entry_key, dot};
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
      if (held) {
        total_ -= held->points;
        total_bytes_ -= held->bytes;
      }
      held = std::make_shared<Index>(unit.size());
    }
    index = held;
  }
  std::unique_lock lock(index->lock);
  if (index->dim() != unit.size()) return;  // replaced meanwhile by another dimension
  std::size_t at = index->next;
  const std::size_t size = slot_bytes(context.size(), entry_key.size(), unit.size());
  {
    std::lock_guard count(mutex_);
    // (An index cleared meanwhile is no longer in the map: what it gains is not counted.)
    const bool counted = indexes_.contains(name) && indexes_.at(name) == index;
    auto replaced_at = [&](std::size_t slot) {
      return slot < index->slots.size()
                 ? slot_bytes(index->slots[slot].context.size(),
                              index->slots[slot].entry_key.size(), index->dimension)
                 : 0;
    };
    // Full everywhere: a ring that would grow replaces its own oldest point instead (the ring
    // closes early), so every index keeps learning; one with no points yet gets none.
    if (counted && at >= index->slots.size() && total_bytes_ + size > max_bytes_) {
      if (index->slots.empty()) return;
      at = 0;
    }
    const std::size_t replaced = replaced_at(at);
    if (counted && total_bytes_ - replaced + size > max_bytes_) return;
    if (counted) {
      total_bytes_ = total_bytes_ - replaced + size;
      if (at >= index->slots.size()) ++total_;
    }
    index->bytes = index->bytes - replaced + size;
    if (at >= index->slots.size()) ++index->points;
  }
  if (at >= index->slots.size()) index->slots.emplace_back();
  // An existing slot is replaced in place: the oldest goes.
  index->slots[at] = Index::Slot{std::string(context), entry_key, unit};
  index->next = at + 1 >= std::min(max_entries, index->slots.size() + 1) ? 0 : at + 1;
}

std::string SemanticIndex::index_name(std::string_view endpoint, std::string_view scope) {
  std::string name(endpoint);
  name += '\x1f';  // names and scopes hold no control characters
  name += scope;
  return name;
}

std::size_t SemanticIndex::clear(std::string_view endpoint, std::string_view scope,
                                 bool scope_prefix) {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (auto it = indexes_.begin(); it != indexes_.end();) {
    const std::string_view name = it->first;
    const auto sep = name.find('\x1f');
    if ((endpoint.empty() || name.substr(0, sep) == endpoint) &&
        (scope.empty() || (scope_prefix ? name.substr(sep + 1).starts_with(scope)
                                        : name.substr(sep + 1) == scope))) {
      n += it->second->points;
      total_bytes_ -= it->second->bytes;
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

std::size_t SemanticIndex::bytes() const {
  std::lock_guard lock(mutex_);
  return total_bytes_;
}

void SemanticIndex::set_max_bytes(std::size_t max_bytes) {
  std::lock_guard lock(mutex_);
  max_bytes_ = max_bytes;
}

}  // namespace sluice::cache
