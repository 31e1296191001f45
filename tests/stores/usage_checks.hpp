#pragma once
// What every GovernanceStore's usage() must answer (stores/governance_store.hpp), run against each
// store's tests: buckets aligned to the epoch, one row per (bucket, group) in that order, errors
// counted from the status, token and money sums, and the cumulative latency histogram — records
// without a latency (written before it was kept) counted in requests but not in `timed`.
#include <gtest/gtest.h>

#include <map>

#include "stores/governance_store.hpp"

namespace sluice::stores {

inline LedgerEntry usage_entry(std::int64_t ts_ms, std::string endpoint, unsigned status,
                               double latency_ms) {
  LedgerEntry e;
  e.ts_ms = ts_ms;
  e.request_id = "req_usage_" + std::to_string(ts_ms);
  e.key_id = "key_a";
  e.endpoint = std::move(endpoint);
  e.provider = "openai";
  e.model = "gpt-4o";
  e.status = status;
  e.prompt_tokens = 10;
  e.completion_tokens = 4;
  e.cached_tokens = 2;
  e.reasoning_tokens = 1;
  e.cost_usd = 0.25;
  e.saved_usd = 0.125;
  e.latency_ms = latency_ms;
  return e;
}

// `hour` is the start of an hour, in ms; `legacy_row` writes one record without a latency (in
// the hour's first bucket, endpoint "chat") in the store's own SQL.
template <class LegacyRow>
void check_usage(GovernanceStore& store, std::int64_t hour, LegacyRow&& legacy_row) {
  const std::int64_t h = 3'600'000;
  std::vector<LedgerEntry> batch = {
      usage_entry(hour + 1, "chat", 200, 8),      // ≤ 10
      usage_entry(hour + 2, "chat", 200, 40),     // ≤ 50
      usage_entry(hour + 3, "chat", 502, 400),    // ≤ 500, an error
      usage_entry(hour + 4, "embed", 200, 3),     // another group
      usage_entry(hour + h + 5, "chat", 429, 20)  // the next hour
  };
  // Two streamed: a time to first token (the others have none: NULL in the store).
  batch[1].ttft_ms = 30;  // ≤ 50
  batch[2].ttft_ms = 7;   // ≤ 10
  store.append(batch);
  legacy_row();

  UsageQuery q;
  q.by = SpendBy::kEndpoint;
  q.since_ms = hour;
  q.until_ms = hour + 2 * h;
  q.bucket_ms = h;
  const auto rows = store.usage(q);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].bucket_start_ms, hour);
  EXPECT_EQ(rows[0].group, "chat");
  EXPECT_EQ(rows[0].requests, 4u) << "the record without a latency counts as a request";
  EXPECT_EQ(rows[0].errors, 1u);
  EXPECT_EQ(rows[0].prompt_tokens, 40u);
  EXPECT_EQ(rows[0].completion_tokens, 16u);
  EXPECT_EQ(rows[0].cached_tokens, 8u);
  EXPECT_EQ(rows[0].reasoning_tokens, 4u);
  EXPECT_DOUBLE_EQ(rows[0].cost_usd, 1.0);
  EXPECT_DOUBLE_EQ(rows[0].saved_usd, 0.5);
  EXPECT_EQ(rows[0].timed, 3u);
  // Bounds 5, 10, 25, 50, 100, 250, 500, …: cumulative counts.
  EXPECT_EQ(rows[0].at_most[0], 0u);
  EXPECT_EQ(rows[0].at_most[1], 1u);
  EXPECT_EQ(rows[0].at_most[3], 2u);
  EXPECT_EQ(rows[0].at_most[5], 2u);
  EXPECT_EQ(rows[0].at_most[6], 3u);
  EXPECT_EQ(rows[0].at_most.back(), 3u);
  EXPECT_EQ(rows[0].first_token_timed, 2u) << "only streamed records have a time to first token";
  EXPECT_EQ(rows[0].first_token_at_most[0], 0u);
  EXPECT_EQ(rows[0].first_token_at_most[1], 1u);
  EXPECT_EQ(rows[0].first_token_at_most[3], 2u);
  EXPECT_EQ(rows[0].first_token_at_most.back(), 2u);
  EXPECT_EQ(rows[1].bucket_start_ms, hour);
  EXPECT_EQ(rows[1].first_token_timed, 0u);
  EXPECT_EQ(rows[1].group, "embed");
  EXPECT_EQ(rows[1].at_most[0], 1u);
  EXPECT_EQ(rows[2].bucket_start_ms, hour + h);
  EXPECT_EQ(rows[2].errors, 1u);

  // No `by`: one series; a filter and a shorter range narrow it.
  q.by.reset();
  q.where = {{SpendBy::kEndpoint, "chat"}};
  q.until_ms = hour + h;
  const auto chat = store.usage(q);
  ASSERT_EQ(chat.size(), 1u);
  EXPECT_EQ(chat[0].group, "");
  EXPECT_EQ(chat[0].requests, 4u);
  q.where = {{SpendBy::kEndpoint, "chat' OR '1'='1"}};
  EXPECT_TRUE(store.usage(q).empty());
}

// The ledger keeps each row's workspace: spend groups and filters by it, and the per-day totals
// the budget view is rebuilt from carry it (scope: workspace budgets after a restart).
inline void check_ledger_workspace(GovernanceStore& store, std::int64_t day_ms) {
  std::vector<LedgerEntry> batch = {usage_entry(day_ms + 1, "chat", 200, 5),
                                    usage_entry(day_ms + 2, "chat", 200, 5),
                                    usage_entry(day_ms + 3, "chat", 200, 5)};
  batch[0].workspace = "team-a";
  batch[1].workspace = "team-a";
  batch[0].request_id = "req_ws_1";
  batch[1].request_id = "req_ws_2";
  batch[2].request_id = "req_ws_3";
  store.append(batch);
  SpendQuery q;
  q.by = SpendBy::kWorkspace;
  q.since_ms = day_ms;
  q.until_ms = day_ms + 1000;
  const auto rows = store.spend(q);
  ASSERT_EQ(rows.size(), 2u);
  std::map<std::string, std::uint64_t> requests;
  for (const auto& r : rows) requests[r.group] = r.requests;
  EXPECT_EQ(requests["team-a"], 2u);
  EXPECT_EQ(requests[""], 1u);
  q.by = SpendBy::kKey;
  q.where = {{SpendBy::kWorkspace, "team-a"}};
  const auto filtered = store.spend(q);
  ASSERT_EQ(filtered.size(), 1u);
  EXPECT_EQ(filtered[0].requests, 2u);
  double team_usd = 0;
  for (const auto& t : store.totals_since(day_ms)) {
    if (t.workspace == "team-a") team_usd += t.cost_usd;
  }
  EXPECT_DOUBLE_EQ(team_usd, 0.5);
}

}  // namespace sluice::stores
