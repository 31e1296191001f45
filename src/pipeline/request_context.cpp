#include "pipeline/request_context.hpp"

#include <memory>
#include <vector>

namespace sluice::pipeline {
namespace {

constexpr std::size_t kMaxFreeBlocks = 64;  // bounds the memory kept after a burst (1 MiB)

struct FreeList {
  std::vector<unsigned char*> blocks;
  ~FreeList() {
    for (auto* b : blocks) ::operator delete (b, std::align_val_t{alignof(std::max_align_t)});
  }
};

FreeList& free_list() {
  thread_local FreeList list;
  return list;
}

}  // namespace

ArenaBlock::ArenaBlock() {
  auto& list = free_list().blocks;
  if (list.empty()) {
    data_ = static_cast<unsigned char*>(
        ::operator new (kSize, std::align_val_t{alignof(std::max_align_t)}));
  } else {
    data_ = list.back();
    list.pop_back();
  }
}

ArenaBlock::~ArenaBlock() {
  auto& list = free_list().blocks;
  if (list.size() < kMaxFreeBlocks) {
    list.push_back(data_);
  } else {
    ::operator delete (data_, std::align_val_t{alignof(std::max_align_t)});
  }
}

}  // namespace sluice::pipeline
