#pragma once
// What every ResponseStore must do (stores/response_store.hpp), run against each store's tests.
#include <gtest/gtest.h>

#include "stores/response_store.hpp"

namespace sluice::stores {

inline StoredResponse stored_response(std::string id, std::int64_t created, std::int64_t ttl) {
  return StoredResponse{std::move(id),
                        "key_a",
                        "claude",
                        created,
                        created + ttl,
                        R"([{"role":"user","content":"ü"}])",
                        R"({"id":"x","object":"response"})"};
}

// Round trip, replace, expiry (never read after expires_at, removed by the next write), delete.
inline void check_response_store(ResponseStore& store) {
  store.put_response(stored_response("resp_1", 1000, 100), 1000);
  auto got = store.get_response("resp_1", 1050);
  ASSERT_TRUE(got);
  EXPECT_EQ(got->owner, "key_a");
  EXPECT_EQ(got->endpoint, "claude");
  EXPECT_EQ(got->created_at, 1000);
  EXPECT_EQ(got->expires_at, 1100);
  EXPECT_EQ(got->conversation, R"([{"role":"user","content":"ü"}])");
  EXPECT_EQ(got->response, R"({"id":"x","object":"response"})");
  EXPECT_FALSE(store.get_response("resp_2", 1050));
  EXPECT_FALSE(store.get_response("resp_1", 1100));  // expired at 1100

  StoredResponse replaced = stored_response("resp_1", 1000, 500);
  replaced.response = R"({"id":"y"})";
  store.put_response(replaced, 1000);
  ASSERT_TRUE(store.get_response("resp_1", 1200));
  EXPECT_EQ(store.get_response("resp_1", 1200)->response, R"({"id":"y"})");

  // A write at 2000 removes resp_1 (expired at 1500) for good.
  store.put_response(stored_response("resp_3", 2000, 100), 2000);
  EXPECT_FALSE(store.get_response("resp_1", 0));
  ASSERT_TRUE(store.get_response("resp_3", 2000));

  EXPECT_TRUE(store.delete_response("resp_3"));
  EXPECT_FALSE(store.delete_response("resp_3"));
  EXPECT_FALSE(store.get_response("resp_3", 2000));
}

}  // namespace sluice::stores
