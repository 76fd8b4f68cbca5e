// Which web pages may open a WebSocket to the broker (protection against cross-site
// WebSocket hijacking: a page on another site using the visitor's browser and cookies).
// Browsers always send Origin on a WebSocket upgrade; devices and tools send none. The
// same-host rule compares with the Host header, which a DNS-rebinding page controls too, so
// it does not protect a loopback broker from such a page. Pure functions; any thread.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace smq {

// "scheme://host[:port]" in the form comparisons use: scheme and host lower-case, the
// scheme's default port (http 80, https 443) dropped, no path. "*" and "null" pass through.
// nullopt when `origin` is none of these.
std::optional<std::string> normalize_origin(std::string_view origin);

// True when an upgrade with this Origin header (nullopt: none sent) and Host header may
// proceed. No Origin: allowed. Otherwise the Origin must name the host the request was sent
// to (a page the broker served), be listed in `allowed` (compared normalized), or the list
// must hold "*".
bool origin_allowed(std::optional<std::string_view> origin, std::string_view host,
                    std::span<const std::string> allowed);

}  // namespace smq
