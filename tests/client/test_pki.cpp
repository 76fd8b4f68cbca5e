// Test certificates with the OpenSSL API (see test_pki.hpp).
#include "test_pki.hpp"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <stdexcept>

#include <gtest/gtest.h>

namespace smqclienttest {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

void check(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("test PKI: ") + what);
}

Key make_key() {
  Key key(EVP_EC_gen("P-256"), EVP_PKEY_free);
  check(key != nullptr, "EVP_EC_gen");
  return key;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  check(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// Self-signed when issuer is null.
Cert make_cert(EVP_PKEY* key, const char* cn, X509* issuer, EVP_PKEY* issuer_key, bool ca,
               const char* san) {
  Cert cert(X509_new(), X509_free);
  X509* x = cert.get();
  X509_set_version(x, 2);
  unsigned char serial[8];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7F;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(x), -3600);
  X509_gmtime_adj(X509_getm_notAfter(x), 2 * 24 * 3600);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn),
                             -1, -1, 0);
  X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
  X509* signer = issuer ? issuer : x;
  add_ext(x, signer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
  add_ext(x, signer, NID_subject_key_identifier, "hash");
  if (ca) add_ext(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
  if (san) add_ext(x, signer, NID_subject_alt_name, san);
  check(X509_sign(x, issuer ? issuer_key : key, EVP_sha256()) > 0, "X509_sign");
  return cert;
}

void write_cert(const std::string& path, X509* cert) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "open cert file");
  PEM_write_X509(f, cert);
  std::fclose(f);
}

void write_key(const std::string& path, EVP_PKEY* key) {
  FILE* f = std::fopen(path.c_str(), "w");
  check(f != nullptr, "open key file");
  PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
}

TestPki make() {
  TestPki p;
  p.dir = ::testing::TempDir() + "smq_client_pki_" + std::to_string(::getpid());
  std::filesystem::create_directories(p.dir);
  auto path = [&](const char* name) { return p.dir + "/" + name; };

  Key ca_key = make_key();
  Cert ca = make_cert(ca_key.get(), "smq client test CA", nullptr, nullptr, true, nullptr);
  Key server_key = make_key();
  Cert server = make_cert(server_key.get(), "smq test server", ca.get(), ca_key.get(), false,
                          "IP:127.0.0.1,DNS:localhost");
  Key client_key = make_key();
  Cert client =
      make_cert(client_key.get(), "smq test client", ca.get(), ca_key.get(), false, nullptr);
  Key rogue_key = make_key();
  Cert rogue = make_cert(rogue_key.get(), "smq rogue CA", nullptr, nullptr, true, nullptr);
  Key intruder_key = make_key();
  Cert intruder =
      make_cert(intruder_key.get(), "smq intruder", rogue.get(), rogue_key.get(), false, nullptr);

  p.ca_cert = path("ca.pem");
  write_cert(p.ca_cert, ca.get());
  p.server_cert = path("server.pem");
  write_cert(p.server_cert, server.get());
  p.server_key = path("server.key");
  write_key(p.server_key, server_key.get());
  p.client_cert = path("client.pem");
  write_cert(p.client_cert, client.get());
  p.client_key = path("client.key");
  write_key(p.client_key, client_key.get());
  p.rogue_ca_cert = path("rogue.pem");
  write_cert(p.rogue_ca_cert, rogue.get());
  p.rogue_client_cert = path("intruder.pem");
  write_cert(p.rogue_client_cert, intruder.get());
  p.rogue_client_key = path("intruder.key");
  write_key(p.rogue_client_key, intruder_key.get());
  return p;
}

}  // namespace

const TestPki& test_pki() {
  static const TestPki pki = make();
  return pki;
}

}  // namespace smqclienttest
