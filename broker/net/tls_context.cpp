// Server TLS context (see tls_context.hpp).
#include "broker/net/tls_context.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <filesystem>
#include <stdexcept>
#include <string>

namespace smq {
namespace {

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  if (code == 0) return "unknown error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

void require_file(const std::string& path, const char* what) {
  std::error_code ec;
  if (path.empty()) throw std::runtime_error(std::string("TLS needs ") + what);
  if (!std::filesystem::is_regular_file(path, ec) || std::filesystem::file_size(path, ec) == 0) {
    throw std::runtime_error(std::string(what) + " '" + path + "' is missing or empty");
  }
}

}  // namespace

std::unique_ptr<asio::ssl::context> make_tls_context(const BrokerOptions& options) {
  require_file(options.tls_cert_file, "a certificate file (--tls-cert)");
  require_file(options.tls_key_file, "a private key file (--tls-key)");
  auto context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // No renegotiation, no compression, fresh keys per session.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION |
                               SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_SINGLE_DH_USE);
  if (SSL_CTX_use_certificate_chain_file(ctx, options.tls_cert_file.c_str()) != 1) {
    throw std::runtime_error("certificate '" + options.tls_cert_file + "': " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, options.tls_key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("private key '" + options.tls_key_file + "': " + openssl_reason());
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    throw std::runtime_error("private key does not match the certificate: " + openssl_reason());
  }
  if (!options.tls_client_ca_file.empty()) {
    require_file(options.tls_client_ca_file, "a client CA file (--tls-client-ca)");
    if (SSL_CTX_load_verify_locations(ctx, options.tls_client_ca_file.c_str(), nullptr) != 1) {
      throw std::runtime_error("client CA '" + options.tls_client_ca_file +
                               "': " + openssl_reason());
    }
    STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(options.tls_client_ca_file.c_str());
    if (names) SSL_CTX_set_client_CA_list(ctx, names);
    // Ask for a certificate but let the handshake finish whatever the outcome: the SMQ layer
    // answers Connack 0x04 (missing) or 0x05 (rejected), which clients can report.
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, [](int, X509_STORE_CTX*) { return 1; });
  } else if (options.tls_require_client_cert) {
    throw std::runtime_error("--tls-require-client-cert needs --tls-client-ca");
  }
  return context;
}

}  // namespace smq
