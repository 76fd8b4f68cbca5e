// JSON Web Token verification and the keys it uses (see jwt.hpp; docs/decisions/0007).
// Pure functions; any thread. Every OpenSSL failure here clears the thread's OpenSSL error
// queue before returning, because the event-loop thread also runs TLS, and SSL_get_error
// would read a stale entry left by a refused token as an error of its own connection.
#include "broker/auth/jwt.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rsa.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <stdexcept>

#include "broker/auth/secret.hpp"

namespace smq::auth {

enum class PublicKeyKind { none, rsa, ec_p256 };

struct JwtKeys::Material {
  std::optional<Secret> secret;  // HS256
  EVP_PKEY* public_key = nullptr;
  PublicKeyKind kind = PublicKeyKind::none;

  Material() = default;
  Material(const Material&) = delete;
  Material& operator=(const Material&) = delete;
  ~Material() { EVP_PKEY_free(public_key); }
};

struct detail::JwtKeysAccess {
  static const JwtKeys::Material* get(const JwtKeys& keys) { return keys.material_.get(); }
  static void set(JwtKeys& keys, std::shared_ptr<const JwtKeys::Material> m) {
    keys.material_ = std::move(m);
  }
};

namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using Material = JwtKeys::Material;

enum class Algorithm { hs256, rs256, es256 };

// The one curve ES256 is defined on (RFC 7518 section 3.4), by OpenSSL's name for it.
constexpr std::string_view p256_group_name = "prime256v1";
// ES256 signatures are the two 32-byte integers r and s, big-endian, concatenated (RFC 7518
// section 3.4), not the DER encoding OpenSSL produces and checks.
constexpr std::size_t es256_half_bytes = 32;
constexpr std::size_t es256_signature_bytes = 2 * es256_half_bytes;

std::optional<Algorithm> algorithm_named(std::string_view name) {
  // Case-sensitive, as RFC 7515 section 4.1.1 says "alg" values are.
  if (name == "HS256") return Algorithm::hs256;
  if (name == "RS256") return Algorithm::rs256;
  if (name == "ES256") return Algorithm::es256;
  return std::nullopt;
}

bool material_accepts(const Material* m, Algorithm alg) {
  if (m == nullptr) return false;
  switch (alg) {
    case Algorithm::hs256:
      return m->secret.has_value();
    case Algorithm::rs256:
      return m->kind == PublicKeyKind::rsa;
    case Algorithm::es256:
      return m->kind == PublicKeyKind::ec_p256;
  }
  return false;
}

// --- base64url (RFC 4648 section 5) without padding, as JWS uses it.

int base64url_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

// Strict: no padding, nothing outside the alphabet, no impossible length (one character
// left over carries only 6 bits, less than a byte) and the unused low bits of the last
// character must be zero, so every byte string has exactly one spelling and a changed
// character always changes the decoded bytes.
std::optional<std::string> base64url_decode(std::string_view in) {
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 4 * 3 + 2);
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    const int v = base64url_value(c);
    if (v < 0) return std::nullopt;
    acc = ((acc << 6) | static_cast<std::uint32_t>(v)) & 0xfff;  // at most 12 bits pending
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

// --- JSON

struct ParsedJson {
  json value;
  const char* error = nullptr;
};

// Parses untrusted JSON without exceptions; refuses nesting deeper than max_jwt_json_depth
// and duplicate keys in an object. RFC 7519 section 4 allows either refusing duplicates or
// taking the last one; refusing means the broker can never read a different "sub" than a
// filter in front of it that took the first.
ParsedJson parse_json(const std::string& text, const char* not_json_error) {
  ParsedJson r;
  int depth = 0;
  bool too_deep = false;
  bool duplicate = false;
  std::vector<std::set<std::string>> keys_seen;  // one entry per open object or array
  const json::parser_callback_t callback = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        keys_seen.emplace_back();
        if (++depth > max_jwt_json_depth) too_deep = true;
        break;
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        if (!keys_seen.empty()) keys_seen.pop_back();
        --depth;
        break;
      case json::parse_event_t::key:
        if (!keys_seen.empty() && parsed.is_string() &&
            !keys_seen.back().insert(parsed.get<std::string>()).second) {
          duplicate = true;
        }
        break;
      case json::parse_event_t::value:
        break;
    }
    return true;
  };
  r.value = json::parse(text, callback, /*allow_exceptions=*/false);
  if (r.value.is_discarded()) {
    r.error = not_json_error;
  } else if (too_deep) {
    r.error = "token json too deep";
  } else if (duplicate) {
    r.error = "duplicate key in token json";
  }
  return r;
}

