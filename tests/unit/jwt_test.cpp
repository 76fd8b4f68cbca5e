// JSON Web Token verification (broker/auth/jwt): tokens signed here with OpenSSL (HS256,
// RS256, ES256) against keys generated here and written as PEM files to a temporary
// directory; claims, expiry and leeway, algorithm confusion, strict encoding, bad claims,
// key loading errors, and the cheap looks_like_jwt check.
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>

#include "broker/auth/jwt.hpp"

namespace smq::auth {
namespace {

namespace fs = std::filesystem;

constexpr std::int64_t now = 1'700'000'000;
const std::string secret = "0123456789abcdef0123456789abcdef-test";  // 37 bytes

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

Pkey rsa_key(unsigned bits) {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(bits)));
}
Pkey ec_key(const char* curve) {
  return Pkey(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", curve));
}

std::string bio_text(BIO* bio) {
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

// SubjectPublicKeyInfo ("BEGIN PUBLIC KEY"), or with `pkcs1` the RSA-only
// "BEGIN RSA PUBLIC KEY".
std::string public_pem(EVP_PKEY* key, bool pkcs1 = false) {
  BIO* bio = BIO_new(BIO_s_mem());
  if (pkcs1) {
    OSSL_ENCODER_CTX* ctx =
        OSSL_ENCODER_CTX_new_for_pkey(key, EVP_PKEY_PUBLIC_KEY, "PEM", "type-specific", nullptr);
    EXPECT_EQ(OSSL_ENCODER_to_bio(ctx, bio), 1);
    OSSL_ENCODER_CTX_free(ctx);
  } else {
    EXPECT_EQ(PEM_write_bio_PUBKEY(bio, key), 1);
  }
  return bio_text(bio);
}

std::string private_pem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PrivateKey(bio, key, nullptr, nullptr, 0, nullptr, nullptr), 1);
  return bio_text(bio);
}

std::string b64url(std::string_view in) {
  static constexpr std::string_view abc =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t acc = 0;
  int bits = 0;
  for (const char c : in) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += abc[(acc >> bits) & 63];
    }
  }
  if (bits > 0) out += abc[(acc << (6 - bits)) & 63];
  return out;
}

std::string hmac_sha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  return std::string(reinterpret_cast<char*>(mac), len);
}

// RSASSA-PKCS1-v1_5 for an RSA key; for an EC key the DER signature, or with `raw` the
// JWS form r||s.
std::string digest_sign(EVP_PKEY* key, std::string_view data, bool raw = true) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EXPECT_EQ(EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key), 1);
  std::size_t len = 0;
  const auto* in = reinterpret_cast<const unsigned char*>(data.data());
  EXPECT_EQ(EVP_DigestSign(ctx, nullptr, &len, in, data.size()), 1);
  std::string sig(len, '\0');
  EXPECT_EQ(
      EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, data.size()), 1);
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  if (!EVP_PKEY_is_a(key, "EC") || !raw) return sig;
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* ec = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  const BIGNUM* r = nullptr;
  const BIGNUM* s = nullptr;
  ECDSA_SIG_get0(ec, &r, &s);
  std::string out(64, '\0');
  BN_bn2binpad(r, reinterpret_cast<unsigned char*>(out.data()), 32);
  BN_bn2binpad(s, reinterpret_cast<unsigned char*>(out.data()) + 32, 32);
  ECDSA_SIG_free(ec);
  return out;
}

// "header.payload" of the given JSON texts, base64url-encoded.
std::string signing_input(std::string_view header, std::string_view payload) {
  return b64url(header) + "." + b64url(payload);
}
std::string hs256_token(std::string_view payload,
                        std::string_view header = R"({"alg":"HS256","typ":"JWT"})",
                        std::string_view key = secret) {
  const auto input = signing_input(header, payload);
  return input + "." + b64url(hmac_sha256(key, input));
}
std::string pkey_token(EVP_PKEY* key, std::string_view header, std::string_view payload) {
  const auto input = signing_input(header, payload);
  return input + "." + b64url(digest_sign(key, input));
}

