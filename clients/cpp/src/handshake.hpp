// The client's opening handshake in bytes: the WebSocket upgrade request and the raw-SMQ
// bootstrap request (smq-wire.md 2.2/2.3), and the checks of the broker's responses. Pure
// code; runs on the client's executor.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smq/url.hpp"
#include "src/http_response.hpp"

namespace smq::detail {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// base64 of 16 random bytes (RAND_bytes).
std::string make_websocket_key();

// "GET <target> HTTP/1.1" with Host, Upgrade, Connection, Sec-WebSocket-Key/Version and
// User-Agent, then `extra` headers (a user header with the same name replaces the default).
std::string upgrade_request(const Url& url, std::string_view key, const HeaderList& extra);

// "GET <target> HTTP/1.1" with Host, User-Agent, SimpleMQ: 1, SendSmqHttpResponse: true, then
// `extra` (same override rule).
std::string bootstrap_request(const Url& url, const HeaderList& extra);

// Empty when the response completes the handshake, else the reason it does not.
std::string check_upgrade_response(const ResponseHead& head, std::string_view key);
std::string check_bootstrap_response(const ResponseHead& head);

}  // namespace smq::detail
