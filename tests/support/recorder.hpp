// Recorder: collects values pushed from another thread (a broker's or client's callbacks);
// the test thread waits for them. Shared by the integration and client tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

namespace smqtest {

template <typename T>
class Recorder {
 public:
  using Ms = std::chrono::milliseconds;

  void push(T value) {
    {
      std::lock_guard lock(mu_);
      items_.push_back(std::move(value));
    }
    cv_.notify_all();
  }
  // Waits until at least n items were pushed.
  bool wait_for(std::size_t n, Ms timeout = Ms(3000)) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return items_.size() >= n; });
  }
  std::vector<T> items() const {
    std::lock_guard lock(mu_);
    return items_;
  }
  T at(std::size_t i) const {
    std::lock_guard lock(mu_);
    return items_.at(i);
  }
  std::size_t size() const {
    std::lock_guard lock(mu_);
    return items_.size();
  }

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<T> items_;
};

}  // namespace smqtest
