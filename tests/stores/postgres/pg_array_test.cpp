// Array literals as PostgreSQL's array input reads them: every text element quoted, quotes and
// backslashes escaped, bytes text cannot hold replaced, doubles in their shortest exact form.
#include "stores/postgres/pg_array.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sluice::stores::postgres {
namespace {

TEST(PgArray, EmptyIsBraces) { EXPECT_EQ(ArrayLiteral().finish(), "{}"); }

TEST(PgArray, IntegersAndBooleans) {
  ArrayLiteral a;
  a.integer(0).integer(-42).integer(9'223'372'036'854'775'807);
  EXPECT_EQ(std::move(a).finish(), "{0,-42,9223372036854775807}");
  ArrayLiteral b;
  b.boolean(true).boolean(false);
  EXPECT_EQ(std::move(b).finish(), "{t,f}");
}

TEST(PgArray, DoublesRoundTrip) {
  ArrayLiteral a;
  a.real(1.1).real(0.1 + 0.2).real(1e-12).real(0);
  EXPECT_EQ(std::move(a).finish(), "{1.1,0.30000000000000004,1e-12,0}");
}

TEST(PgArray, NullIsUnquoted) {
  // NULL unquoted is SQL NULL; the text "NULL" is quoted like any text.
  ArrayLiteral a;
  a.real(12.5).null().real(3);
  EXPECT_EQ(std::move(a).finish(), "{12.5,NULL,3}");
  ArrayLiteral b;
  b.null().text("NULL");
  EXPECT_EQ(std::move(b).finish(), "{NULL,\"NULL\"}");
}

TEST(PgArray, TextIsQuotedAndEscaped) {
  ArrayLiteral a;
  a.text("").text("plain").text(R"(say "hi")").text(R"(back\slash)").text("a,b{c}").text("NULL");
  // NULL quoted is the four-letter string, not SQL NULL.
  EXPECT_EQ(std::move(a).finish(), R"({"","plain","say \"hi\"","back\\slash","a,b{c}","NULL"})");
}

TEST(PgArray, KeepsValidUtf8AndReplacesWhatTextCannotHold) {
  ArrayLiteral a;
  a.text("h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");  // é € 😀
  a.text(std::string("nul\0byte", 8));
  a.text("\xFF");              // never valid
  a.text("\xC0\xAF");          // overlong '/'
  a.text("\xED\xA0\x80");      // a UTF-16 surrogate
  a.text("\xF4\x90\x80\x80");  // above U+10FFFF
  a.text("\xE2\x82");          // cut short
  const std::string r = "\xEF\xBF\xBD";
  EXPECT_EQ(std::move(a).finish(), "{\"h\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\",\"nul" + r +
                                       "byte\",\"" + r + "\",\"" + r + r + "\",\"" + r + r + r +
                                       "\",\"" + r + r + r + r + "\",\"" + r + r + "\"}");
}

}  // namespace
}  // namespace sluice::stores::postgres
