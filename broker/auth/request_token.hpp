// Where a browser's token comes from when the SMQ Connect carries no credentials: the HTTP
// request that opened the connection (the WebSocket upgrade, or a device's bootstrap), as
// "Authorization: Bearer TOKEN", a cookie whose name the operator chose ([auth] jwt_cookie),
// or a "token" query parameter, tried in that order. Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace smq::auth {

using RequestHeaders = std::vector<std::pair<std::string, std::string>>;

// The token of the request (empty when it has none). `cookie_name` empty: cookies are not
// read. A query parameter is percent-decoded.
std::string token_from_request(std::string_view target, const RequestHeaders& headers,
                               std::string_view cookie_name);

}  // namespace smq::auth