// Changes one byte of the token's decoded signature, keeping the encoding valid.
std::string flip_signature(const std::string& token) {
  const auto dot = token.rfind('.');
  std::string sig = token.substr(dot + 1);
  // A middle character carries six bits of signature and none of padding.
  sig[sig.size() / 2] = sig[sig.size() / 2] == 'A' ? 'B' : 'A';
  return token.substr(0, dot + 1) + sig;
}

std::string error_of(std::string_view token, const JwtKeys& keys, std::int64_t at = now,
                     std::int64_t leeway = default_jwt_leeway_seconds) {
  const auto r = verify_jwt(token, keys, at, leeway);
  EXPECT_EQ(r.ok(), r.error.empty());
  return r.ok() ? "ok" : r.error;
}

// Keys generated once for the suite (RSA generation is slow under the sanitizers) and
// written to a directory of its own, removed at the end.
class Jwt : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    static std::atomic<int> counter{0};
    dir_ = new fs::path(fs::temp_directory_path() / ("smq-jwt-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(counter++)));
    fs::create_directories(*dir_);
    rsa_ = rsa_key(2048).release();
    ec_ = ec_key("P-256").release();
    write("secret", secret);
    write("rsa.pem", public_pem(rsa_));
    write("ec.pem", public_pem(ec_));
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    fs::remove_all(*dir_, ec);
    delete dir_;
    EVP_PKEY_free(rsa_);
    EVP_PKEY_free(ec_);
  }
  static std::string write(const std::string& name, std::string_view text) {
    const auto path = (*dir_ / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  static std::string path(const std::string& name) { return (*dir_ / name).string(); }
  // The message JwtKeys::load throws, or "" when it loads.
  static std::string load_error(const std::string& secret_file, const std::string& public_file) {
    try {
      JwtKeys::load(secret_file, public_file);
      return "";
    } catch (const std::runtime_error& e) {
      return e.what();
    }
  }

  JwtKeys hs_ = JwtKeys::load(path("secret"), "");
  JwtKeys rs_ = JwtKeys::load("", path("rsa.pem"));
  JwtKeys es_ = JwtKeys::load("", path("ec.pem"));

  static fs::path* dir_;
  static EVP_PKEY* rsa_;
  static EVP_PKEY* ec_;
};
fs::path* Jwt::dir_ = nullptr;
EVP_PKEY* Jwt::rsa_ = nullptr;
EVP_PKEY* Jwt::ec_ = nullptr;

constexpr std::string_view rs_header = R"({"alg":"RS256","typ":"JWT"})";
constexpr std::string_view es_header = R"({"alg":"ES256"})";
constexpr std::string_view alice = R"({"sub":"alice"})";

TEST_F(Jwt, Hs256TokenAcceptedAndClaimsRead) {
  const auto token =
      hs256_token(R"({"sub":"alice","exp":1700000600,"nbf":1699999900,"iat":1699999900,)"
                  R"("smq":{"publish":["a/b","c/#"],"subscribe":["x/+"],"observe":[]}})");
  const auto r = verify_jwt(token, hs_, now);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.claims->subject, "alice");
  EXPECT_EQ(r.claims->expires, 1700000600);
  EXPECT_EQ(r.claims->not_before, 1699999900);
  ASSERT_TRUE(r.claims->permissions);
  EXPECT_EQ(r.claims->permissions->publish, (std::vector<std::string>{"a/b", "c/#"}));
  EXPECT_EQ(r.claims->permissions->subscribe, (std::vector<std::string>{"x/+"}));
  EXPECT_TRUE(r.claims->permissions->observe.empty());
}

TEST_F(Jwt, Rs256TokenAccepted) {
  const auto r =
      verify_jwt(pkey_token(rsa_, rs_header, R"({"sub":"bob","exp":1700000001})"), rs_, now);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.claims->subject, "bob");
  EXPECT_EQ(r.claims->expires, 1700000001);
  EXPECT_FALSE(r.claims->not_before);
  EXPECT_FALSE(r.claims->permissions);
}

TEST_F(Jwt, Es256TokenAccepted) {
  const auto r = verify_jwt(
      pkey_token(ec_, es_header, R"({"sub":"carol","smq":{"observe":["#"]}})"), es_, now);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.claims->subject, "carol");
  ASSERT_TRUE(r.claims->permissions);
  EXPECT_TRUE(r.claims->permissions->publish.empty());
  EXPECT_TRUE(r.claims->permissions->subscribe.empty());
  EXPECT_EQ(r.claims->permissions->observe, (std::vector<std::string>{"#"}));
}

TEST_F(Jwt, RsaPkcs1PemAccepted) {
  const auto text = public_pem(rsa_, true);
  ASSERT_NE(text.find("BEGIN RSA PUBLIC KEY"), std::string::npos);
  const auto keys = JwtKeys::load("", write("rsa1.pem", text));
  EXPECT_EQ(error_of(pkey_token(rsa_, rs_header, alice), keys), "ok");
}

TEST_F(Jwt, KeysSayWhichAlgorithms) {
  EXPECT_TRUE(JwtKeys().empty());
  EXPECT_TRUE(JwtKeys::load("", "").empty());
  EXPECT_TRUE(JwtKeys().algorithms().empty());
  EXPECT_FALSE(hs_.empty());
  EXPECT_EQ(hs_.algorithms(), (std::vector<std::string>{"HS256"}));
  EXPECT_EQ(rs_.algorithms(), (std::vector<std::string>{"RS256"}));
  EXPECT_EQ(es_.algorithms(), (std::vector<std::string>{"ES256"}));
  const auto both = JwtKeys::load(path("secret"), path("rsa.pem"));
  EXPECT_EQ(both.algorithms(), (std::vector<std::string>{"HS256", "RS256"}));
  EXPECT_TRUE(both.accepts("RS256"));
  EXPECT_FALSE(both.accepts("ES256"));
  EXPECT_FALSE(both.accepts("none"));
  EXPECT_EQ(error_of(hs256_token(alice), both), "ok");
  EXPECT_EQ(error_of(pkey_token(rsa_, rs_header, alice), both), "ok");
  EXPECT_EQ(error_of(hs256_token(alice), JwtKeys()), "token algorithm not accepted");
  const JwtKeys copy = both;  // shares the key material
  EXPECT_EQ(error_of(hs256_token(alice), copy), "ok");
}

TEST_F(Jwt, ExpiredAndNotYetValidRefused) {
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","exp":1699990000})"), hs_), "token expired");
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","nbf":1700001000})"), hs_), "token not yet valid");
}

