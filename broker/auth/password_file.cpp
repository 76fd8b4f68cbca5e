// Password hashes and the password file (see password_file.hpp). Any thread; hashing is slow
// by design, so not the event-loop thread.
#include "broker/auth/password_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <fstream>
#include <iterator>
#include <span>

#include "protocol/utf8.hpp"

namespace smq::auth {
namespace {

namespace fs = std::filesystem;

// --- base64 (RFC 4648 section 4, padded): the alphabet Python's base64 module and
// `openssl base64` use, so other tools can read the hashes.

constexpr std::string_view base64_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string base64_encode(std::span<const std::uint8_t> in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= in.size(); i += 3) {
    const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += base64_alphabet[(v >> 6) & 63];
    out += base64_alphabet[v & 63];
  }
  if (const std::size_t rest = in.size() - i; rest > 0) {
    std::uint32_t v = std::uint32_t{in[i]} << 16;
    if (rest == 2) v |= std::uint32_t{in[i + 1]} << 8;
    out += base64_alphabet[(v >> 18) & 63];
    out += base64_alphabet[(v >> 12) & 63];
    out += rest == 2 ? base64_alphabet[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Strict decoding: only the canonical encoding of some bytes is accepted (padding present,
// unused bits zero), so one hash has exactly one spelling and a tampered character is never
// silently ignored.
std::optional<std::vector<std::uint8_t>> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) return std::nullopt;
  std::vector<std::uint8_t> out;
  out.reserve(in.size() / 4 * 3);
  for (std::size_t i = 0; i < in.size(); i += 4) {
    const bool last = i + 4 == in.size();
    std::uint32_t v = 0;
    int pad = 0;
    for (std::size_t j = 0; j < 4; ++j) {
      const char c = in[i + j];
      if (c == '=' && last && j >= 2) {
        ++pad;
        v <<= 6;
        continue;
      }
      const auto pos = base64_alphabet.find(c);
      if (pos == std::string_view::npos || pad > 0) return std::nullopt;
      v = (v << 6) | static_cast<std::uint32_t>(pos);
    }
    out.push_back(static_cast<std::uint8_t>(v >> 16));
    if (pad < 2) out.push_back(static_cast<std::uint8_t>(v >> 8));
    if (pad < 1) out.push_back(static_cast<std::uint8_t>(v));
  }
  if (base64_encode(out) != in) return std::nullopt;
  return out;
}

// --- the hash string

struct ParsedHash {
  std::uint32_t iterations = 0;
  std::vector<std::uint8_t> salt;
  std::vector<std::uint8_t> hash;
};

// Splits "$pbkdf2-sha512$ITERATIONS$SALT$HASH"; `why` says what is wrong on failure.
std::optional<ParsedHash> parse_hash(std::string_view stored, std::string& why) {
  std::array<std::string_view, 4> fields;
  if (stored.empty() || stored[0] != '$') {
    why = "hash does not start with '$'";
    return std::nullopt;
  }
  std::string_view rest = stored.substr(1);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const auto dollar = rest.find('$');
    if ((dollar == std::string_view::npos) != (i == fields.size() - 1)) {
      why = "hash needs four '$'-separated fields: $scheme$iterations$salt$hash";
      return std::nullopt;
    }
    fields[i] = rest.substr(0, dollar);
    if (dollar != std::string_view::npos) rest = rest.substr(dollar + 1);
  }
  if (fields[0] != pbkdf2_sha512_scheme) {
    why = fmt::format("unknown hash scheme '{}' (expected {})", fields[0], pbkdf2_sha512_scheme);
    return std::nullopt;
  }
  ParsedHash out;
  const std::string_view it = fields[1];
  // Digits only, no leading zero: one spelling per count.
  const auto [end, err] = std::from_chars(it.data(), it.data() + it.size(), out.iterations);
  if (it.empty() || it[0] < '1' || it[0] > '9' || err != std::errc() ||
      end != it.data() + it.size() || out.iterations > max_pbkdf2_iterations) {
    why = fmt::format("iteration count must be a number from 1 to {}", max_pbkdf2_iterations);
    return std::nullopt;
  }
  auto salt = base64_decode(fields[2]);
  if (!salt || salt->size() < min_salt_bytes || salt->size() > max_salt_bytes) {
    why = fmt::format("salt must be base64 of {} to {} bytes", min_salt_bytes, max_salt_bytes);
    return std::nullopt;
  }
  auto hash = base64_decode(fields[3]);
  if (!hash || hash->size() < min_hash_bytes || hash->size() > hash_bytes) {
    why = fmt::format("hash must be base64 of {} to {} bytes", min_hash_bytes, hash_bytes);
    return std::nullopt;
  }
  out.salt = std::move(*salt);
  out.hash = std::move(*hash);
  return out;
}

bool pbkdf2(std::string_view password, std::span<const std::uint8_t> salt,
            std::uint32_t iterations, std::span<std::uint8_t> out) {
  // The bounds above keep every length and the count far below INT_MAX.
  static_assert(max_password_bytes <= INT_MAX && max_pbkdf2_iterations <= INT_MAX);
  return PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()), salt.data(),
                           static_cast<int>(salt.size()), static_cast<int>(iterations),
                           EVP_sha512(), static_cast<int>(out.size()), out.data()) == 1;
}

