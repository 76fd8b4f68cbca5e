// Locating the bundled web app for smq-broker (see web_app_dir.hpp). Main thread.
#include "broker/app/web_app_dir.hpp"

#include <filesystem>
#include <system_error>

namespace smq {

std::string bundled_web_app_dir() {
  namespace fs = std::filesystem;
  std::error_code ec;
#ifdef SMQ_WEB_APP_RELATIVE
  // The installed tree first: an installed (or packaged) broker must not serve the files of
  // whatever source tree it was built from, and the prefix may have been moved since.
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    const fs::path installed = (exe.parent_path() / SMQ_WEB_APP_RELATIVE).lexically_normal();
    if (fs::is_directory(installed, ec)) return installed.string();
  }
#endif
#ifdef SMQ_WEB_APP_DIR
  if (fs::is_directory(SMQ_WEB_APP_DIR, ec)) return SMQ_WEB_APP_DIR;
#endif
  return {};
}

}  // namespace smq
