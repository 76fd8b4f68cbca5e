// Tokens from the opening HTTP request: Authorization: Bearer, the configured cookie, the
// `token` query parameter, in that order.
#include <gtest/gtest.h>

#include "broker/auth/request_token.hpp"

namespace {

using smq::auth::RequestHeaders;
using smq::auth::token_from_request;

TEST(RequestToken, BearerHeaderInAnyCase) {
  EXPECT_EQ(token_from_request("/", {{"Authorization", "Bearer a.b.c"}}, ""), "a.b.c");
  EXPECT_EQ(token_from_request("/", {{"authorization", "  bearer   a.b.c  "}}, ""), "a.b.c");
  EXPECT_EQ(token_from_request("/", {{"Authorization", "Basic Zm9vOmJhcg=="}}, ""), "");
  EXPECT_EQ(token_from_request("/", {{"Authorization", "Bearer"}}, ""), "");
}

TEST(RequestToken, OnlyTheConfiguredCookie) {
  const RequestHeaders headers{{"Cookie", "a=1; smq=x.y.z; b=2"}};
  EXPECT_EQ(token_from_request("/", headers, "smq"), "x.y.z");
  EXPECT_EQ(token_from_request("/", headers, ""), "") << "no cookie name: cookies are not read";
  EXPECT_EQ(token_from_request("/", headers, "sm"), "");
  EXPECT_EQ(token_from_request("/", {{"Cookie", "smq=\"q.r.s\""}}, "smq"), "q.r.s");
  EXPECT_EQ(token_from_request("/", {{"Cookie", "x=1"}, {"cookie", "smq=t.u.v"}}, "smq"), "t.u.v");
}

TEST(RequestToken, QueryParameterIsPercentDecoded) {
  EXPECT_EQ(token_from_request("/smq?token=a.b.c", {}, ""), "a.b.c");
  EXPECT_EQ(token_from_request("/smq?x=1&token=a%2Eb.c&y=2", {}, ""), "a.b.c");
  EXPECT_EQ(token_from_request("/smq?mytoken=a.b.c", {}, ""), "");
  EXPECT_EQ(token_from_request("/smq?token=a%2", {}, ""), "") << "a broken escape gives no token";
  EXPECT_EQ(token_from_request("/smq?token=a.b.c#frag", {}, ""), "a.b.c");
  EXPECT_EQ(token_from_request("/smq", {}, ""), "");
}

TEST(RequestToken, HeaderBeforeCookieBeforeQuery) {
  const RequestHeaders both{{"Cookie", "smq=cookie.t.k"}, {"Authorization", "Bearer header.t.k"}};
  EXPECT_EQ(token_from_request("/?token=query.t.k", both, "smq"), "header.t.k");
  EXPECT_EQ(token_from_request("/?token=query.t.k", {{"Cookie", "smq=cookie.t.k"}}, "smq"),
            "cookie.t.k");
}

}  // namespace
