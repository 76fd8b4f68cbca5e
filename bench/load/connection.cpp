// Generator connection I/O (see connection.hpp). Worker thread only.
#include "connection.hpp"

#include <netinet/in.h>
#include <netinet/tcp.h>

#include <asio/connect.hpp>
#include <asio/write.hpp>
#include <fmt/format.h>

#include <cstring>

namespace smq::bench {
namespace {

constexpr std::size_t max_read_buffer = 8 * 1024 * 1024;

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

}  // namespace

Connection::Connection(asio::io_context& io, ConnectionHandler& handler, BrokerKind broker,
                       TransportKind transport, WireSetup setup,
                       asio::ip::tcp::endpoint broker_address, asio::ip::address source,
                       std::size_t read_buffer)
    : socket_(io),
      handler_(handler),
      wire_(make_wire(broker, transport, std::move(setup), *this)),
      broker_address_(broker_address),
      source_(source),
      read_buffer_(read_buffer) {}

void Connection::start() {
  asio::error_code ec;
  socket_.open(broker_address_.protocol(), ec);
  if (!ec && !source_.is_unspecified()) {
    // Choose the port at connect time, per destination, so each 127.0.0.x source address
    // has the whole ephemeral port range to itself.
    const int one = 1;
    ::setsockopt(socket_.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    socket_.bind({source_, 0}, ec);
  }
  if (ec) return fail(fmt::format("socket: {}", ec.message()));
  socket_.async_connect(broker_address_, [this](const asio::error_code& error) {
    if (error) return fail(fmt::format("connect: {}", error.message()));
    socket_.set_option(asio::ip::tcp::no_delay(true));
    rbuf_.resize(read_buffer_);
    wire_->start(out_);
    flush();
    read_more();
  });
}

void Connection::read_more() {
  if (rbegin_ == rend_) {
    rbegin_ = rend_ = 0;
  } else if (rend_ == rbuf_.size()) {
    if (rbegin_ > 0) {  // make room at the back by moving the partial unit to the front
      std::memmove(rbuf_.data(), rbuf_.data() + rbegin_, rend_ - rbegin_);
      rend_ -= rbegin_;
      rbegin_ = 0;
    } else if (rbuf_.size() < max_read_buffer) {
      rbuf_.resize(rbuf_.size() * 2);
    } else {
      return fail("a unit from the broker exceeds the read buffer");
    }
  }
  socket_.async_read_some(
      asio::buffer(rbuf_.data() + rend_, rbuf_.size() - rend_),
      [this](const asio::error_code& error, std::size_t n) {
        if (failed_) return;
        if (error) {
          return fail(error == asio::error::eof ? "broker closed the connection"
                                                : fmt::format("read: {}", error.message()));
        }
        rend_ += n;
        rbegin_ += wire_->consume({rbuf_.data() + rbegin_, rend_ - rbegin_}, out_);
        if (failed_) return;
        flush();
        read_more();
      });
}

void Connection::flush() {
  if (write_active_ || out_.empty() || failed_) return;
  write_active_ = true;
  writing_.swap(out_);
  asio::async_write(socket_, asio::buffer(writing_), [this](const asio::error_code& error, std::size_t) {
    write_active_ = false;
    writing_.clear();
    if (error) return fail(fmt::format("write: {}", error.message()));
    flush();
  });
}

void Connection::close() {
  asio::error_code ignored;
  failed_ = true;  // from here on nothing is reported
  socket_.close(ignored);
}

void Connection::on_wire_ready() {
  ready_ = true;
  handler_.on_ready(*this);
}

void Connection::on_wire_message(const Incoming& message) { handler_.on_message(*this, message); }

void Connection::on_wire_error(std::string what) { fail(what); }

void Connection::fail(const std::string& what) {
  if (failed_) return;
  failed_ = true;
  asio::error_code ignored;
  socket_.close(ignored);
  handler_.on_error(*this, what);
}

}  // namespace smq::bench
