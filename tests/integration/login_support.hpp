// Shared by the login and permission tests: a password file with cheap hashes (the
// iteration count is stored per line, so checks cost microseconds) in a directory of its
// own, and a Connect with credentials that returns the Connack. Test thread.
#pragma once

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "broker/auth/password_file.hpp"
#include "broker/random.hpp"
#include "smq_ops.hpp"

namespace smqtest {

namespace fs = std::filesystem;

constexpr std::uint32_t test_iterations = 1000;

// A password file in a directory of its own, removed at the end of the test.
class UsersFile {
 public:
  UsersFile() {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("smq-auth-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
  }
  ~UsersFile() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  // Replaces the file with these users.
  void write(const std::vector<std::pair<std::string, std::string>>& users) const {
    smq::auth::PasswordFile file;
    for (const auto& [user, password] : users) {
      file.set(user, smq::auth::detail::hash_password(password, test_iterations,
                                                      smq::system_random).value());
    }
    ASSERT_EQ(file.save(path()), std::nullopt);
  }
  // Edits the file as smq-passwd does: other lines stay as they are.
  void set(const std::string& user, const std::string& password) const {
    auto loaded = smq::auth::PasswordFile::load(path());
    ASSERT_TRUE(loaded.ok()) << loaded.error;
    loaded.file.set(user, smq::auth::detail::hash_password(password, test_iterations,
                                                           smq::system_random).value());
    ASSERT_EQ(loaded.file.save(path()), std::nullopt);
  }
  void remove(const std::string& user) const {
    auto loaded = smq::auth::PasswordFile::load(path());
    ASSERT_TRUE(loaded.ok()) << loaded.error;
    ASSERT_TRUE(loaded.file.remove(user));
    ASSERT_EQ(loaded.file.save(path()), std::nullopt);
  }
  std::string path() const { return (dir_ / "users").string(); }

 private:
  fs::path dir_;
};

struct Login {
  std::unique_ptr<SmqConn> conn;
  pkt::Connack connack;
  std::size_t size = 0;  // of the Connack packet
};

// Opens a connection and sends Connect with `credentials`; returns the Connack.
inline Login login(Transport t, std::uint16_t port, std::string_view credentials,
            std::string_view extra_packets = {}) {
  Login l;
  l.conn = open_smq(t, port);
  l.conn->uid = unique_uid();
  std::string bytes = l.conn->frame_packet(pkt::connect_v1(l.conn->uid, credentials));
  bytes += extra_packets;
  EXPECT_TRUE(l.conn->send_bytes(bytes));
  const auto p = l.conn->recv_packet(Ms(5000));
  if (!p) throw std::runtime_error("no Connack");
  const auto ack = pkt::parse_connack(*p);
  if (!ack) throw std::runtime_error("not a Connack: " + pkt::describe(*p));
  l.connack = *ack;
  l.size = p->size();
  l.conn->etid = ack->etid;
  return l;
}

}  // namespace smqtest