TEST_F(Jwt, LeewayAllowsClockSkew) {
  const auto exp = hs256_token(R"({"sub":"a","exp":1700000000})");
  EXPECT_EQ(error_of(exp, hs_, now), "ok");  // now == exp is still valid
  EXPECT_EQ(error_of(exp, hs_, now + 30), "ok");
  EXPECT_EQ(error_of(exp, hs_, now + 31), "token expired");
  EXPECT_EQ(error_of(exp, hs_, now + 1, 0), "token expired");
  EXPECT_EQ(error_of(exp, hs_, now + 1, -100), "token expired");  // negative counts as 0
  EXPECT_EQ(error_of(exp, hs_, now + 100, 100), "ok");
  const auto nbf = hs256_token(R"({"sub":"a","nbf":1700000000})");
  EXPECT_EQ(error_of(nbf, hs_, now), "ok");
  EXPECT_EQ(error_of(nbf, hs_, now - 30), "ok");
  EXPECT_EQ(error_of(nbf, hs_, now - 31), "token not yet valid");
  EXPECT_EQ(error_of(nbf, hs_, now - 1, 0), "token not yet valid");
}

TEST_F(Jwt, ExtremeTimesDoNotOverflow) {
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","exp":9223372036854775807})"), hs_), "ok");
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","nbf":-9223372036854775808})"), hs_), "ok");
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","exp":-9223372036854775808})"), hs_),
            "token expired");
  const auto max = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","nbf":9223372036854775807})"), hs_, max, max), "ok");
}

