// Copies of passwords and credentials that are wiped before their memory goes back to the
// allocator (OPENSSL_cleanse cannot be optimised away), so a freed buffer does not keep a
// password for whoever gets that memory next. Any thread.
#pragma once

#include <openssl/crypto.h>

#include <string>
#include <string_view>
#include <utility>

namespace smq::auth {

inline void wipe(std::string& s) {
  if (!s.empty()) OPENSSL_cleanse(s.data(), s.size());
}

// A string that is wiped when it is destroyed or replaced.
struct Secret {
  std::string text;
  Secret() = default;
  explicit Secret(std::string_view s) : text(s) {}
  Secret(Secret&& other) noexcept : text(std::move(other.text)) {}
  Secret(const Secret& other) = default;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { wipe(text); }
};

}  // namespace smq::auth