// A NumericDate as whole seconds. RFC 7519 allows fractions, but issuers write integers,
// and accepting only integers keeps the comparison exact (no rounding rule to choose);
// values outside int64 are refused rather than clamped.
std::optional<std::int64_t> numeric_date(const json& v) {
  if (v.is_number_unsigned()) {
    const auto u = v.get<std::uint64_t>();
    constexpr auto int64_max = static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
    return u > int64_max ? std::nullopt : std::optional<std::int64_t>(static_cast<std::int64_t>(u));
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  return std::nullopt;
}

bool read_string_list(const json& v, std::vector<std::string>& out) {
  if (!v.is_array()) return false;
  for (const auto& item : v) {
    if (!item.is_string()) return false;
    out.push_back(item.get<std::string>());
  }
  return true;
}

std::optional<JwtClaims::Permissions> read_permissions(const json& v) {
  if (!v.is_object()) return std::nullopt;
  JwtClaims::Permissions p;
  for (auto it = v.begin(); it != v.end(); ++it) {
    std::vector<std::string>* list = nullptr;
    if (it.key() == "publish") {
      list = &p.publish;
    } else if (it.key() == "subscribe") {
      list = &p.subscribe;
    } else if (it.key() == "observe") {
      list = &p.observe;
    } else {
      return std::nullopt;  // a misspelt list must not silently grant or deny nothing
    }
    if (!read_string_list(it.value(), *list)) return std::nullopt;
  }
  return p;
}

// The subject becomes the session's user name: bounded, and free of control bytes so it
// cannot forge lines in the log. (nlohmann has already checked it is valid UTF-8.)
bool valid_subject(const std::string& s) {
  if (s.size() > max_jwt_subject_bytes) return false;
  for (const char c : s) {
    const auto b = static_cast<unsigned char>(c);
    if (b < 0x20 || b == 0x7f) return false;
  }
  return true;
}

char ascii_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (ascii_lower(a[i]) != ascii_lower(b[i])) return false;
  }
  return true;
}

// a + b without overflow (times near the int64 limits come only from hostile tokens).
std::int64_t saturating_add(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) {
    return b > 0 ? std::numeric_limits<std::int64_t>::max()
                 : std::numeric_limits<std::int64_t>::min();
  }
  return r;
}

// --- signatures

const unsigned char* bytes(std::string_view s) {
  return reinterpret_cast<const unsigned char*>(s.data());
}

bool verify_hs256(const Secret& secret, std::string_view input, std::string_view signature) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int mac_len = 0;
  if (HMAC(EVP_sha256(), secret.text.data(), static_cast<int>(secret.text.size()), bytes(input),
           input.size(), mac.data(), &mac_len) == nullptr) {
    ERR_clear_error();
    return false;
  }
  // The length is public (always 32); the bytes are compared in constant time so response
  // timing does not reveal how much of a forged MAC was right.
  return signature.size() == mac_len && CRYPTO_memcmp(mac.data(), signature.data(), mac_len) == 0;
}

bool digest_verify(EVP_PKEY* key, bool rsa, std::string_view input, const unsigned char* signature,
                   std::size_t signature_len) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(),
                                                                    EVP_MD_CTX_free);
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  const bool ok =
      ctx && EVP_DigestVerifyInit(ctx.get(), &pctx, EVP_sha256(), nullptr, key) == 1 &&
      // RS256 is PKCS#1 v1.5 (RFC 7518 section 3.3); say so rather than rely on the default.
      (!rsa || EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) > 0) &&
      EVP_DigestVerify(ctx.get(), signature, signature_len, bytes(input), input.size()) == 1;
  ERR_clear_error();
  return ok;
}

