// Where smq-broker finds the bundled web app when --web-root names none. Main thread, at
// start-up and on reload.
#pragma once

#include <string>

namespace smq {

// The installed web app (<directory of the executable>/SMQ_WEB_APP_RELATIVE, found through
// /proc/self/exe) when it exists, else the one built in the source tree (SMQ_WEB_APP_DIR),
// else "" (no web app: the broker's own pages only).
std::string bundled_web_app_dir();

}  // namespace smq