TEST_F(Jwt, BadSignatureRefused) {
  EXPECT_EQ(error_of(flip_signature(hs256_token(alice)), hs_), "bad token signature");
  EXPECT_EQ(error_of(flip_signature(pkey_token(rsa_, rs_header, alice)), rs_),
            "bad token signature");
  EXPECT_EQ(error_of(flip_signature(pkey_token(ec_, es_header, alice)), es_),
            "bad token signature");
  // Another key of the same kind.
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"HS256"})", secret + "x"), hs_),
            "bad token signature");
  const auto other_ec = ec_key("P-256");
  EXPECT_EQ(error_of(pkey_token(other_ec.get(), es_header, alice), es_), "bad token signature");
  // A payload swapped under a valid signature.
  const auto good = hs256_token(alice);
  const auto forged = good.substr(0, good.find('.') + 1) + b64url(R"({"sub":"admin"})") +
                      good.substr(good.rfind('.'));
  EXPECT_EQ(error_of(forged, hs_), "bad token signature");
}

TEST_F(Jwt, AlgorithmChosenByKeyNotHeader) {
  // An RS256 or ES256 token when only a secret is configured.
  EXPECT_EQ(error_of(pkey_token(rsa_, rs_header, alice), hs_), "token algorithm not accepted");
  EXPECT_EQ(error_of(pkey_token(ec_, es_header, alice), rs_), "token algorithm not accepted");
  EXPECT_EQ(error_of(pkey_token(rsa_, rs_header, alice), es_), "token algorithm not accepted");
  // The RS256 -> HS256 confusion: HMAC keyed with the public key file's bytes.
  const auto pem_bytes = public_pem(rsa_);
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"HS256"})", pem_bytes), rs_),
            "token algorithm not accepted");
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"HS256"})", public_pem(ec_)), es_),
            "token algorithm not accepted");
  // With a secret as well, HS256 is checked against the secret only.
  const auto both = JwtKeys::load(path("secret"), path("rsa.pem"));
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"HS256"})", pem_bytes), both),
            "bad token signature");
  // An RS256 header over an HMAC signature.
  const auto input = signing_input(rs_header, alice);
  EXPECT_EQ(error_of(input + "." + b64url(hmac_sha256(pem_bytes, input)), both),
            "bad token signature");
}

TEST_F(Jwt, AlgNoneRefused) {
  const auto input = signing_input(R"({"alg":"none"})", alice);
  EXPECT_EQ(error_of(input + ".", hs_), "malformed token");
  EXPECT_EQ(error_of(input + ".AAAA", hs_), "unsigned token refused");
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"none"})"), hs_), "unsigned token refused");
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"None"})"), hs_), "token algorithm not accepted");
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"NONE"})"), JwtKeys()),
            "token algorithm not accepted");
}

TEST_F(Jwt, UnknownOrMissingAlgRefused) {
  for (const char* header : {R"({"alg":"HS512"})", R"({"alg":"hs256"})", R"({"alg":"PS256"})",
                             R"({"alg":"HS256 "})", R"({"alg":""})"}) {
    EXPECT_EQ(error_of(hs256_token(alice, header), hs_), "token algorithm not accepted") << header;
  }
  for (const char* header :
       {R"({"typ":"JWT"})", R"({"alg":256})", R"({"alg":null})", R"({"alg":["HS256"]})"}) {
    EXPECT_EQ(error_of(hs256_token(alice, header), hs_), "token header has no alg") << header;
  }
}

TEST_F(Jwt, CritRefused) {
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"HS256","crit":["exp"],"exp":1})"), hs_),
            "token has crit header");
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"HS256","crit":[]})"), hs_),
            "token has crit header");
}