// Converts the raw r||s to the DER ECDSA-Sig-Value OpenSSL verifies.
bool verify_es256(EVP_PKEY* key, std::string_view input, std::string_view signature) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(bytes(signature), es256_half_bytes, nullptr);
  BIGNUM* s = BN_bin2bn(bytes(signature) + es256_half_bytes, es256_half_bytes, nullptr);
  if (sig == nullptr || r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    ERR_clear_error();
    return false;
  }
  // sig owns r and s now.
  unsigned char* der = nullptr;
  const int der_len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (der_len <= 0) {
    ERR_clear_error();
    return false;
  }
  const bool ok = digest_verify(key, false, input, der, static_cast<std::size_t>(der_len));
  OPENSSL_free(der);
  return ok;
}

JwtResult fail(const char* why) {
  JwtResult r;
  r.error = why;
  return r;
}

JwtResult verify(std::string_view token, const Material* keys, std::int64_t now,
                 std::int64_t leeway) {
  if (token.size() > max_jwt_bytes) return fail("token too long");
  const auto dot1 = token.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return fail("malformed token");
  }
  const auto header_text = token.substr(0, dot1);
  const auto payload_text = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const auto signature_text = token.substr(dot2 + 1);
  if (header_text.empty() || payload_text.empty() || signature_text.empty()) {
    return fail("malformed token");
  }

  // The header first: it names the algorithm, which must be one these keys have.
  const auto header_bytes = base64url_decode(header_text);
  if (!header_bytes) return fail("bad token encoding");
  const auto header = parse_json(*header_bytes, "token header is not json");
  if (header.error != nullptr) return fail(header.error);
  if (!header.value.is_object()) return fail("token header is not a json object");
  const auto alg_it = header.value.find("alg");
  if (alg_it == header.value.end() || !alg_it->is_string()) return fail("token header has no alg");
  const auto& alg_name = alg_it->get_ref<const std::string&>();
  if (alg_name == "none") return fail("unsigned token refused");
  if (const auto typ = header.value.find("typ"); typ != header.value.end()) {
    if (!typ->is_string() || !iequals(typ->get_ref<const std::string&>(), "JWT")) {
      return fail("token type is not jwt");
    }
  }
  // "crit" lists extensions the verifier must understand (RFC 7515 section 4.1.11); we
  // understand none, so any "crit" means the token is not for us.
  if (header.value.contains("crit")) return fail("token has crit header");
  // The keys decide the algorithm: a header naming an algorithm they do not have is refused
  // outright, so a public key is never used as an HMAC secret (RS256 -> HS256 confusion).
  const auto alg = algorithm_named(alg_name);
  if (!alg || !material_accepts(keys, *alg)) return fail("token algorithm not accepted");

  // The signature before the payload is even decoded: unauthenticated claims are not parsed.
  const auto signature = base64url_decode(signature_text);
  if (!signature) return fail("bad token encoding");
  const auto signing_input = token.substr(0, dot2);
  bool good = false;
  switch (*alg) {
    case Algorithm::hs256:
      good = verify_hs256(*keys->secret, signing_input, *signature);
      break;
    case Algorithm::rs256:
      good = digest_verify(keys->public_key, true, signing_input, bytes(*signature),
                           signature->size());
      break;
    case Algorithm::es256:
      // Issuers that hand OpenSSL's DER output straight to the token get this message.
      if (signature->size() != es256_signature_bytes) {
        return fail("es256 signature is not 64 bytes");
      }
      good = verify_es256(keys->public_key, signing_input, *signature);
      break;
  }
  if (!good) return fail("bad token signature");

  const auto payload_bytes = base64url_decode(payload_text);
  if (!payload_bytes) return fail("bad token encoding");
  const auto payload = parse_json(*payload_bytes, "token payload is not json");
  if (payload.error != nullptr) return fail(payload.error);
  const json& p = payload.value;
  if (!p.is_object()) return fail("token payload is not a json object");

  JwtClaims claims;
  const auto sub = p.find("sub");
  if (sub == p.end()) return fail("token has no subject");
  if (!sub->is_string()) return fail("bad token subject");
  claims.subject = sub->get<std::string>();
  if (claims.subject.empty()) return fail("token has no subject");
  if (!valid_subject(claims.subject)) return fail("bad token subject");
  if (const auto exp = p.find("exp"); exp != p.end()) {
    claims.expires = numeric_date(*exp);
    if (!claims.expires) return fail("bad exp claim");
  }
  if (const auto nbf = p.find("nbf"); nbf != p.end()) {
    claims.not_before = numeric_date(*nbf);
    if (!claims.not_before) return fail("bad nbf claim");
  }
  if (const auto smq = p.find("smq"); smq != p.end()) {
    claims.permissions = read_permissions(*smq);
    if (!claims.permissions) return fail("bad smq claim");
  }

  if (leeway < 0) leeway = 0;
  if (claims.expires && now > saturating_add(*claims.expires, leeway)) return fail("token expired");
  if (claims.not_before && saturating_add(now, leeway) < *claims.not_before) {
    return fail("token not yet valid");
  }
  JwtResult r;
  r.claims = std::move(claims);
  return r;
}

