// Raw-TCP SMQ test client (see raw_client.hpp).
#include "raw_client.hpp"

#include "packets.hpp"

namespace smqtest {

std::string c_bootstrap_request(std::string_view path, std::string_view host) {
  std::string r = "GET ";
  r += path;
  r += " HTTP/1.0\r\nHost: ";
  r += host;
  r += "\r\nSimpleMQ: 1\r\nUser-Agent: SimpleMQ/1\r\n\r\n";
  return r;
}

std::string python_bootstrap_request(std::string_view path, std::string_view host) {
  std::string r = "GET ";
  r += path;
  r += " HTTP/1.1\r\nHost: ";
  r += host;
  r += "\r\nUser-Agent: smqclient.py\r\nConnection: keep-alive\r\nSimpleMQ: 1\r\n"
       "SendSmqHttpResponse: true\r\n\r\n";
  return r;
}

bool RawClient::send_packet(std::string_view packet) { return sock_.send_all(pkt::raw_frame(packet)); }

std::optional<Bytes> RawClient::pop_packet() {
  std::string_view in = sock_.pending();
  if (in.size() < 2) return std::nullopt;
  std::size_t len = get_u16(in, 0);
  if (len < 3) throw WireViolation("broker sent raw frame length " + std::to_string(len));
  if (in.size() < len) return std::nullopt;
  last_len_ = len;
  Bytes frame = sock_.take(len);
  return frame.substr(2);
}

std::optional<Bytes> RawClient::read_packet(Ms timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (auto p = pop_packet()) return p;
    if (!sock_.fill(remaining(deadline))) return pop_packet();
  }
}

CloseResult RawClient::wait_closed(Ms timeout) {
  CloseResult r;
  auto deadline = Clock::now() + timeout;
  for (;;) {
    while (auto p = pop_packet()) r.packets.push_back(std::move(*p));
    if (sock_.eof()) break;
    if (!sock_.fill(remaining(deadline)) && !sock_.eof()) return r;  // timeout
  }
  r.closed = true;
  r.reset = sock_.reset();
  r.junk = Bytes(sock_.pending());
  return r;
}

}  // namespace smqtest