bool password_length_ok(std::string_view password) {
  return !password.empty() && password.size() <= max_password_bytes;
}

}  // namespace

namespace detail {

std::optional<std::string> hash_password(std::string_view password, std::uint32_t iterations,
                                         const RandomSource& random) {
  if (!password_length_ok(password) || iterations == 0 || iterations > max_pbkdf2_iterations) {
    return std::nullopt;
  }
  std::array<std::uint8_t, salt_bytes> salt{};
  if (!random || !random(salt)) return std::nullopt;
  std::array<std::uint8_t, hash_bytes> derived{};
  if (!pbkdf2(password, salt, iterations, derived)) return std::nullopt;
  std::string out = fmt::format("${}${}${}${}", pbkdf2_sha512_scheme, iterations,
                                base64_encode(salt), base64_encode(derived));
  OPENSSL_cleanse(derived.data(), derived.size());
  return out;
}

}  // namespace detail

std::optional<std::string> hash_password(std::string_view password) {
  return detail::hash_password(password, pbkdf2_iterations, system_random);
}

bool verify_password(std::string_view password, std::string_view stored_hash) {
  if (!password_length_ok(password)) return false;
  std::string why;
  const auto parsed = parse_hash(stored_hash, why);
  if (!parsed) return false;
  std::vector<std::uint8_t> derived(parsed->hash.size());
  const bool ok = pbkdf2(password, parsed->salt, parsed->iterations, derived) &&
                  CRYPTO_memcmp(derived.data(), parsed->hash.data(), derived.size()) == 0;
  OPENSSL_cleanse(derived.data(), derived.size());
  return ok;
}

std::optional<std::string> check_hash_format(std::string_view stored_hash) {
  std::string why;
  if (!parse_hash(stored_hash, why)) return why;
  return std::nullopt;
}

std::optional<std::uint32_t> hash_iterations(std::string_view stored_hash) {
  std::string why;
  const auto parsed = parse_hash(stored_hash, why);
  if (!parsed) return std::nullopt;
  return parsed->iterations;
}

std::optional<std::string> check_user_name(std::string_view user) {
  if (user.empty()) return "empty user name";
  if (user.size() > max_user_bytes) {
    return fmt::format("user name longer than {} bytes", max_user_bytes);
  }
  for (const char c : user) {
    const auto b = static_cast<unsigned char>(c);
    if (b == ':') return "user name contains ':'";
    if (b == ' ' || b < 0x20 || b == 0x7f) return "user name contains whitespace or a control byte";
  }
  const std::span bytes(reinterpret_cast<const std::uint8_t*>(user.data()), user.size());
  if (!is_valid_utf8(bytes)) return "user name is not valid UTF-8";
  return std::nullopt;
}

// --- the file

PasswordFile::Result PasswordFile::parse(std::string_view text, std::string_view name) {
  Result r;
  std::size_t number = 0;
  while (!text.empty()) {
    ++number;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    // Files edited on Windows end their lines in CRLF.
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    const auto first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') {
      r.file.lines_.push_back({{}, {}, std::string(line)});
      continue;
    }
    const auto fail = [&](std::string_view why) {
      r.error = fmt::format("{}:{}: {}", name, number, why);
      r.file = {};
      return r;
    };
    const auto colon = line.find(':');
    if (colon == std::string_view::npos) return fail("expected USER:HASH");
    const std::string_view user = line.substr(0, colon);
    if (const auto why = check_user_name(user)) return fail(*why);
    if (const auto why = check_hash_format(line.substr(colon + 1))) {
      return fail(fmt::format("user '{}': {}", user, *why));
    }
    if (r.file.find(user) != nullptr) return fail(fmt::format("duplicate user '{}'", user));
    r.file.index_.emplace(std::string(user), r.file.lines_.size());
    r.file.lines_.push_back({std::string(user), std::string(line.substr(colon + 1)), {}});
  }
  return r;
}

