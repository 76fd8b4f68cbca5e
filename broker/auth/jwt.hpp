// JSON Web Token checks for logins: the keys the broker verifies tokens with ([auth]
// jwt_secret_file / jwt_public_key_file) and the verification of a compact JWS
// (RFC 7515/7519) carrying the user ("sub"), its validity ("exp", "nbf") and optional
// permissions (the "smq" claim). docs/decisions/0007 says which algorithms and key formats,
// and why JSON goes through nlohmann-json.
//
// Pure functions; any thread. A JwtKeys is immutable once loaded and cheap to copy (the key
// material is shared), so one instance may be used by several threads at once. Verifying
// costs tens of microseconds (one HMAC, RSA or ECDSA verification), far less than a
// password hash, so it may run on the event-loop thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smq::auth {

// Largest token accepted. SMQ's Connect credentials field is at most 255 bytes, but a token
// may also come in a WebSocket upgrade's header or cookie, and tokens with permission lists
// are easily larger; 8 KiB is the common limit of one HTTP header line. The bound keeps the
// base64 and JSON work per login small and fixed, whatever a client sends.
inline constexpr std::size_t max_jwt_bytes = 8192;

// Clock skew tolerated on "exp" and "nbf": the issuer's and the broker's clocks are set by
// NTP but may still differ by seconds, and a token minted "now" must not be refused because
// the broker's clock is slightly behind. 30 s is small next to usual token lifetimes
// (minutes to hours), so an expired token is not usable for noticeably longer.
inline constexpr std::int64_t default_jwt_leeway_seconds = 30;

// Shortest HS256 secret: RFC 7518 section 3.2 requires a key at least as long as the hash
// output (256 bits), since a shorter one makes the HMAC only as strong as the key and
// short passwords used as secrets are guessable offline from any one token.
inline constexpr std::size_t min_jwt_secret_bytes = 32;

// Smallest RSA modulus for RS256: RFC 7518 section 3.3 requires 2048 bits; 1024-bit keys are
// within reach of well-funded factoring.
inline constexpr int min_jwt_rsa_bits = 2048;

// Largest key file read: a PEM public key of the largest RSA size OpenSSL handles (16384
// bits) is about 3 KB, and a secret is a few dozen bytes; a path that names a log or a disk
// image by mistake fails at once instead of filling memory.
inline constexpr std::size_t max_jwt_key_file_bytes = 64 * 1024;

// Longest subject: it becomes the session's user name (the same bound as the password file's
// user names), and it shows in logs and statistics.
inline constexpr std::size_t max_jwt_subject_bytes = 255;

// Deepest nesting of the token's JSON: the deepest value the broker reads is a string in a
// list in the "smq" claim (3 levels); anything much deeper is not a token from an issuer we
// understand, and the bound keeps any later walk over the value shallow.
inline constexpr int max_jwt_json_depth = 16;

namespace detail {
struct JwtKeysAccess;
}

// Keys the broker verifies tokens with. The algorithm of a token is decided by these keys:
// a secret enables HS256, an RSA public key RS256, an EC P-256 public key ES256, and a
// token's header may only name one of those.
class JwtKeys {
 public:
  // No keys: accepts no token.
  JwtKeys();

  // Loads either or both (an empty path means "not configured"; both empty gives empty
  // keys). Throws std::runtime_error("FILE: reason") on a missing, unreadable or malformed
  // file.
  //  - secret_file: its bytes with ONE trailing "\n" or "\r\n" removed (editors add one);
  //    empty or shorter than min_jwt_secret_bytes is an error.
  //  - public_key_file: one PEM public key, "BEGIN PUBLIC KEY" (SubjectPublicKeyInfo) or
  //    "BEGIN RSA PUBLIC KEY" (PKCS#1). RSA of at least min_jwt_rsa_bits enables RS256,
  //    EC on P-256 (prime256v1) enables ES256; any other key type or curve is an error, and
  //    so is a private key (the broker never needs one).
  static JwtKeys load(const std::string& secret_file, const std::string& public_key_file);

  bool empty() const;
  // True when a token whose header says `alg` ("HS256", "RS256", "ES256") can be verified.
  bool accepts(std::string_view alg) const;
  // The algorithms accepted, in the order HS256, RS256, ES256 (for the startup log).
  std::vector<std::string> algorithms() const;

  // Defined in jwt.cpp; holds the secret (wiped on destruction) and the OpenSSL key.
  struct Material;

 private:
  friend struct detail::JwtKeysAccess;
  std::shared_ptr<const Material> material_;
};

struct JwtClaims {
  std::string subject;                     // "sub" (required, non-empty string)
  std::optional<std::int64_t> expires;     // "exp", NumericDate seconds (integers only)
  std::optional<std::int64_t> not_before;  // "nbf", NumericDate seconds (integers only)
  // The "smq" claim: {"publish": [...], "subscribe": [...], "observe": [...]}, each a list of
  // topic patterns for the ACL. Present when the claim was present; a list the claim leaves
  // out is empty.
  struct Permissions {
    std::vector<std::string> publish, subscribe, observe;
  };
  std::optional<Permissions> permissions;
};

// The claims of a valid token, or a short lower-case reason for the broker's log. The
// reason never contains text from the token.
struct JwtResult {
  std::optional<JwtClaims> claims;
  std::string error;
  bool ok() const { return claims.has_value(); }
};

// Verifies a compact JWS (header.payload.signature, each base64url without padding) with
// `keys`: signature first, then the claims. `now` is in seconds since the epoch; `leeway` is
// the clock skew allowed on exp and nbf (a negative leeway counts as 0). Never throws.
JwtResult verify_jwt(std::string_view token, const JwtKeys& keys, std::int64_t now,
                     std::int64_t leeway = default_jwt_leeway_seconds);

// Cheap syntactic check used to tell a token from "user:password" credentials: at most
// max_jwt_bytes, three non-empty segments of base64url characters separated by exactly two
// '.'. Says nothing about validity.
bool looks_like_jwt(std::string_view text);

}  // namespace smq::auth
