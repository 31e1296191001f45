#pragma once
// What every GovernanceStore's payload log must do (stores/governance_store.hpp), run against
// each store's tests: records round-trip whole (NULLs for what was not captured, ttft absent),
// the list is newest first without payloads and honours each filter and the limit, the newest of
// a repeated request id is the one read, and pruning deletes by time.
#include <gtest/gtest.h>

#include "stores/governance_store.hpp"

namespace sluice::stores {

inline RequestRecord request_record(std::int64_t ts_ms, std::string id, std::string endpoint,
                                    unsigned status) {
  RequestRecord r;
  r.ts_ms = ts_ms;
  r.request_id = std::move(id);
  r.api = "openai";
  r.method = "POST";
  r.path = "/v1/chat/completions";
  r.endpoint = std::move(endpoint);
  r.provider = "openai";
  r.model = "gpt-4o";
  r.key_id = "key_a";
  r.team = "web";
  r.status = status;
  r.stream = true;
  r.latency_ms = 12.5;
  r.ttft_ms = 3.25;
  r.prompt_tokens = 11;
  r.completion_tokens = 7;
  r.cost_usd = 0.001;
  r.attempts = R"([{"destination":"chat","status":200,"ms":12,"outcome":"success"}])";
  r.prompt = R"([{"role":"user","content":"ü \"quoted\""}])";
  r.answer = "an answer";
  return r;
}

inline void check_request_log(GovernanceStore& store) {
  std::vector<RequestRecord> batch = {request_record(1000, "req_1", "chat", 200),
                                      request_record(2000, "req_2", "embed", 500),
                                      request_record(3000, "req_1", "chat", 200)};
  batch[1].prompt.reset();
  batch[1].answer.reset();
  batch[1].ttft_ms = -1;
  batch[1].stream = false;
  batch[2].answer = "the retry's answer";
  // Every column distinct somewhere, so a swapped column shows.
  batch[2].truncated = true;
  batch[2].cache_hit = true;
  batch[2].error = "an error";
  batch[2].guardrails = R"([{"name":"pii"}])";
  batch[2].trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
  batch[2].user = "ann";
  batch[2].route = "main";
  batch[2].cost_usd = 0.5;
  batch[2].workspace = "team-a";
  store.append_requests(batch);

  RequestQuery q;
  q.since_ms = 0;
  q.until_ms = 10'000;
  auto all = store.find_requests(q);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].ts_ms, 3000);  // newest first
  EXPECT_FALSE(all[0].prompt) << "the list leaves payloads out";
  EXPECT_EQ(all[1].request_id, "req_2");
  EXPECT_EQ(all[1].ttft_ms, -1);
  q.endpoint = "chat";
  EXPECT_EQ(store.find_requests(q).size(), 2u);
  q.endpoint.clear();
  q.status = 500;
  EXPECT_EQ(store.find_requests(q).size(), 1u);
  q.status.reset();
  q.key_id = "key_a";
  EXPECT_EQ(store.find_requests(q).size(), 3u);
  q.key_id = "key_b";
  EXPECT_TRUE(store.find_requests(q).empty());
  q.key_id = "key_a' OR '1'='1";
  EXPECT_TRUE(store.find_requests(q).empty());
  q.key_id.clear();
  q.workspace = "team-a";
  ASSERT_EQ(store.find_requests(q).size(), 1u);
  EXPECT_EQ(store.find_requests(q)[0].workspace, "team-a");
  q.workspace = "";  // the default workspace
  EXPECT_EQ(store.find_requests(q).size(), 2u);
  q.workspace.reset();
  q.limit = 1;
  EXPECT_EQ(store.find_requests(q).size(), 1u);
  q.limit = 100;
  q.since_ms = 1500;
  EXPECT_EQ(store.find_requests(q).size(), 2u);

  auto one = store.request("req_1");
  ASSERT_TRUE(one);
  EXPECT_EQ(one->ts_ms, 3000) << "the newest of a repeated id";
  EXPECT_EQ(*one->answer, "the retry's answer");
  EXPECT_EQ(*one->prompt, R"([{"role":"user","content":"ü \"quoted\""}])");
  EXPECT_EQ(one->attempts, batch[2].attempts);
  EXPECT_TRUE(one->stream);
  EXPECT_DOUBLE_EQ(one->ttft_ms, 3.25);
  EXPECT_DOUBLE_EQ(one->latency_ms, 12.5);
  EXPECT_EQ(one->completion_tokens, 7u);
  EXPECT_EQ(one->team, "web");
  EXPECT_TRUE(one->truncated);
  EXPECT_TRUE(one->cache_hit);
  EXPECT_EQ(one->error, "an error");
  EXPECT_EQ(one->guardrails, R"([{"name":"pii"}])");
  EXPECT_EQ(one->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(one->user, "ann");
  EXPECT_EQ(one->route, "main");
  EXPECT_DOUBLE_EQ(one->cost_usd, 0.5);
  EXPECT_EQ(one->workspace, "team-a");
  EXPECT_EQ(one->api, "openai");
  EXPECT_EQ(one->method, "POST");
  EXPECT_EQ(one->path, "/v1/chat/completions");
  EXPECT_EQ(one->provider, "openai");
  EXPECT_EQ(one->model, "gpt-4o");
  EXPECT_EQ(one->status, 200u);
  EXPECT_EQ(one->prompt_tokens, 11u);
  // The same id in two workspaces: each workspace reads its own.
  auto theirs = store.request("req_1", std::string("team-a"));
  ASSERT_TRUE(theirs);
  EXPECT_EQ(theirs->ts_ms, 3000);
  auto ours = store.request("req_1", std::string(""));
  ASSERT_TRUE(ours);
  EXPECT_EQ(ours->ts_ms, 1000);
  EXPECT_FALSE(store.request("req_2", std::string("team-a")));
  auto bare = store.request("req_2");
  ASSERT_TRUE(bare);
  EXPECT_FALSE(bare->prompt);
  EXPECT_FALSE(bare->answer);
  EXPECT_FALSE(bare->truncated);
  EXPECT_FALSE(bare->cache_hit);
  EXPECT_FALSE(bare->stream);
  EXPECT_EQ(bare->status, 500u);
  EXPECT_EQ(bare->endpoint, "embed");
  EXPECT_FALSE(store.request("req_3"));

  EXPECT_EQ(store.prune_requests(2500), 2u);
  q.since_ms = 0;
  EXPECT_EQ(store.find_requests(q).size(), 1u);
}

}  // namespace sluice::stores