// --- key files

[[noreturn]] void file_error(const std::string& path, std::string_view why) {
  throw std::runtime_error(fmt::format("{}: {}", path, why));
}

// The whole file, bounded. Read into a buffer of the final size so a secret is not left
// behind in memory freed by a growing string.
std::string read_key_file(const std::string& path) {
  std::error_code ec;
  const auto status = fs::status(path, ec);
  if (ec) file_error(path, ec.message());
  if (!fs::is_regular_file(status)) file_error(path, "not a regular file");
  const auto size = fs::file_size(path, ec);
  if (ec) file_error(path, ec.message());
  if (size > max_jwt_key_file_bytes) {
    file_error(path, fmt::format("larger than {} bytes", max_jwt_key_file_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) file_error(path, fmt::format("cannot open: {}", std::strerror(errno)));
  std::string text(static_cast<std::size_t>(size), '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  if (static_cast<std::uintmax_t>(in.gcount()) != size) {
    wipe(text);
    file_error(path, "cannot read");
  }
  return text;
}

Secret load_secret(const std::string& path) {
  Secret secret;
  secret.text = read_key_file(path);
  std::string& s = secret.text;
  // One line ending, as `echo` or an editor leaves it; anything else is part of the secret.
  if (s.ends_with("\r\n")) {
    s.resize(s.size() - 2);
  } else if (s.ends_with('\n')) {
    s.resize(s.size() - 1);
  }
  if (s.empty()) file_error(path, "empty secret");
  if (s.size() < min_jwt_secret_bytes) {
    file_error(path, fmt::format("secret of {} bytes; HS256 needs at least {} (256 bits)", s.size(),
                                 min_jwt_secret_bytes));
  }
  return secret;
}

// Decodes the one PEM public key in `text`; the caller owns the result.
EVP_PKEY* decode_public_key(const std::string& path, const std::string& text) {
  constexpr std::string_view begin_marker = "-----BEGIN ";
  const auto begin = text.find(begin_marker);
  if (begin == std::string::npos) file_error(path, "not a PEM file");
  if (text.find(begin_marker, begin + 1) != std::string::npos) {
    file_error(path, "more than one PEM block; give one public key");
  }
  const auto label_start = begin + begin_marker.size();
  const auto label_end = text.find("-----", label_start);
  const std::string_view label =
      label_end == std::string::npos
          ? std::string_view{}
          : std::string_view(text).substr(label_start, label_end - label_start);
  const char* key_type = nullptr;  // any, for SubjectPublicKeyInfo
  if (label == "RSA PUBLIC KEY") {
    key_type = "RSA";  // PKCS#1 RSAPublicKey
  } else if (label.find("PRIVATE KEY") != std::string_view::npos) {
    file_error(path, "holds a private key; give the public key");
  } else if (label != "PUBLIC KEY") {
    file_error(path, "not a PEM public key (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY)");
  }
  EVP_PKEY* key = nullptr;
  const std::unique_ptr<OSSL_DECODER_CTX, decltype(&OSSL_DECODER_CTX_free)> ctx(
      OSSL_DECODER_CTX_new_for_pkey(&key, "PEM", nullptr, key_type, EVP_PKEY_PUBLIC_KEY, nullptr,
                                    nullptr),
      OSSL_DECODER_CTX_free);
  const auto* data = bytes(text);
  std::size_t len = text.size();
  if (!ctx || OSSL_DECODER_from_data(ctx.get(), &data, &len) != 1 || key == nullptr) {
    EVP_PKEY_free(key);
    ERR_clear_error();
    file_error(path, "malformed PEM public key");
  }
  return key;
}

// Accepts RSA of min_jwt_rsa_bits or more and EC on P-256; frees `key` and throws otherwise.
PublicKeyKind check_public_key(const std::string& path, EVP_PKEY* key) {
  std::string problem;
  PublicKeyKind kind = PublicKeyKind::none;
  if (EVP_PKEY_is_a(key, "RSA")) {
    const int bits = EVP_PKEY_get_bits(key);
    if (bits < min_jwt_rsa_bits) {
      problem = fmt::format("RSA key of {} bits; RS256 needs at least {}", bits, min_jwt_rsa_bits);
    }
    kind = PublicKeyKind::rsa;
  } else if (EVP_PKEY_is_a(key, "EC")) {
    std::array<char, 80> group{};
    std::size_t group_len = 0;
    // Explicit curve parameters have no name and are refused: they let a file describe a
    // curve of its choosing.
    if (EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group.data(), group.size(),
                                       &group_len) != 1) {
      problem = "EC key without a named curve; ES256 needs P-256 (prime256v1)";
    } else if (std::string_view(group.data(), group_len) != p256_group_name) {
      problem = fmt::format("EC key on curve {}; ES256 needs P-256 (prime256v1)",
                            std::string_view(group.data(), group_len));
    }
    kind = PublicKeyKind::ec_p256;
  } else {
    const char* name = EVP_PKEY_get0_type_name(key);
    problem = fmt::format("unsupported key type {}; RSA or EC P-256 expected",
                          name != nullptr ? name : "?");
  }
  if (problem.empty()) {
    const std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
        EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr), EVP_PKEY_CTX_free);
    if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) problem = "invalid public key";
  }
  ERR_clear_error();
  if (!problem.empty()) {
    EVP_PKEY_free(key);
    file_error(path, problem);
  }
  return kind;
}

}  // namespace

