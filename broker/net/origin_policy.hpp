// Which web pages may open a WebSocket to the broker (protection against cross-site
// WebSocket hijacking: a page on another site using the visitor's cookies or network
// position). Browsers always send Origin on a WebSocket upgrade; devices and tools send
// none. Pure functions; any thread.
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
// proceed. No Origin: allowed. With `allowed` empty, the Origin must name the host the
// request was sent to (same origin); otherwise it must be listed (normalized) or the list
// must hold "*".
bool origin_allowed(std::optional<std::string_view> origin, std::string_view host,
                    std::span<const std::string> allowed);

}  // namespace smq
