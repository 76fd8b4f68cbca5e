// sd_notify messages for smq-broker (see service_notify.hpp). Main or broker thread.
#include "broker/app/service_notify.hpp"

#include <time.h>

#include <string>

#ifdef SMQ_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace smq {
namespace {

void send(const std::string& message) {
#ifdef SMQ_HAVE_LIBSYSTEMD
  // Failures (no NOTIFY_SOCKET: returns 0; a vanished manager: < 0) are ignored: the
  // broker serves the same with or without a supervisor listening.
  sd_notify(0, message.c_str());
#else
  (void)message;
#endif
}

std::string status_line(std::string_view status) {
  std::string line = "STATUS=";
  // One line: a newline would start another (unintended) assignment.
  for (const char c : status) line.push_back(c == '\n' ? ' ' : c);
  return line;
}

}  // namespace

void notify_ready(std::string_view status) { send("READY=1\n" + status_line(status)); }

void notify_stopping(std::string_view status) { send("STOPPING=1\n" + status_line(status)); }

ReloadNotice::ReloadNotice() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  constexpr long long kMicrosPerSecond = 1000000;
  constexpr long long kNanosPerMicro = 1000;
  const long long usec = now.tv_sec * kMicrosPerSecond + now.tv_nsec / kNanosPerMicro;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec) + "\n" +
       status_line("reloading the configuration"));
}

ReloadNotice::~ReloadNotice() { notify_ready("serving (configuration reloaded)"); }

}  // namespace smq
