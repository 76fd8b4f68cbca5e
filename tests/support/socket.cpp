// POSIX implementation of the loopback test socket (see socket.hpp).
#include "socket.hpp"

#include <arpa/inet.h>
#include <cerrno>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>
#include <utility>

namespace smqtest {

Ms remaining(Clock::time_point deadline) {
  auto now = Clock::now();
  if (now >= deadline) return Ms(0);
  return std::chrono::ceil<Ms>(deadline - now);
}

Socket::~Socket() { close(); }

Socket::Socket(Socket&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), in_(std::move(other.in_)), pos_(other.pos_), eof_(other.eof_),
      reset_(other.reset_) {}

Socket& Socket::operator=(Socket&& other) noexcept {
  if (this != &other) {
    close();
    fd_ = std::exchange(other.fd_, -1);
    in_ = std::move(other.in_);
    pos_ = other.pos_;
    eof_ = other.eof_;
    reset_ = other.reset_;
  }
  return *this;
}

bool Socket::connect_loopback(std::uint16_t port, bool ipv6) {
  close();
  in_.clear();
  pos_ = 0;
  eof_ = reset_ = false;
  int fd = ::socket(ipv6 ? AF_INET6 : AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  int rc;
  if (ipv6) {
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(port);
    a.sin6_addr = in6addr_loopback;
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  } else {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    rc = ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  }
  if (rc != 0) {
    ::close(fd);
    return false;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  fd_ = fd;
  return true;
}

bool Socket::send_all(std::string_view bytes) {
  if (fd_ < 0) return false;
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    ssize_t n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    sent += static_cast<std::size_t>(n);
  }
  return true;
}

bool Socket::send_chopped(std::string_view bytes, std::size_t chunk, Ms pause) {
  if (chunk == 0) chunk = 1;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    if (!send_all(bytes.substr(at, chunk))) return false;
    if (pause.count() > 0) std::this_thread::sleep_for(pause);
  }
  return true;
}

void Socket::shutdown_write() {
  if (fd_ >= 0) ::shutdown(fd_, SHUT_WR);
}

void Socket::close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool Socket::fill(Ms timeout) {
  if (fd_ < 0 || eof_) return false;
  pollfd p{fd_, POLLIN, 0};
  for (;;) {
    int rc = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (rc < 0 && errno == EINTR) continue;
    if (rc <= 0) return false;  // timeout
    break;
  }
  return read_available();
}

bool Socket::read_available() {
  if (fd_ < 0 || eof_) return false;
  if (pos_ > 0 && pos_ * 2 >= in_.size()) {
    in_.erase(0, pos_);
    pos_ = 0;
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd_, buf, sizeof buf, MSG_DONTWAIT);
    if (n > 0) {
      in_.append(buf, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) {
      eof_ = true;
      return false;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return true;  // nothing yet
    eof_ = true;  // ECONNRESET and friends: the peer is gone
    reset_ = true;
    return false;
  }
}

bool Socket::ensure(std::size_t n, Clock::time_point deadline) {
  while (in_.size() - pos_ < n) {
    if (!fill(remaining(deadline))) return false;
  }
  return true;
}

Bytes Socket::take(std::size_t n) {
  Bytes out = in_.substr(pos_, n);
  pos_ += out.size();
  if (pos_ == in_.size()) {
    in_.clear();
    pos_ = 0;
  }
  return out;
}

std::optional<Bytes> Socket::read_until(std::string_view delim, std::size_t max, Ms timeout) {
  auto deadline = Clock::now() + timeout;
  std::size_t searched = 0;
  for (;;) {
    std::string_view in = pending();
    auto at = in.find(delim, searched > delim.size() ? searched - delim.size() : 0);
    if (at != std::string::npos && at + delim.size() <= max) return take(at + delim.size());
    if (in.size() >= max) return std::nullopt;
    searched = in.size();
    if (!fill(remaining(deadline))) return std::nullopt;
  }
}

}  // namespace smqtest
