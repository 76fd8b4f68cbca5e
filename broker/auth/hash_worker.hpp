// Password checks off the event loop. A PBKDF2 check costs about 0.12 s of a core by design;
// on the broker thread one login would stall every client for that long. The worker threads
// take jobs from a bounded queue and post each verdict back to the broker's io_context, where
// the login carries on. A full queue refuses at once: work beyond it could not finish within a
// Connect deadline anyway. Threads: their own; submit() and the completions: broker thread.
#pragma once

#include <asio/io_context.hpp>

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace smq::auth {

// Threads that check passwords: half the cores (the other half keeps routing), at least one,
// at most four (a login storm should not take a large server from its clients either).
std::size_t hash_thread_count();
// Jobs waiting per thread: 16 checks of 0.12 s are about two seconds of work, half the
// default Connect deadline; a queue longer than that only holds logins that will time out.
inline constexpr std::size_t queued_checks_per_thread = 16;

class HashWorker {
 public:
  // Called on the broker thread with the verdict.
  using Done = std::function<void(bool match)>;

  HashWorker(asio::io_context& io, std::size_t threads);
  // Stops the threads; jobs not yet started are dropped and their Done is never called.
  ~HashWorker();
  HashWorker(const HashWorker&) = delete;
  HashWorker& operator=(const HashWorker&) = delete;

  // Queues a check of `password` against `stored_hash`; without a stored hash (unknown user)
  // the password is checked against a dummy hash with `dummy_iterations`, so that the answer
  // takes as long as for a real user. False when the queue is full (nothing queued).
  bool submit(std::string password, std::optional<std::string> stored_hash,
              std::uint32_t dummy_iterations, Done done);

  std::size_t queued() const;
  std::size_t capacity() const { return capacity_; }

 private:
  struct Job {
    std::string password;
    std::optional<std::string> stored_hash;
    std::uint32_t dummy_iterations = 0;
    Done done;
  };
  void work();
  // A hash of a random password with `iterations`, made once per count and kept per thread.
  static const std::string& dummy_hash(std::uint32_t iterations);

  asio::io_context& io_;
  std::size_t capacity_;
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace smq::auth