TEST_F(Jwt, TypMustBeJwt) {
  for (const char* header :
       {R"({"alg":"HS256","typ":"JWT"})", R"({"alg":"HS256","typ":"jwt"})",
        R"({"alg":"HS256","typ":"jWt","kid":"key-1"})", R"({"alg":"HS256","kid":7})"}) {
    EXPECT_EQ(error_of(hs256_token(alice, header), hs_), "ok") << header;
  }
  for (const char* header : {R"({"alg":"HS256","typ":"JWS"})", R"({"alg":"HS256","typ":"at+jwt"})",
                             R"({"alg":"HS256","typ":"JWT "})", R"({"alg":"HS256","typ":1})",
                             R"({"alg":"HS256","typ":null})"}) {
    EXPECT_EQ(error_of(hs256_token(alice, header), hs_), "token type is not jwt") << header;
  }
}

TEST_F(Jwt, MalformedTokensRefused) {
  const auto good = hs256_token(alice);
  const auto dot1 = good.find('.');
  const auto dot2 = good.rfind('.');
  EXPECT_EQ(error_of("", hs_), "malformed token");
  EXPECT_EQ(error_of("abc", hs_), "malformed token");
  EXPECT_EQ(error_of(good.substr(0, dot2), hs_), "malformed token");
  EXPECT_EQ(error_of(good + ".AAAA", hs_), "malformed token");
  EXPECT_EQ(error_of(good + ".", hs_), "malformed token");
  EXPECT_EQ(error_of("." + good.substr(dot1), hs_), "malformed token");
  EXPECT_EQ(error_of(good.substr(0, dot1 + 1) + good.substr(dot2), hs_), "malformed token");
  // Encoding: padding, other alphabets, whitespace, impossible length, non-zero spare bits.
  EXPECT_EQ(error_of(good + "=", hs_), "bad token encoding");
  EXPECT_EQ(error_of(good.substr(0, dot1) + "=" + good.substr(dot1), hs_), "bad token encoding");
  std::string plus = good;
  plus[dot2 + 3] = '+';
  EXPECT_EQ(error_of(plus, hs_), "bad token encoding");
  std::string slash = good;
  slash[2] = '/';
  EXPECT_EQ(error_of(slash, hs_), "bad token encoding");
  EXPECT_EQ(error_of(good.substr(0, dot1) + " " + good.substr(dot1), hs_), "bad token encoding");
  EXPECT_EQ(error_of(good + "AA", hs_), "bad token encoding");  // 45 characters: 45 % 4 == 1
  EXPECT_EQ(error_of("A.AAAA.AAAA", hs_), "bad token encoding");
}

TEST_F(Jwt, Base64urlSpareBitsMustBeZero) {
  // "YQ" is "a"; "YR" would decode to the same byte with a spare bit set.
  EXPECT_EQ(error_of("YR.e30.AAAA", hs_), "bad token encoding");
  EXPECT_EQ(error_of("YQ.e30.AAAA", hs_), "token header is not json");
  // 32 zero bytes are 43 'A's; a final 'B' sets one of the last character's 2 spare bits.
  const auto input = signing_input(R"({"alg":"HS256"})", alice);
  EXPECT_EQ(error_of(input + "." + std::string(43, 'A'), hs_), "bad token signature");
  EXPECT_EQ(error_of(input + "." + std::string(42, 'A') + "B", hs_), "bad token encoding");
}

TEST_F(Jwt, TooLongRefused) {
  // The longest valid token that fits is accepted; one padding byte more is refused.
  const auto padded = [](std::size_t n) {
    return hs256_token(R"({"sub":"a","pad":")" + std::string(n, 'x') + R"("})");
  };
  std::size_t n = max_jwt_bytes * 3 / 4 - 100;
  ASSERT_LE(padded(n).size(), max_jwt_bytes);
  while (padded(n + 1).size() <= max_jwt_bytes) ++n;
  EXPECT_EQ(error_of(padded(n), hs_), "ok");
  EXPECT_GT(padded(n + 1).size(), max_jwt_bytes);
  EXPECT_EQ(error_of(padded(n + 1), hs_), "token too long");
  EXPECT_EQ(error_of(std::string(max_jwt_bytes + 1, 'A'), hs_), "token too long");
}

