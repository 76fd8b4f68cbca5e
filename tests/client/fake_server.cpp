// Scripted misbehaving servers (see fake_server.hpp). The serving thread polls with short
// timeouts so that the destructor can stop it promptly.
#include "fake_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>
#include <string>

namespace smqclienttest {

namespace {

// Reads whatever arrives within `ms`; returns false on EOF/error.
bool read_some(int fd, std::string& into, int ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, ms) <= 0) return true;
  char buf[4096];
  const ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
  if (n <= 0) return false;
  into.append(buf, static_cast<std::size_t>(n));
  return true;
}

void send_all(int fd, const std::string& bytes) {
  std::size_t off = 0;
  while (off < bytes.size()) {
    const ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace

FakeServer::FakeServer(Mode mode) : mode_(mode) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket");
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
      ::listen(listen_fd_, 16) != 0) {
    throw std::runtime_error("bind/listen");
  }
  socklen_t len = sizeof(addr);
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (mode_ != Mode::never_answer) thread_ = std::thread([this] { serve(); });
}

FakeServer::~FakeServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(listen_fd_);
}

void FakeServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    const int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    serve_one(fd);
    ::close(fd);
  }
}

void FakeServer::serve_one(int fd) {
  std::string in;
  // HTTP head of the raw bootstrap.
  while (!stop_ && in.find("\r\n\r\n") == std::string::npos) {
    if (!read_some(fd, in, 20)) return;
  }
  in.erase(0, in.find("\r\n\r\n") + 4);
  send_all(fd, "HTTP/1.1 200 OK\r\nSmqBroker: true\r\n\r\n");
  // Init: length 17, type 1, version 1, seed, "127.0.0.1".
  send_all(fd, std::string("\x00\x11\x01\x01\x12\x34\x56\x78", 8) + "127.0.0.1");
  // Connect: one raw frame.
  while (!stop_ && (in.size() < 2 ||
                    in.size() < (static_cast<std::size_t>(static_cast<unsigned char>(in[0])) << 8 |
                                 static_cast<unsigned char>(in[1])))) {
    if (!read_some(fd, in, 20)) return;
  }
  if (stop_ || in.size() < 3 || in[2] != 0x02) return;
  const std::size_t connect_len =
      (static_cast<std::size_t>(static_cast<unsigned char>(in[0])) << 8) |
      static_cast<unsigned char>(in[1]);
  in.erase(0, connect_len);
  send_all(fd, std::string("\x00\x08\x03\x00\x00\x00\x12\x34", 8));
  ++handshakes_;
  // Silence: count Pings, answer nothing.
  while (!stop_) {
    if (!read_some(fd, in, 20)) return;
    for (std::size_t at; (at = in.find(std::string("\x00\x03\x0C", 3))) != std::string::npos;) {
      ++pings_;
      in.erase(0, at + 3);
    }
  }
}

}  // namespace smqclienttest
