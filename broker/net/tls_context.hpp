// Builds the server TLS context from the options: certificate chain and key, TLS 1.2 as the
// floor, OpenSSL's modern default ciphers, and client-certificate requests when a client CA
// is configured. Any unusable file is an error at start-up, never a silent fallback. Main or
// broker thread, before listening.
#pragma once

#include <asio/ssl/context.hpp>

#include <memory>

#include "broker/options.hpp"

namespace smq {

// Throws std::runtime_error naming the file and OpenSSL's reason.
std::unique_ptr<asio::ssl::context> make_tls_context(const BrokerOptions& options);

}  // namespace smq
