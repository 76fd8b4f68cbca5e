// One generator connection: TCP connect (optionally from a chosen 127.0.0.x source address),
// then reads fed to its Wire and writes of what the Wire and the scenario append. All
// callbacks run on the owning worker's event loop. Connections live until the run ends.
#pragma once

#include <asio/io_context.hpp>
#include <asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "wire.hpp"

namespace smq::bench {

class Connection;

// What the scenario does with a connection's events.
class ConnectionHandler {
 public:
  virtual void on_ready(Connection& c) = 0;
  virtual void on_message(Connection& c, const Incoming& message) = 0;
  virtual void on_error(Connection& c, const std::string& what) = 0;

 protected:
  ~ConnectionHandler() = default;
};

class Connection final : private WireEvents {
 public:
  Connection(asio::io_context& io, ConnectionHandler& handler, BrokerKind broker,
             TransportKind transport, WireSetup setup, asio::ip::tcp::endpoint broker_address,
             asio::ip::address source, std::size_t read_buffer);

  void start();
  // Bytes appended to out() are sent by the next flush().
  std::string& out() { return out_; }
  void flush();
  Wire& wire() { return *wire_; }
  bool ready() const { return ready_; }
  void close();

 private:
  void on_wire_ready() override;
  void on_wire_message(const Incoming& message) override;
  void on_wire_error(std::string what) override;
  void read_more();
  void fail(const std::string& what);

  asio::ip::tcp::socket socket_;
  ConnectionHandler& handler_;
  std::unique_ptr<Wire> wire_;
  asio::ip::tcp::endpoint broker_address_;
  asio::ip::address source_;
  std::size_t read_buffer_;  // initial read size; grows for units that do not fit
  std::vector<std::uint8_t> rbuf_;
  std::size_t rbegin_ = 0;
  std::size_t rend_ = 0;
  std::string out_;      // appended to between writes
  std::string writing_;  // the bytes of the write in progress
  bool write_active_ = false;
  bool ready_ = false;
  bool failed_ = false;
};

}  // namespace smq::bench
