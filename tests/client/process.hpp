// Runs a child process (the smq-pub / smq-sub tools) with pipes for stdin and stdout, reads
// its output lines with deadlines and collects its exit status. POSIX; test thread only.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace smqclienttest {

class Process {
 public:
  // Starts `exe` with `args`; stderr is inherited (visible in the test log).
  Process(const std::string& exe, const std::vector<std::string>& args);
  ~Process();  // kills the child if it still runs
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Writes to the child's stdin; close_stdin() sends EOF.
  void write_stdin(const std::string& bytes);
  void close_stdin();
  // Next complete stdout line (without '\n'), or nullopt at EOF / after `timeout`.
  std::optional<std::string> read_line(std::chrono::milliseconds timeout);
  // Exit status (or 128 + signal); nullopt if still running after `timeout`.
  std::optional<int> wait(std::chrono::milliseconds timeout);

 private:
  pid_t pid_ = -1;
  int in_fd_ = -1;
  int out_fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
  std::optional<int> status_;
};

// Runs to completion with `input` on stdin; returns {exit status, whole stdout}.
struct RunResult {
  int status = -1;
  std::string out;
};
RunResult run(const std::string& exe, const std::vector<std::string>& args,
              const std::string& input = {},
              std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));

}  // namespace smqclienttest
