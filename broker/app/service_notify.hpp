// Readiness notifications to a service manager (systemd's sd_notify protocol, Type=notify):
// READY=1 once the listeners are bound, RELOADING=1 ... READY=1 around a SIGHUP reload,
// STOPPING=1 when shutdown begins, with a STATUS= line each. Every call does nothing when
// the process was not started with NOTIFY_SOCKET (or smq was built without libsystemd).
// Called on the main thread (start-up) and the broker thread (signals); sd_notify itself
// keeps no state, so either is fine.
#pragma once

#include <string_view>

namespace smq {

void notify_ready(std::string_view status);
void notify_stopping(std::string_view status);

// Sends RELOADING=1 (with MONOTONIC_USEC, which systemd 253 and later require) when
// constructed and READY=1 when destroyed, so every way out of a reload reports ready again.
class ReloadNotice {
 public:
  ReloadNotice();
  ~ReloadNotice();
  ReloadNotice(const ReloadNotice&) = delete;
  ReloadNotice& operator=(const ReloadNotice&) = delete;
};

}  // namespace smq