TEST_F(Jwt, HeaderAndPayloadMustBeJsonObjects) {
  EXPECT_EQ(error_of(hs256_token(alice, R"(["HS256"])"), hs_), "token header is not a json object");
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"HS256")"), hs_), "token header is not json");
  EXPECT_EQ(error_of(hs256_token(alice, "{'alg':'HS256'}"), hs_), "token header is not json");
  for (const char* payload : {R"(["alice"])", R"("alice")", "42", "null"}) {
    EXPECT_EQ(error_of(hs256_token(payload), hs_), "token payload is not a json object") << payload;
  }
  for (const char* payload : {R"({"sub":"alice")", R"({"sub":"alice"} x)", "{\"sub\":\"\xff\"}",
                              R"({"sub":"alice",})", R"({"sub":"alice" /* c */})"}) {
    EXPECT_EQ(error_of(hs256_token(payload), hs_), "token payload is not json") << payload;
  }
}

TEST_F(Jwt, DuplicateKeysAndDeepNestingRefused) {
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"alice","sub":"admin"})"), hs_),
            "duplicate key in token json");
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"none","alg":"HS256"})"), hs_),
            "duplicate key in token json");
  // The same key in different objects is fine.
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","x":{"sub":1},"y":[{"sub":2},{"sub":3}]})"), hs_),
            "ok");
  const std::string deep =
      std::string(max_jwt_json_depth, '[') + std::string(max_jwt_json_depth, ']');
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","x":)" + deep + "}"), hs_), "token json too deep");
  const std::string ok =
      std::string(max_jwt_json_depth - 1, '[') + std::string(max_jwt_json_depth - 1, ']');
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","x":)" + ok + "}"), hs_), "ok");
}

TEST_F(Jwt, SubjectRequired) {
  EXPECT_EQ(error_of(hs256_token(R"({"exp":1800000000})"), hs_), "token has no subject");
  EXPECT_EQ(error_of(hs256_token(R"({"sub":""})"), hs_), "token has no subject");
  for (const char* payload :
       {R"({"sub":42})", R"({"sub":null})", R"({"sub":["alice"]})", R"({"sub":"ali\nce"})",
        R"({"sub":"a\u0000"})", R"({"sub":"a\u007f"})"}) {
    EXPECT_EQ(error_of(hs256_token(payload), hs_), "bad token subject") << payload;
  }
  const std::string longest(max_jwt_subject_bytes, 's');
  EXPECT_EQ(error_of(hs256_token(R"({"sub":")" + longest + R"("})"), hs_), "ok");
  EXPECT_EQ(error_of(hs256_token(R"({"sub":")" + longest + R"(s"})"), hs_), "bad token subject");
  const auto r = verify_jwt(hs256_token(R"({"sub":"J\u00fcrgen:dev|1"})"), hs_, now);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.claims->subject, "J\xc3\xbcrgen:dev|1");
}

TEST_F(Jwt, TimesMustBeIntegers) {
  for (const char* payload :
       {R"({"sub":"a","exp":1800000000.5})", R"({"sub":"a","exp":1.8e9})",
        R"({"sub":"a","exp":"1800000000"})", R"({"sub":"a","exp":true})",
        R"({"sub":"a","exp":null})", R"({"sub":"a","exp":9223372036854775808})"}) {
    EXPECT_EQ(error_of(hs256_token(payload), hs_), "bad exp claim") << payload;
  }
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","nbf":1.0})"), hs_), "bad nbf claim");
  EXPECT_EQ(error_of(hs256_token(R"({"sub":"a","nbf":[1]})"), hs_), "bad nbf claim");
}

TEST_F(Jwt, BadSmqClaimRefused) {
  for (const char* smq :
       {"[]", R"("publish")", "null", "1", R"({"publish":"a/b"})", R"({"publish":[1]})",
        R"({"publish":[["a"]]})", R"({"publish":null})", R"({"subscribe":[null]})",
        R"({"observe":{"x":"y"}})", R"({"publish":[],"admin":true})", R"({"Publish":["a"]})"}) {
    EXPECT_EQ(error_of(hs256_token(std::string(R"({"sub":"a","smq":)") + smq + "}"), hs_),
              "bad smq claim")
        << smq;
  }
  const auto r = verify_jwt(hs256_token(R"({"sub":"a","smq":{}})"), hs_, now);
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_TRUE(r.claims->permissions);
  EXPECT_TRUE(r.claims->permissions->publish.empty());
}

