// Byte-string helpers for the wire tests: hex parsing/printing, big-endian integers and
// hex patterns with wildcards. Bytes are kept in std::string so literals and comparisons
// stay simple; nothing here knows SMQ semantics.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace smqtest {

using Bytes = std::string;

// "08 0a ff" or "080aff" -> bytes. Whitespace is ignored; throws std::invalid_argument on
// anything else that is not a hex digit pair.
Bytes from_hex(std::string_view hex);
// Bytes -> "08 0a ff" (spaced); long inputs are cut after `max` bytes with a "..." marker.
std::string to_hex(std::string_view bytes, std::size_t max = 64);

void put_u8(Bytes& out, std::uint8_t v);
void put_u16(Bytes& out, std::uint16_t v);
void put_u32(Bytes& out, std::uint32_t v);
void put_u64(Bytes& out, std::uint64_t v);
std::uint16_t get_u16(std::string_view b, std::size_t at);
std::uint32_t get_u32(std::string_view b, std::size_t at);
Bytes u32_bytes(std::uint32_t v);
// 8 lowercase hex digits, for substituting ids into hex patterns.
std::string hex32(std::uint32_t v);

// A hex pattern: pairs of hex digits, "??" for any single byte, and a trailing "*" for
// "any number of further bytes". Whitespace is ignored.
bool hex_matches(std::string_view pattern, std::string_view bytes);

// Replaces every occurrence of `token` in `text` by `value`.
std::string substitute(std::string text, std::string_view token, std::string_view value);

}  // namespace smqtest
