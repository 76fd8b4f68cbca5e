// smq-passwd: adds, updates (smq-passwd FILE USER) and deletes (smq-passwd -D FILE USER)
// users in a password file (broker/auth/password_file.hpp). The password comes from the
// terminal, asked twice with echo off, or, when standard input is not a terminal, from its
// first line. Single-threaded.
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include <fmt/core.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "broker/auth/password_file.hpp"

namespace {

namespace auth = smq::auth;

// Exit statuses.
constexpr int exit_ok = 0;
constexpr int exit_failure = 1;  // could not read or write, passwords differ, user missing
constexpr int exit_usage = 2;    // bad command line

constexpr std::string_view usage_text = R"(Usage: smq-passwd FILE USER
       smq-passwd -D FILE USER

Adds USER to the password file FILE, or sets their new password; FILE is created
(mode 0600) when missing. The password is asked twice on the terminal, or read
from the first line of standard input when that is not a terminal:

  printf '%s\n' "$PASSWORD" | smq-passwd /etc/smq/passwd alice

Passwords are stored as salted PBKDF2-HMAC-SHA512 hashes, one line per user:
USER:$pbkdf2-sha512$ITERATIONS$SALT$HASH. The file is replaced atomically and
keeps its mode.

Options:
  -D          delete USER from FILE (exit status 1 if they are not there)
  --help      show this help
  --version   show the version

Exit status: 0 done, 1 failure (cannot read or write FILE, passwords differ,
no such user), 2 bad command line.
)";

void error(std::string_view message) { fmt::print(stderr, "smq-passwd: {}\n", message); }

// A string that is wiped when it goes away: the password should not linger in freed memory.
struct Secret {
  std::string value;
  Secret() = default;
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  ~Secret() { OPENSSL_cleanse(value.data(), value.size()); }
};

// --- the terminal: echo off while a password is typed, restored even on Ctrl-C.

struct termios saved_termios;
volatile sig_atomic_t echo_is_off = 0;
constexpr int terminal_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP};

void restore_echo_and_reraise(int sig) {
  if (echo_is_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
  echo_is_off = 0;
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

class EchoOff {
 public:
  EchoOff() {
    if (::tcgetattr(STDIN_FILENO, &saved_termios) != 0) return;
    struct sigaction sa{};
    sa.sa_handler = restore_echo_and_reraise;
    ::sigemptyset(&sa.sa_mask);
    for (const int sig : terminal_signals) ::sigaction(sig, &sa, nullptr);
    struct termios quiet = saved_termios;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;  // the Enter still moves to the next line
    echo_is_off = 1;
    if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) echo_is_off = 0;
  }
  ~EchoOff() {
    if (echo_is_off) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
    echo_is_off = 0;
    for (const int sig : terminal_signals) ::signal(sig, SIG_DFL);
  }
  EchoOff(const EchoOff&) = delete;
  EchoOff& operator=(const EchoOff&) = delete;
};

enum class ReadResult { ok, too_long, failed };

// Reads one line from standard input into `out` without its "\n" or "\r\n". Reads byte by
// byte so nothing after the line is consumed; a line longer than max_password_bytes is
// refused rather than cut short (a cut password would never match what the user typed).
ReadResult read_line(Secret& out) {
  out.value.clear();
  for (;;) {
    char c = 0;
    const ssize_t n = ::read(STDIN_FILENO, &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ReadResult::failed;
    if (n == 0 || c == '\n') break;
    if (out.value.size() > auth::max_password_bytes) return ReadResult::too_long;
    out.value += c;
  }
  if (!out.value.empty() && out.value.back() == '\r') out.value.pop_back();
  if (out.value.size() > auth::max_password_bytes) return ReadResult::too_long;
  return ReadResult::ok;
}

bool read_checked(Secret& out) {
  switch (read_line(out)) {
    case ReadResult::ok: return true;
    case ReadResult::too_long:
      error(fmt::format("password longer than {} bytes", auth::max_password_bytes));
      return false;
    case ReadResult::failed:
      error(fmt::format("cannot read the password: {}", std::strerror(errno)));
      return false;
  }
  return false;
}

// Reads the new password into `password`; false after saying why not.
bool read_password(Secret& password) {
  if (!::isatty(STDIN_FILENO)) {
    if (!read_checked(password)) return false;
  } else {
    Secret again;
    {
      EchoOff quiet;
      fmt::print(stderr, "New password: ");
      std::fflush(stderr);
      if (!read_checked(password)) return false;
      fmt::print(stderr, "Repeat the password: ");
      std::fflush(stderr);
      if (!read_checked(again)) return false;
    }
    if (password.value != again.value) {
      error("the passwords differ; nothing changed");
      return false;
    }
  }
  if (password.value.empty()) {
    error("empty password refused; nothing changed");
    return false;
  }
  return true;
}

int delete_user(const std::filesystem::path& file, const std::string& user) {
  auto loaded = auth::PasswordFile::load(file);
  if (!loaded.ok()) {
    error(loaded.error);
    return exit_failure;
  }
  if (!loaded.file.remove(user)) {
    error(fmt::format("no user '{}' in {}", user, file.string()));
    return exit_failure;
  }
  if (const auto why = loaded.file.save(file)) {
    error(*why);
    return exit_failure;
  }
  fmt::print(stderr, "smq-passwd: deleted user '{}' from {}\n", user, file.string());
  return exit_ok;
}

int set_user(const std::filesystem::path& file, const std::string& user) {
  // Read the file before asking for the password, so a broken file is reported first.
  auth::PasswordFile passwords;
  std::error_code ec;
  const bool exists = std::filesystem::exists(std::filesystem::symlink_status(file, ec));
  if (exists) {
    auto loaded = auth::PasswordFile::load(file);
    if (!loaded.ok()) {
      error(loaded.error);
      return exit_failure;
    }
    passwords = std::move(loaded.file);
  }
  Secret password;
  if (!read_password(password)) return exit_failure;
  auto hash = auth::hash_password(password.value);
  if (!hash) {
    error("cannot hash the password (no random bytes for the salt?); nothing changed");
    return exit_failure;
  }
  const bool added = passwords.set(user, std::move(*hash));
  if (const auto why = passwords.save(file)) {
    error(*why);
    return exit_failure;
  }
  fmt::print(stderr, "smq-passwd: {} user '{}' in {}\n", added ? "added" : "updated", user,
             file.string());
  return exit_ok;
}

}  // namespace

int main(int argc, char** argv) {
  bool remove = false;
  bool options_done = false;
  std::vector<std::string> operands;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (!options_done && arg == "--help") {
      fmt::print("{}", usage_text);
      return exit_ok;
    }
    if (!options_done && arg == "--version") {
      fmt::print("smq-passwd {}\n", SMQ_VERSION);
      return exit_ok;
    }
    if (!options_done && arg == "-D") {
      remove = true;
    } else if (!options_done && arg == "--") {
      options_done = true;
    } else if (!options_done && arg.size() > 1 && arg[0] == '-') {
      error(fmt::format("unknown option '{}' (see --help)", arg));
      return exit_usage;
    } else {
      operands.emplace_back(arg);
    }
  }
  if (operands.size() != 2) {
    error("expected FILE and USER (see --help)");
    return exit_usage;
  }
  const std::filesystem::path file = operands[0];
  const std::string& user = operands[1];
  if (const auto why = auth::check_user_name(user)) {
    error(fmt::format("bad user name: {}", *why));
    return exit_usage;
  }
  return remove ? delete_user(file, user) : set_user(file, user);
}
