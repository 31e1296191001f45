#include "policies/guardrails/external.hpp"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace sluice::policies::external {
namespace {
namespace json = boost::json;
using Shape = config::ExternalCheck::Shape;

config::ExternalCheck shaped(Shape shape) {
  config::ExternalCheck c;
  c.shape = shape;
  return c;
}

std::vector<std::string> labels(const std::vector<Hit>& hits) {
  std::vector<std::string> out;
  for (const auto& h : hits) out.emplace_back(h.label);
  return out;
}

TEST(ExternalCheck, RequestBodiesInEachShape) {
  auto mod = shaped(Shape::kOpenAiModeration);
  EXPECT_EQ(json::parse(request_body(mod, "hi")), json::parse(R"({"input":"hi"})"));
  mod.model = "omni-moderation-latest";
  EXPECT_EQ(json::parse(request_body(mod, "hi")),
            json::parse(R"({"input":"hi","model":"omni-moderation-latest"})"));
  EXPECT_EQ(json::parse(request_body(shaped(Shape::kWebhook), "a\"b")),
            json::parse(R"({"text":"a\"b"})"));
  auto p = shaped(Shape::kPresidio);
  p.entities = {"PERSON"};
  p.score_threshold = 0.4;
  EXPECT_EQ(
      json::parse(request_body(p, "x")),
      json::parse(R"({"text":"x","language":"en","score_threshold":0.4,"entities":["PERSON"]})"));
}

TEST(ExternalCheck, ModerationFlagsNameTheCategoriesThatAreTrue) {
  const auto c = shaped(Shape::kOpenAiModeration);
  auto r = read_answer(
      c,
      R"({"results":[{"flagged":true,"categories":{"violence":true,"hate":false,"self-harm/intent":true}}]})",
      "t");
  ASSERT_TRUE(r);
  EXPECT_EQ(labels(*r), (std::vector<std::string>{"violence", "self-harm/intent"}));
  r = read_answer(c, R"({"results":[{"flagged":false,"categories":{"violence":true}}]})", "t");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
  r = read_answer(c, R"({"results":[{"flagged":true}]})", "t");
  EXPECT_EQ(labels(*r), (std::vector<std::string>{"flagged"}));
  EXPECT_FALSE(read_answer(c, R"({"results":[{}]})", "t"));
  EXPECT_FALSE(read_answer(c, R"({"result":[]})", "t"));
  EXPECT_FALSE(read_answer(c, "not json", "t"));
}

TEST(ExternalCheck, WebhookTakesAListOrAMapOfCategories) {
  const auto c = shaped(Shape::kWebhook);
  EXPECT_EQ(labels(*read_answer(c, R"({"flagged":true,"categories":["a","b"]})", "t")),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(labels(*read_answer(c, R"({"flagged":true,"categories":{"a":false,"b":true}})", "t")),
            (std::vector<std::string>{"b"}));
  EXPECT_EQ(labels(*read_answer(c, R"({"flagged":true})", "t")),
            (std::vector<std::string>{"flagged"}));
  EXPECT_TRUE(read_answer(c, R"({"flagged":false,"categories":["a"]})", "t")->empty());
  const auto bad = read_answer(c, R"({"flagged":"yes"})", "t");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, "unreadable answer: no boolean flagged");
}

TEST(ExternalCheck, PresidioCodePointsBecomeBytesAndOverlapsGo) {
  const auto c = shaped(Shape::kPresidio);
  const std::string text = "Zoë 😀 Adams";  // ë is 2 bytes, the emoji 4
  auto r = read_answer(c,
                       R"([{"entity_type":"person","start":6,"end":11,"score":0.9},
                           {"entity_type":"PERSON","start":0,"end":3,"score":0.9},
                           {"entity_type":"LOCATION","start":1,"end":2,"score":0.5},
                           {"entity_type":"X","start":0,"end":99,"score":0.1}])",
                       text);
  ASSERT_TRUE(r);
  // Sorted, the widest first; what overlaps an earlier one is dropped; past the end is clipped.
  ASSERT_EQ(r->size(), 1U);
  EXPECT_EQ((*r)[0].label, "X");
  r = read_answer(
      c,
      R"([{"entity_type":"person","start":6,"end":11},{"entity_type":"PERSON","start":0,"end":3}])",
      text);
  ASSERT_EQ(r->size(), 2U);
  EXPECT_EQ(text.substr((*r)[0].begin, (*r)[0].end - (*r)[0].begin), "Zoë");
  EXPECT_EQ(text.substr((*r)[1].begin, (*r)[1].end - (*r)[1].begin), "Adams");
  EXPECT_EQ((*r)[1].label, "PERSON");  // capitals, as a placeholder needs
  for (const char* bad : {R"({"entity_type":"P"})", R"([{"entity_type":"P","start":3,"end":3}])",
                          R"([{"entity_type":"P","start":-1,"end":3}])", R"([{"start":0,"end":3}])",
                          R"([{"entity_type":1,"start":0,"end":3}])"})
    EXPECT_FALSE(read_answer(c, bad, text)) << bad;
}

TEST(ExternalCheck, LabelsAreCleanedShortAndBounded) {
  EXPECT_EQ(label("violence/graphic", false), "violence/graphic");
  EXPECT_EQ(label("a\"b\nc", false), "a_b_c");
  EXPECT_EQ(label("person-name", true), "PERSON_NAME");
  EXPECT_EQ(label("", false), "other");
  EXPECT_EQ(label(std::string(100, 'a'), false).size(), 24U);
  // The same text is one label, however often it comes.
  EXPECT_EQ(label("harassment", false).data(), label("harassment", false).data());
}

}  // namespace
}  // namespace sluice::policies::external
