// The generator's moving parts: each connection's role (Client), the publishers' flow
// control (Publisher), the worker threads that own connections (Worker), and the shared
// run state (Engine). A connection belongs to one worker's event loop; a publisher's
// delivery counters are written by its subscribers' workers (one counter per worker, a
// single writer each) and read by the publisher's worker.
#pragma once

#include <asio/io_context.hpp>
#include <asio/steady_timer.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <limits>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "connection.hpp"
#include "histogram.hpp"
#include "options.hpp"

namespace smq::bench {

using Counter = std::atomic<std::uint64_t>;
constexpr std::uint64_t never = std::numeric_limits<std::uint64_t>::max();

// Single-writer increment: no locked instruction, readers on other threads see it promptly.
inline void bump(Counter& c, std::uint64_t n = 1) {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

enum class Role { publisher, subscriber, requester, responder };

struct Engine;
struct Worker;

// One connection's part in the scenario.
struct Client final : ConnectionHandler {
  Engine* engine = nullptr;
  Worker* worker = nullptr;
  Role role = Role::subscriber;
  std::unique_ptr<Connection> connection;
  int number = 0;  // connection number, for error messages
  // Publishers and requesters: the publisher index.
  std::uint32_t index = 0;
  // Subscribers and requesters: the publishers they hear from, and the next sequence
  // number expected from each.
  std::uint32_t first_source = 0;
  std::vector<std::uint32_t> next_seq;

  void on_ready(Connection& c) override;
  void on_message(Connection& c, const Incoming& message) override;
  void on_error(Connection& c, const std::string& what) override;
};

// A publishing client's flow control: its window (saturation) or rate (fixed rate), what it
// has sent, and whether it waits for deliveries to free its window.
struct Publisher {
  Client* client = nullptr;
  Worker* worker = nullptr;
  std::uint64_t fanout = 1;     // deliveries each publish causes
  std::uint64_t limit = 0;      // most deliveries in flight (window x fanout)
  std::uint64_t resume = 0;     // a blocked publisher resumes at or below this
  std::uint64_t quota = never;  // most publishes in total
  double rate = 0;              // fixed-rate mode: publishes per second
  double phase = 0;             // fixed-rate mode: offset in [0, 1) of a period
  std::uint64_t skipped = 0;    // fixed-rate mode: publishes dropped from the schedule
  Counter sent{0};
  Counter measured_sent{0};
  std::atomic<bool> blocked{false};
  std::vector<std::uint8_t> payload;
};

// One event-loop thread and the connections it owns, with its share of the counters and
// its own latency histogram (merged after the run).
struct Worker {
  asio::io_context io{1};
  std::thread thread;
  std::vector<std::unique_ptr<Client>> clients;
  std::deque<Client*> to_connect;
  int connecting = 0;
  std::vector<Counter> received;  // per publisher: deliveries seen on this worker
  Counter delivered{0};
  Counter measured{0};
  Counter duplicates{0};
  Counter out_of_order{0};
  Counter throttled{0};
  Histogram latency;
  std::vector<Publisher*> publishers;  // the ones this worker drives
  std::unique_ptr<asio::steady_timer> ticker;
};

// What every worker shares: the options, the run phase and its clock, errors.
struct Engine {
  const BenchOptions& options;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<std::unique_ptr<Publisher>> publishers;
  std::atomic<int> ready{0};
  std::atomic<int> failed{0};
  std::atomic<bool> running{false};
  std::atomic<std::uint64_t> start_ns{never};    // publishing began (fixed-rate clock)
  std::atomic<std::uint64_t> measure_from{never};
  std::atomic<std::uint64_t> measure_to{never};
  std::mutex errors_mutex;
  std::vector<std::string> errors;
  std::uint64_t error_count = 0;

  explicit Engine(const BenchOptions& o) : options(o) {}

  void error(std::string what);
  std::uint64_t outstanding(const Publisher& p) const;
  void send_one(Publisher& p, std::uint64_t now);
  // Saturation: send until the window is full, then mark the publisher blocked; whoever
  // sees its deliveries arrive (or the worker's ticker) wakes it.
  void pump(Publisher& p);
  // Fixed rate: catch up with the schedule, holding back while too much is in flight.
  void pace(Publisher& p, std::uint64_t now);
  void wake(Publisher& p, Worker& here);
  void start_ticker(Worker& w);
  void connect_next(Worker& w);
};

}  // namespace smq::bench