JwtKeys::JwtKeys() = default;

JwtKeys JwtKeys::load(const std::string& secret_file, const std::string& public_key_file) {
  JwtKeys keys;
  if (secret_file.empty() && public_key_file.empty()) return keys;
  auto m = std::make_shared<Material>();
  if (!secret_file.empty()) m->secret.emplace(load_secret(secret_file));
  if (!public_key_file.empty()) {
    Secret text;  // not secret, but the same bounded reader; wiping costs nothing
    text.text = read_key_file(public_key_file);
    EVP_PKEY* key = decode_public_key(public_key_file, text.text);
    m->kind = check_public_key(public_key_file, key);
    m->public_key = key;
  }
  detail::JwtKeysAccess::set(keys, std::move(m));
  return keys;
}

bool JwtKeys::empty() const {
  return material_ == nullptr || (!material_->secret && material_->kind == PublicKeyKind::none);
}

bool JwtKeys::accepts(std::string_view alg) const {
  const auto a = algorithm_named(alg);
  return a && material_accepts(material_.get(), *a);
}

std::vector<std::string> JwtKeys::algorithms() const {
  std::vector<std::string> out;
  for (const char* name : {"HS256", "RS256", "ES256"}) {
    if (accepts(name)) out.emplace_back(name);
  }
  return out;
}

JwtResult verify_jwt(std::string_view token, const JwtKeys& keys, std::int64_t now,
                     std::int64_t leeway) {
  try {
    return verify(token, detail::JwtKeysAccess::get(keys), now, leeway);
  } catch (...) {
    // bad_alloc, or a nlohmann type error that the checks above should make impossible:
    // a refused login, never an exception into the session code.
    ERR_clear_error();
    return fail("token check failed");
  }
}

bool looks_like_jwt(std::string_view text) {
  if (text.empty() || text.size() > max_jwt_bytes) return false;
  int dots = 0;
  char previous = '.';  // so a leading '.' counts as an empty segment
  for (const char c : text) {
    if (c == '.') {
      if (previous == '.' || ++dots > 2) return false;
    } else if (base64url_value(c) < 0) {
      return false;
    }
    previous = c;
  }
  return dots == 2 && previous != '.';
}

}  // namespace smq::auth