TEST_F(Jwt, OtherClaimsIgnored) {
  const auto r = verify_jwt(
      hs256_token(
          R"({"iss":"https://id.example","aud":["smq",1],"iat":"x","jti":{},"sub":"a","x":null})"),
      hs_, now);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.claims->subject, "a");
}

TEST_F(Jwt, Es256SignatureMustBe64Bytes) {
  const auto input = signing_input(es_header, alice);
  const auto der = digest_sign(ec_, input, false);
  EXPECT_EQ(error_of(input + "." + b64url(der), es_), "es256 signature is not 64 bytes");
  const auto raw = digest_sign(ec_, input);
  ASSERT_EQ(raw.size(), 64u);
  EXPECT_EQ(error_of(input + "." + b64url(raw), es_), "ok");
  EXPECT_EQ(error_of(input + "." + b64url(raw.substr(1)), es_), "es256 signature is not 64 bytes");
  EXPECT_EQ(error_of(input + "." + b64url(raw + '\0'), es_), "es256 signature is not 64 bytes");
  EXPECT_EQ(error_of(input + "." + b64url(std::string(64, '\0')), es_), "bad token signature");
  EXPECT_EQ(error_of(input + "." + b64url(std::string(64, '\xff')), es_), "bad token signature");
}

TEST_F(Jwt, SecretFileTrailingNewlineStripped) {
  for (const char* ending : {"\n", "\r\n"}) {
    const auto keys = JwtKeys::load(write("secret-nl", secret + ending), "");
    EXPECT_EQ(error_of(hs256_token(alice), keys), "ok") << ending;
  }
  // Only one line ending goes; the rest is part of the secret.
  const auto keys = JwtKeys::load(write("secret-2nl", secret + "\n\n"), "");
  EXPECT_EQ(error_of(hs256_token(alice), keys), "bad token signature");
  EXPECT_EQ(error_of(hs256_token(alice, R"({"alg":"HS256"})", secret + "\n"), keys), "ok");
}

