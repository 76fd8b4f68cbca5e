// Hex and big-endian helpers (see bytes.hpp). Written independently of protocol/ so a codec
// bug in the broker cannot be mirrored here.
#include "bytes.hpp"

#include <cctype>
#include <stdexcept>

namespace smqtest {
namespace {

int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '_'; }

}  // namespace

Bytes from_hex(std::string_view hex) {
  Bytes out;
  int high = -1;
  for (char c : hex) {
    if (is_space(c)) continue;
    int n = nibble(c);
    if (n < 0) throw std::invalid_argument("bad hex digit in '" + std::string(hex) + "'");
    if (high < 0) {
      high = n;
    } else {
      out.push_back(static_cast<char>(high * 16 + n));
      high = -1;
    }
  }
  if (high >= 0) throw std::invalid_argument("odd hex length in '" + std::string(hex) + "'");
  return out;
}

std::string to_hex(std::string_view bytes, std::size_t max) {
  static const char digits[] = "0123456789abcdef";
  std::string out;
  std::size_t n = bytes.size() < max ? bytes.size() : max;
  for (std::size_t i = 0; i < n; ++i) {
    if (i) out.push_back(' ');
    auto b = static_cast<unsigned char>(bytes[i]);
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  if (n < bytes.size()) out += " ... (" + std::to_string(bytes.size()) + " bytes)";
  return out;
}

void put_u8(Bytes& out, std::uint8_t v) { out.push_back(static_cast<char>(v)); }

void put_u16(Bytes& out, std::uint16_t v) {
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v & 0xFF));
}

void put_u32(Bytes& out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

void put_u64(Bytes& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>((v >> shift) & 0xFF));
}

std::uint16_t get_u16(std::string_view b, std::size_t at) {
  if (at + 2 > b.size()) throw std::out_of_range("get_u16 past end");
  return static_cast<std::uint16_t>((static_cast<unsigned char>(b[at]) << 8) |
                                    static_cast<unsigned char>(b[at + 1]));
}

std::uint32_t get_u32(std::string_view b, std::size_t at) {
  if (at + 4 > b.size()) throw std::out_of_range("get_u32 past end");
  std::uint32_t v = 0;
  for (std::size_t i = 0; i < 4; ++i) v = (v << 8) | static_cast<unsigned char>(b[at + i]);
  return v;
}

Bytes u32_bytes(std::uint32_t v) {
  Bytes out;
  put_u32(out, v);
  return out;
}

std::string hex32(std::uint32_t v) { return to_hex(u32_bytes(v)); }

bool hex_matches(std::string_view pattern, std::string_view bytes) {
  std::size_t pos = 0;  // index into bytes
  std::size_t i = 0;
  while (i < pattern.size()) {
    char c = pattern[i];
    if (is_space(c)) {
      ++i;
      continue;
    }
    if (c == '*') return true;  // rest is free
    if (i + 1 >= pattern.size()) throw std::invalid_argument("odd hex pattern");
    char d = pattern[i + 1];
    if (pos >= bytes.size()) return false;
    if (c == '?' && d == '?') {
      ++pos;
    } else {
      int hi = nibble(c), lo = nibble(d);
      if (hi < 0 || lo < 0) throw std::invalid_argument("bad hex pattern '" + std::string(pattern) + "'");
      if (static_cast<unsigned char>(bytes[pos]) != hi * 16 + lo) return false;
      ++pos;
    }
    i += 2;
  }
  return pos == bytes.size();
}

std::string substitute(std::string text, std::string_view token, std::string_view value) {
  for (std::size_t at = text.find(token); at != std::string::npos;
       at = text.find(token, at + value.size())) {
    text.replace(at, token.size(), value);
  }
  return text;
}

}  // namespace smqtest
