// Password checks on worker threads (see hash_worker.hpp).
#include "broker/auth/hash_worker.hpp"

#include <asio/post.hpp>

#include <algorithm>
#include <map>

#include "broker/auth/password_file.hpp"
#include "broker/auth/secret.hpp"

namespace smq::auth {
namespace {

constexpr std::size_t max_hash_threads = 4;

}  // namespace

std::size_t hash_thread_count() {
  const std::size_t cores = std::max(1u, std::thread::hardware_concurrency());
  return std::clamp<std::size_t>(cores / 2, 1, max_hash_threads);
}

HashWorker::HashWorker(asio::io_context& io, std::size_t threads)
    : io_(io), capacity_(std::max<std::size_t>(1, threads) * queued_checks_per_thread) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, threads); ++i) {
    threads_.emplace_back([this] { work(); });
  }
}

HashWorker::~HashWorker() {
  {
    const std::lock_guard lock(mutex_);
    stopping_ = true;
    for (Job& job : jobs_) wipe(job.password);
    jobs_.clear();
  }
  wake_.notify_all();
  for (std::thread& t : threads_) t.join();
}

bool HashWorker::submit(std::string password, std::optional<std::string> stored_hash,
                        std::uint32_t dummy_iterations, Done done) {
  {
    const std::lock_guard lock(mutex_);
    if (stopping_ || jobs_.size() >= capacity_) {
      wipe(password);
      return false;
    }
    jobs_.push_back(Job{std::move(password), std::move(stored_hash), dummy_iterations,
                        std::move(done)});
  }
  wake_.notify_one();
  return true;
}

std::size_t HashWorker::queued() const {
  const std::lock_guard lock(mutex_);
  return jobs_.size();
}

const std::string& HashWorker::dummy_hash(std::uint32_t iterations) {
  thread_local std::map<std::uint32_t, std::string> made;
  auto it = made.find(iterations);
  if (it == made.end()) {
    // The password is random and thrown away: no input can match it. When no random bytes
    // can be had, a fixed one serves the same purpose (the salt is what would be predictable,
    // and this hash guards nothing).
    std::uint8_t secret[16];
    std::string password = system_random({secret, sizeof secret})
                               ? std::string(reinterpret_cast<const char*>(secret), sizeof secret)
                               : std::string("no user has this password");
    auto hash = detail::hash_password(password, iterations, system_random);
    wipe(password);
    it = made.emplace(iterations, hash.value_or("")).first;
  }
  return it->second;
}

void HashWorker::work() {
  for (;;) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    bool match = false;
    if (job.stored_hash) {
      match = verify_password(job.password, *job.stored_hash);
    } else {
      // Same work as for a real user, and never a match.
      (void)verify_password(job.password, dummy_hash(job.dummy_iterations));
    }
    wipe(job.password);
    asio::post(io_, [done = std::move(job.done), match] { done(match); });
  }
}

}  // namespace smq::auth