PasswordFile::Result PasswordFile::load(const fs::path& path) {
  Result r;
  const std::string name = path.string();
  std::error_code ec;
  if (fs::is_directory(path, ec)) {
    r.error = fmt::format("{}: is a directory", name);
    return r;
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    r.error = fmt::format("cannot read {}: {}", name, std::strerror(errno));
    return r;
  }
  std::string text;
  char buffer[8192];
  while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
    text.append(buffer, static_cast<std::size_t>(in.gcount()));
    if (text.size() > max_file_bytes) {
      r.error = fmt::format("{}: larger than {} bytes", name, max_file_bytes);
      return r;
    }
  }
  if (in.bad()) {
    r.error = fmt::format("cannot read {}", name);
    return r;
  }
  return parse(text, name);
}

const std::string* PasswordFile::find(std::string_view user) const {
  const auto it = index_.find(user);
  return it == index_.end() ? nullptr : &lines_[it->second].hash;
}

bool PasswordFile::set(std::string_view user, std::string hash) {
  if (const auto it = index_.find(user); it != index_.end()) {
    lines_[it->second].hash = std::move(hash);
    return false;
  }
  index_.emplace(std::string(user), lines_.size());
  lines_.push_back({std::string(user), std::move(hash), {}});
  return true;
}

bool PasswordFile::remove(std::string_view user) {
  const auto it = index_.find(user);
  if (it == index_.end()) return false;
  lines_.erase(lines_.begin() + static_cast<std::ptrdiff_t>(it->second));
  reindex();
  return true;
}

void PasswordFile::reindex() {
  index_.clear();
  for (std::size_t i = 0; i < lines_.size(); ++i) {
    if (!lines_[i].user.empty()) index_.emplace(lines_[i].user, i);
  }
}

std::string PasswordFile::to_text() const {
  std::string out;
  for (const Line& line : lines_) {
    if (line.user.empty()) {
      out += line.text;
    } else {
      out += line.user;
      out += ':';
      out += line.hash;
    }
    out += '\n';
  }
  return out;
}

std::optional<std::string> PasswordFile::save(const fs::path& path) const {
  fs::path target = path;
  std::error_code ec;
  if (fs::is_symlink(path, ec)) {
    target = fs::canonical(path, ec);
    if (ec) return fmt::format("cannot follow the link {}: {}", path.string(), ec.message());
  }
  const std::string name = target.string();
  const fs::path dir = target.has_parent_path() ? target.parent_path() : fs::path(".");
  // Same directory, so that rename() is atomic (one file system); hidden, so that a crash
  // between mkstemp and rename leaves nothing that looks like a password file.
  std::string temp_name(".");
  temp_name.append(target.filename().string()).append(".tmp-XXXXXX");
  std::string temp = (dir / temp_name).string();
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return fmt::format("cannot create a file in {}: {}", dir.string(), std::strerror(errno));
  const auto fail = [&](std::string_view what) {
    const int e = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return fmt::format("cannot write {}: {}: {}", name, what, std::strerror(e));
  };
  // The hashes are not secrets in the way passwords are, but they allow offline guessing:
  // readable by the owner only, unless the operator chose otherwise for the existing file.
  struct stat st{};
  mode_t mode = S_IRUSR | S_IWUSR;
  if (::stat(target.c_str(), &st) == 0) {
    mode = st.st_mode & 07777;
    // Root editing a file the broker's account owns must not hand it to root. Only root may
    // give a file away, so for anyone else this fails harmlessly (the file is theirs anyway).
    if (st.st_uid != ::geteuid() || st.st_gid != ::getegid()) {
      [[maybe_unused]] const int ignored = ::fchown(fd, st.st_uid, st.st_gid);
    }
  }
  if (::fchmod(fd, mode) != 0) return fail("fchmod");
  const std::string text = to_text();
  std::size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write");
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return fail("fsync");
  if (::close(fd) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    return fmt::format("cannot write {}: close: {}", name, std::strerror(e));
  }
  if (::rename(temp.c_str(), target.c_str()) != 0) {
    const int e = errno;
    ::unlink(temp.c_str());
    return fmt::format("cannot replace {}: {}", name, std::strerror(e));
  }
  // The rename is durable only once the directory is on disk too.
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return std::nullopt;
}

}  // namespace smq::auth
