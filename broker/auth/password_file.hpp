// The user password file (smq-passwd writes it; the broker reads it through [auth]
// password_file) and the salted, slow password hashes it holds. One user per line:
//
//   USER:$pbkdf2-sha512$ITERATIONS$SALT$HASH
//
// SALT and HASH are standard base64 (RFC 4648 section 4, with '=' padding), HASH is
// PBKDF2-HMAC-SHA512(password, salt, ITERATIONS) and every line carries its own parameters,
// so the default cost can be raised later without invalidating stored passwords. Blank lines
// and lines starting with '#' are comments and are kept. docs/decisions/0006 says why.
//
// Hashing is deliberately slow (about 0.12 s of one core by default): call it off the broker's
// event-loop thread. Everything here is thread-compatible (no shared state); OpenSSL's
// PBKDF2 and random generator are thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "broker/random.hpp"

namespace smq::auth {

// OWASP's Password Storage Cheat Sheet (2023) recommends 210,000 iterations for
// PBKDF2-HMAC-SHA512; about 0.12 s of one core per hash here (docs/decisions/0006).
inline constexpr std::uint32_t pbkdf2_iterations = 210'000;
// A stored line may ask for more (the default will rise), but not without bound: one login
// against a tampered or mistyped line must not hold a CPU for minutes. 50x the default.
inline constexpr std::uint32_t max_pbkdf2_iterations = 10'500'000;
// NIST SP 800-132 asks for at least 128 bits of salt; we generate exactly that.
inline constexpr std::size_t salt_bytes = 16;
// Salts accepted from a stored line (other tools may use longer ones).
inline constexpr std::size_t min_salt_bytes = 16;
inline constexpr std::size_t max_salt_bytes = 64;
// The derived key: one SHA-512 block. More than one block would double the defender's work
// and not an attacker's (PBKDF2 computes the blocks independently); fewer than 32 bytes
// would be shorter than the security level the rest of the system has.
inline constexpr std::size_t hash_bytes = 64;
inline constexpr std::size_t min_hash_bytes = 32;
// Longest password hashed or checked. SMQ's Connect credentials ("user:password") are at
// most 255 bytes, so this only guards against pasting a whole file into smq-passwd.
inline constexpr std::size_t max_password_bytes = 1024;
// Longest user name: the credentials field bounds it to 254 anyway ("user:" + 1 byte of
// password would not fit otherwise); 255 keeps a round limit that the field also obeys.
inline constexpr std::size_t max_user_bytes = 255;
// Largest password file read: a user's line is under 400 bytes, so this is room for about
// 150,000 users, and a path that names a log or a disk image by mistake fails at once
// instead of filling memory.
inline constexpr std::uintmax_t max_file_bytes = 64u << 20;
// The scheme name of the hashes this file holds.
inline constexpr std::string_view pbkdf2_sha512_scheme = "pbkdf2-sha512";

// The stored form of `password` with a fresh salt and pbkdf2_iterations, or nullopt when the
// password is empty or longer than max_password_bytes, or no random bytes could be had (a
// predictable salt is never used).
std::optional<std::string> hash_password(std::string_view password);

// True when `password` matches `stored_hash` (a "$pbkdf2-sha512$..." string). Uses the
// stored iterations and salt; the comparison is in constant time. False for a malformed
// hash, an empty password or one longer than max_password_bytes.
bool verify_password(std::string_view password, std::string_view stored_hash);

// Null when `stored_hash` is a well-formed hash this code can verify, else why not.
std::optional<std::string> check_hash_format(std::string_view stored_hash);

// The iteration count of a well-formed stored hash, else nullopt.
std::optional<std::uint32_t> hash_iterations(std::string_view stored_hash);

// Null when `user` may be a user name, else why not: not empty, at most max_user_bytes,
// valid UTF-8, no ':' (it separates user and password in the credentials and in the file),
// no whitespace or control bytes (they would be invisible or break the line format).
std::optional<std::string> check_user_name(std::string_view user);

namespace detail {
// hash_password with the iteration count and random source given: for tests (a cheap count
// keeps them fast, a failing source shows what happens without random bytes) and for
// re-hashing at a new cost.
std::optional<std::string> hash_password(std::string_view password, std::uint32_t iterations,
                                         const RandomSource& random);
}  // namespace detail

// A password file in memory: entries in file order, comments and blank lines kept where they
// were so that smq-passwd does not throw away what an operator wrote.
class PasswordFile {
 public:
  // A line of the file: a user and their hash, or (user empty) a comment or blank line kept
  // verbatim.
  struct Line {
    std::string user;
    std::string hash;
    std::string text;
    bool operator==(const Line&) const = default;
  };

  // What parse and load return: the file, or an error "NAME:LINE: ..." (error empty then).
  struct Result;

  // Parses `text`; `name` (usually the path) starts error messages.
  static Result parse(std::string_view text, std::string_view name);
  // Reads and parses the file at `path`. A missing file is an error like any other; the
  // caller decides whether that means "start empty" (see exists()).
  static Result load(const std::filesystem::path& path);

  // The stored hash of `user`, or null.
  const std::string* find(std::string_view user) const;
  // Adds `user` at the end, or replaces their hash where they are. Returns true when the
  // user was added. The caller has checked the user name and made the hash.
  bool set(std::string_view user, std::string hash);
  // Removes `user`; false when they were not there.
  bool remove(std::string_view user);

  // The file's text: one line per entry in order, each ending in '\n'.
  std::string to_text() const;
  // Writes to_text() to `path` atomically: a temporary file in the same directory, fsync,
  // rename over `path`, fsync of the directory. A new file gets mode 0600; an existing one
  // keeps its mode (and, when permitted, its owner and group). A symbolic link at `path` is
  // followed, so its target is what gets replaced. Returns an error text or nullopt.
  std::optional<std::string> save(const std::filesystem::path& path) const;

  const std::vector<Line>& lines() const { return lines_; }
  // How many users the file has.
  std::size_t user_count() const { return index_.size(); }

  // Same lines in the same order (comments included).
  bool operator==(const PasswordFile& other) const { return lines_ == other.lines_; }

 private:
  // Lookup by a string_view without building a std::string.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  void reindex();

  std::vector<Line> lines_;
  // user -> position in lines_: the broker looks a user up on every login.
  std::unordered_map<std::string, std::size_t, NameHash, std::equal_to<>> index_;
};

struct PasswordFile::Result {
  PasswordFile file;
  std::string error;
  bool ok() const { return error.empty(); }
};

}  // namespace smq::auth
