#pragma once
// A few connections to one server, opened when first needed and shared by the threads that call
// the store (the blocking pool's admin calls, the key watcher). A caller that finds all of them
// busy waits for one instead of opening more: the server's connection limit is shared by every
// replica.

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "stores/postgres/pg_connection.hpp"

namespace sluice::stores::postgres {

class Pool {
 public:
  Pool(std::string url, std::size_t size) : url_(std::move(url)), size_(size) {}

  // A connection for one unit of work, given back when the lease ends.
  class Lease {
   public:
    Lease(Pool& pool, std::unique_ptr<Connection> c) : pool_(pool), c_(std::move(c)) {}
    ~Lease() { pool_.give_back(std::move(c_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Connection& operator*() { return *c_; }
    Connection* operator->() { return c_.get(); }

   private:
    Pool& pool_;
    std::unique_ptr<Connection> c_;
  };

  Lease acquire();

 private:
  void give_back(std::unique_ptr<Connection> c);

  const std::string url_;
  const std::size_t size_;
  std::mutex mutex_;
  std::condition_variable returned_;
  std::vector<std::unique_ptr<Connection>> idle_;
  std::size_t open_ = 0;
};

}  // namespace sluice::stores::postgres
