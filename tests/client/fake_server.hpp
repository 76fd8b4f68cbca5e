// Scripted loopback servers that misbehave on purpose, for timeout and keepalive tests:
// one that accepts TCP connections but never answers, one that completes the raw-SMQ
// handshake (HTTP 200 + Init + Connack) and then goes silent. POSIX sockets; the scripted
// server runs on its own thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

namespace smqclienttest {

class FakeServer {
 public:
  enum class Mode {
    never_answer,  // listen only: connections complete in the backlog, nothing is ever read
    silent_after_connack,
  };
  explicit FakeServer(Mode mode);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  std::uint16_t port() const { return port_; }
  // Pings (raw 00 03 0C) received after the Connack.
  int pings() const { return pings_; }
  // Connections that completed the handshake.
  int handshakes() const { return handshakes_; }

 private:
  void serve();
  void serve_one(int fd);

  Mode mode_;
  int listen_fd_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> pings_{0};
  std::atomic<int> handshakes_{0};
  std::thread thread_;
};

}  // namespace smqclienttest