TEST_F(Jwt, KeyLoadingErrors) {
  const auto missing = path("missing");
  EXPECT_EQ(load_error(missing, ""), missing + ": No such file or directory");
  EXPECT_EQ(load_error("", missing), missing + ": No such file or directory");
  EXPECT_EQ(load_error(dir_->string(), ""), dir_->string() + ": not a regular file");
  const auto empty = write("empty", "");
  EXPECT_EQ(load_error(empty, ""), empty + ": empty secret");
  EXPECT_EQ(load_error(write("newline", "\n"), ""), path("newline") + ": empty secret");
  const auto short_secret = write("short", std::string(min_jwt_secret_bytes - 1, 'k') + "\n");
  EXPECT_EQ(load_error(short_secret, ""),
            short_secret + ": secret of 31 bytes; HS256 needs at least 32 (256 bits)");
  EXPECT_EQ(load_error(write("just", std::string(min_jwt_secret_bytes, 'k')), ""), "");
  EXPECT_NE(load_error(write("huge", std::string(max_jwt_key_file_bytes + 1, 'k')), "")
                .find("larger than"),
            std::string::npos);

  const auto rsa1024 = rsa_key(1024);
  const auto weak = write("rsa1024.pem", public_pem(rsa1024.get()));
  EXPECT_EQ(load_error("", weak), weak + ": RSA key of 1024 bits; RS256 needs at least 2048");
  const auto p384 = ec_key("secp384r1");
  const auto curve = write("p384.pem", public_pem(p384.get()));
  EXPECT_EQ(load_error("", curve),
            curve + ": EC key on curve secp384r1; ES256 needs P-256 (prime256v1)");
  const Pkey ed(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
  const auto ed_file = write("ed.pem", public_pem(ed.get()));
  EXPECT_EQ(load_error("", ed_file),
            ed_file + ": unsupported key type ED25519; RSA or EC P-256 expected");

  const auto garbage =
      write("garbage.pem", "-----BEGIN PUBLIC KEY-----\nbm90IGEga2V5\n-----END PUBLIC KEY-----\n");
  EXPECT_EQ(load_error("", garbage), garbage + ": malformed PEM public key");
  const auto text = write("text.pem", "just some text\n");
  EXPECT_EQ(load_error("", text), text + ": not a PEM file");
  const auto priv = write("priv.pem", private_pem(ec_));
  EXPECT_EQ(load_error("", priv), priv + ": holds a private key; give the public key");
  const auto cert =
      write("cert.pem", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
  EXPECT_EQ(load_error("", cert),
            cert + ": not a PEM public key (BEGIN PUBLIC KEY or BEGIN RSA PUBLIC KEY)");
  const auto two = write("two.pem", public_pem(rsa_) + public_pem(ec_));
  EXPECT_EQ(load_error("", two), two + ": more than one PEM block; give one public key");
  // A bad public key file fails the whole load even with a good secret.
  EXPECT_EQ(load_error(path("secret"), garbage), garbage + ": malformed PEM public key");
}

TEST_F(Jwt, NeverThrowsOnMangledTokens) {
  const std::string tokens[] = {hs256_token(R"({"sub":"a","smq":{"publish":["x"]}})"),
                                pkey_token(rsa_, rs_header, alice),
                                pkey_token(ec_, es_header, alice)};
  const JwtKeys keys = JwtKeys::load(path("secret"), path("ec.pem"));
  std::mt19937 rng(7);
  const std::string chars = "AZaz09-_.=+/{}\"\\ \x01\xff";
  for (int i = 0; i < 2000; ++i) {
    std::string t = tokens[static_cast<std::size_t>(i) % 3];
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !t.empty(); ++e) {
      const std::size_t at = rng() % t.size();
      const auto op = rng() % 3;
      if (op == 0) t[at] = chars[rng() % chars.size()];
      if (op == 1) t.erase(at, 1 + rng() % 4);
      if (op == 2) t.insert(at, 1, chars[rng() % chars.size()]);
    }
    JwtResult r;
    EXPECT_NO_THROW(r = verify_jwt(t, keys, now));
    EXPECT_EQ(r.ok(), r.error.empty());
  }
}

// A refused token must not leave entries in the thread's OpenSSL error queue, where the TLS
// code on the same thread would take them for its own.
TEST_F(Jwt, OpenSslErrorQueueLeftClean) {
  ERR_clear_error();
  const auto input = signing_input(es_header, alice);
  EXPECT_EQ(error_of(input + "." + b64url(std::string(64, '\xff')), es_), "bad token signature");
  EXPECT_EQ(error_of(flip_signature(pkey_token(rsa_, rs_header, alice)), rs_),
            "bad token signature");
  EXPECT_EQ(error_of(signing_input(rs_header, alice) + ".AAAA", rs_), "bad token signature");
  EXPECT_NE(load_error("", write("bad.pem",
                                 "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")),
            "");
  EXPECT_EQ(ERR_peek_error(), 0u);
}

TEST_F(Jwt, LooksLikeJwt) {
  for (const std::string& yes : {std::string("a.b.c"), hs256_token(alice), std::string("Ab-_9.x.y"),
                                 std::string(max_jwt_bytes - 4, 'A') + ".b.c"}) {
    EXPECT_TRUE(looks_like_jwt(yes)) << yes.substr(0, 40);
  }
  for (const std::string& no :
       {std::string("alice:secret"), std::string("alice"), std::string(""), std::string("a..c"),
        std::string(".b.c"), std::string("a.b."), std::string("a.b"), std::string("a.b.c.d"),
        std::string("..."), std::string("a.b=.c"), std::string("a.b+.c"), std::string("a.b c.d"),
        std::string("user.name:pass.word.x"), std::string(max_jwt_bytes - 3, 'A') + ".b.c"}) {
    EXPECT_FALSE(looks_like_jwt(no)) << no.substr(0, 40);
  }
}

}  // namespace
}  // namespace smq::auth
