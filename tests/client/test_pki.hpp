// A throw-away PKI for the TLS tests, made with the OpenSSL API at test time (P-256 keys, so
// it is fast): a CA, a server certificate for 127.0.0.1 / localhost, a client certificate
// from the same CA, and an unrelated "rogue" CA with its own client certificate. PEM files
// in a fresh temporary directory. Test thread only.
#pragma once

#include <string>

namespace smqclienttest {

struct TestPki {
  std::string dir;
  std::string ca_cert;
  std::string server_cert, server_key;
  std::string client_cert, client_key;
  std::string rogue_ca_cert;
  std::string rogue_client_cert, rogue_client_key;
};

// Made once per process (throws std::runtime_error on OpenSSL failures).
const TestPki& test_pki();

}  // namespace smqclienttest
