// The settings table, the TOML configuration file and how the command line overrides it:
// every option has its key, the annotated example names every key and loads, errors name the
// file, the line and the key, relative paths follow the file.
#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "broker/app/config_file.hpp"
#include "broker/app/options_parser.hpp"
#include "broker/app/settings.hpp"

namespace smq {
namespace {

namespace fs = std::filesystem;

// A configuration file in a directory of its own, removed at the end of the test.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text) {
    static std::atomic<int> counter{0};
    dir_ = fs::temp_directory_path() /
           ("smq-settings-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(dir_);
    std::ofstream(path()) << text;
  }
  ~ConfigFile() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string path() const { return (dir_ / "smq.toml").string(); }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
};

std::optional<std::string> load(const std::string& text, Settings& out) {
  ConfigFile file(text);
  auto error = load_config_file(file.path(), out);
  if (error) {
    // Error texts start with the file's path; tests compare what follows it.
    EXPECT_EQ(error->rfind(file.path(), 0), 0u) << *error;
    return error->substr(file.path().size());
  }
  return error;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(Settings, EveryOptionHasTheKeyNamedAfterIt) {
  ASSERT_FALSE(all_settings().empty());
  for (const Setting& s : all_settings()) {
    std::string key(s.option.substr(2));
    for (char& c : key) c = c == '-' ? '_' : c;
    EXPECT_EQ(s.option.substr(0, 2), "--");
    EXPECT_EQ(s.key, key) << s.option;
    EXPECT_EQ(find_option(s.option), &s);
    EXPECT_EQ(find_key(s.key, s.section), &s);
    EXPECT_TRUE(s.section.empty() || is_section(s.section)) << s.option;
  }
}

TEST(Settings, HelpAndTheAnnotatedExampleNameEverySetting) {
  const std::string help = usage("smq-broker");
  const std::string example = read_file(fs::path(SMQ_SOURCE_DIR) / "docs" / "smq.toml");
  ASSERT_FALSE(example.empty());
  for (const Setting& s : all_settings()) {
    EXPECT_NE(help.find(std::string(s.option) + " "), std::string::npos) << s.option;
    // As a key, commented out or not: "key = " at the start of a line, maybe after "# ".
    const std::string key = std::string(s.key) + " = ";
    EXPECT_TRUE(example.find("\n" + key) != std::string::npos ||
                example.find("\n# " + key) != std::string::npos)
        << s.key << " missing from docs/smq.toml";
  }
}

TEST(Settings, TheAnnotatedExampleLoadsAndGivesTheDefaults) {
  Settings loaded;
  const auto error = load_config_file(SMQ_SOURCE_DIR "/docs/smq.toml", loaded);
  ASSERT_FALSE(error) << *error;
  const BrokerOptions defaults;
  const BrokerOptions& o = loaded.options;
  EXPECT_EQ(o.listen, std::vector<std::string>{default_listen_address});
  EXPECT_EQ(o.log_level, defaults.log_level);
  EXPECT_EQ(o.max_connections, defaults.max_connections);
  EXPECT_EQ(o.max_pending_connections, defaults.max_pending_connections);
  EXPECT_EQ(o.output_queue_bytes, defaults.output_queue_bytes);
  EXPECT_EQ(o.connect_deadline, defaults.connect_deadline);
  EXPECT_EQ(o.write_deadline, defaults.write_deadline);
  EXPECT_EQ(o.hub.max_names_per_connection, defaults.hub.max_names_per_connection);
  EXPECT_EQ(o.hub.max_subscriptions_per_connection, defaults.hub.max_subscriptions_per_connection);
  EXPECT_EQ(o.stats_interval, defaults.stats_interval);
  EXPECT_FALSE(loaded.hello5);
  EXPECT_FALSE(o.random_server_etid);
  EXPECT_EQ(o.auth, defaults.auth);
}

TEST(Settings, TheAuthTableHoldsTheLoginSettings) {
  ConfigFile file(R"(
max_connections = 5
[auth]
password_file = "users"
anonymous = true
)");
  Settings s;
  const auto error = load_config_file(file.path(), s);
  ASSERT_FALSE(error) << *error;
  EXPECT_EQ(s.options.max_connections, 5u);
  EXPECT_EQ(s.options.auth.password_file, (file.dir() / "users").string());
  EXPECT_EQ(s.options.auth.anonymous, true);
  EXPECT_TRUE(s.options.auth.allows_anonymous());

  // Without `anonymous`, a password file means anonymous clients are refused.
  AuthOptions only_file;
  only_file.password_file = "users";
  EXPECT_FALSE(only_file.allows_anonymous());
  EXPECT_TRUE(only_file.enabled());
  EXPECT_TRUE(AuthOptions{}.allows_anonymous());
  EXPECT_FALSE(AuthOptions{}.enabled());

  Settings t;
  EXPECT_EQ(load("[auth]\npassword_file = \"u\"\nanonymus = false\n", t),
            std::optional<std::string>(":3: unknown key 'anonymus' in [auth]"));
  EXPECT_EQ(load("[auth]\nanonymous = \"no\"\n", t),
            std::optional<std::string>(":2: key 'anonymous' needs true or false"));
  // Login settings are not top-level keys, and top-level keys are not [auth] keys.
  EXPECT_EQ(load("password_file = \"u\"\n", t),
            std::optional<std::string>(":1: unknown key 'password_file'"));
  EXPECT_EQ(load("[auth]\nmax_connections = 3\n", t),
            std::optional<std::string>(":2: unknown key 'max_connections' in [auth]"));
}

TEST(Settings, LoginSettingsOnTheCommandLine) {
  CommandLine cl = parse_command_line({"--password-file", "/etc/smq/users", "--anonymous", "false"});
  ASSERT_EQ(cl.error, "");
  EXPECT_EQ(cl.settings.options.auth.password_file, "/etc/smq/users");
  EXPECT_EQ(cl.settings.options.auth.anonymous, false);
  cl = parse_command_line({"--anonymous", "yes"});
  EXPECT_EQ(cl.error, "--anonymous needs true or false, got 'yes'");
  cl = parse_command_line({"--anonymous"});
  EXPECT_EQ(cl.error, "--anonymous needs a value");
}

TEST(Settings, CheckLoadsThePasswordFile) {
  ConfigFile file("[auth]\npassword_file = \"missing-users\"\n");
  Settings s;
  ASSERT_FALSE(load_config_file(file.path(), s));
  const auto error = check_files(s);
  ASSERT_TRUE(error);
  EXPECT_NE(error->find("missing-users"), std::string::npos) << *error;
  std::ofstream(file.dir() / "missing-users") << "# no users yet\n";
  EXPECT_EQ(check_files(s), std::nullopt);
  std::ofstream(file.dir() / "missing-users") << "alice:not-a-hash\n";
  const auto bad = check_files(s);
  ASSERT_TRUE(bad);
  EXPECT_NE(bad->find(":1:"), std::string::npos) << *bad;
}

TEST(Settings, EveryKindOfValueIsStored) {
  Settings s;
  const auto error = load(R"(
listen = ["127.0.0.1:1000", "[::1]:1001"]
tls_listen = ["127.0.0.1:1443"]
tls_cert = "/etc/smq/server.pem"
tls_require_client_cert = true
smq_path = "/smq"
allowed_origins = ["https://a.example", "*"]
log_level = "debug"
max_connections = 7
max_pending = 8
queue_bytes = 9
connect_timeout = 10
write_deadline = 11
max_names_per_connection = 12
max_subscriptions_per_connection = 13
stats_interval = 0
hello5 = true
random_server_etid = true
)",
                          s);
  ASSERT_FALSE(error) << *error;
  const BrokerOptions& o = s.options;
  EXPECT_EQ(o.listen, (std::vector<std::string>{"127.0.0.1:1000", "[::1]:1001"}));
  EXPECT_EQ(o.tls_listen, std::vector<std::string>{"127.0.0.1:1443"});
  EXPECT_EQ(o.tls_cert_file, "/etc/smq/server.pem");  // absolute: as written
  EXPECT_TRUE(o.tls_require_client_cert);
  EXPECT_EQ(o.smq_path, "/smq");
  EXPECT_EQ(o.allowed_origins, (std::vector<std::string>{"https://a.example", "*"}));
  EXPECT_EQ(o.log_level, LogLevel::debug);
  EXPECT_EQ(o.max_connections, 7u);
  EXPECT_EQ(o.max_pending_connections, 8u);
  EXPECT_EQ(o.output_queue_bytes, 9u);
  EXPECT_EQ(o.connect_deadline, std::chrono::milliseconds(10));
  EXPECT_EQ(o.write_deadline, std::chrono::milliseconds(11));
  EXPECT_EQ(o.hub.max_names_per_connection, 12u);
  EXPECT_EQ(o.hub.max_subscriptions_per_connection, 13u);
  EXPECT_EQ(o.stats_interval, std::chrono::milliseconds(0));
  EXPECT_TRUE(s.hello5);
  EXPECT_TRUE(o.random_server_etid);
}

TEST(Settings, RelativePathsAreRelativeToTheFile) {
  ConfigFile file("tls_key = \"keys/server.key\"\nweb_root = \"../www\"\n");
  Settings s;
  ASSERT_FALSE(load_config_file(file.path(), s));
  EXPECT_EQ(s.options.tls_key_file, (file.dir() / "keys" / "server.key").string());
  EXPECT_EQ(s.options.web_root, (file.dir().parent_path() / "www").string());
}

TEST(Settings, ErrorsNameTheLineAndTheKey) {
  const std::pair<const char*, const char*> cases[] = {
      {"max_connections = 5\nbogus = 1\n", ":2: unknown key 'bogus'"},
      {"\n\nmax_connections = \"ten\"\n", ":3: key 'max_connections' needs a positive integer"},
      {"max_connections = 0\n", ":1: key 'max_connections' needs a positive integer"},
      {"write_deadline = -5\n", ":1: key 'write_deadline' needs a positive number of milliseconds"},
      {"write_deadline = 2147483648\n", ":1: key 'write_deadline' is at most 2147483647 ms"},
      {"stats_interval = 1.5\n", ":1: key 'stats_interval' needs a number of milliseconds (0 = off)"},
      {"listen = \"127.0.0.1:1\"\n", ":1: key 'listen' needs an array of \"HOST:PORT\" strings"},
      {"listen = [1]\n", ":1: key 'listen' needs an array of \"HOST:PORT\" strings"},
      {"hello5 = \"yes\"\n", ":1: key 'hello5' needs true or false"},
      {"log_level = \"loud\"\n", ":1: key 'log_level' needs one of"},
      {"[listen]\nport = 1\n", ":1: key 'listen' needs an array"},
      {"allowed_origins = [\"a.example\"]\n", ":1: key 'allowed_origins': bad origin 'a.example'"},
      {"max_connections = 5\nmax_connections = 6\n", ":2:"},  // TOML: a key is set once
      {"max_connections = \n", ":1:"},                        // syntax error
  };
  for (const auto& [text, expected] : cases) {
    Settings s;
    const auto error = load(text, s);
    ASSERT_TRUE(error) << text;
    EXPECT_EQ(error->rfind(expected, 0), 0u) << "got: " << *error << "\nfor: " << text;
  }
  Settings s;
  const auto bad_address = load("\nlisten = [\"127.0.0.1:1\", \"nonsense\"]\n", s);
  ASSERT_TRUE(bad_address);
  EXPECT_EQ(bad_address->rfind(":2: key 'listen': bad listen address", 0), 0u) << *bad_address;
  EXPECT_NE(bad_address->find("nonsense"), std::string::npos) << *bad_address;
}

TEST(Settings, PerClientLimitsTakeZeroForOffAndAnAction) {
  Settings s;
  const auto error = load("max_messages_per_second = 0\nmax_bytes_per_second = 4096\n"
                          "rate_limit_action = \"drop\"\nmax_connections_per_address = 0\n"
                          "max_new_connections_per_second = 7\nlimit_loopback = true\n",
                          s);
  ASSERT_FALSE(error) << *error;
  EXPECT_EQ(s.options.max_messages_per_second, 0u);
  EXPECT_EQ(s.options.max_bytes_per_second, 4096u);
  EXPECT_EQ(s.options.rate_limit_action, RateLimitAction::drop);
  EXPECT_EQ(s.options.max_connections_per_address, 0u);
  EXPECT_EQ(s.options.max_new_connections_per_second, 7u);
  EXPECT_TRUE(s.options.limit_loopback);
  Settings bad;
  EXPECT_EQ(load("rate_limit_action = \"kick\"\n", bad).value_or("").rfind(
                ":1: key 'rate_limit_action' needs \"disconnect\" or \"drop\"", 0),
            0u);
  EXPECT_EQ(load("max_bytes_per_second = -1\n", bad).value_or("").rfind(
                ":1: key 'max_bytes_per_second' needs an integer >= 0", 0),
            0u);
  const CommandLine cl = parse_command_line({"--rate-limit-action", "drop",
                                             "--max-messages-per-second", "0"});
  ASSERT_TRUE(cl.error.empty()) << cl.error;
  EXPECT_EQ(cl.settings.options.rate_limit_action, RateLimitAction::drop);
  EXPECT_EQ(cl.settings.options.max_messages_per_second, 0u);
}

TEST(Settings, AclTablesBecomeRules) {
  Settings s;
  const auto error = load(R"([[acl]]
user = "alice"
subscribe = ["users/%u/#", "news"]
publish = ["users/%u/out"]
observe = ["news"]
deny_subscribe = ["news/secret"]
deny_publish = ["users/%u/out/locked"]
direct = false

[[acl]]
user = "anonymous"
subscribe = ["public/#"]
)",
                          s);
  ASSERT_FALSE(error) << *error;
  const auto& rules = s.options.auth.acl;
  ASSERT_EQ(rules.size(), 2u);
  EXPECT_EQ(rules[0].user, "alice");
  EXPECT_EQ(rules[0].subscribe, (std::vector<std::string>{"users/%u/#", "news"}));
  EXPECT_EQ(rules[0].publish, std::vector<std::string>{"users/%u/out"});
  EXPECT_EQ(rules[0].observe, std::vector<std::string>{"news"});
  EXPECT_EQ(rules[0].deny_subscribe, std::vector<std::string>{"news/secret"});
  EXPECT_EQ(rules[0].deny_publish, std::vector<std::string>{"users/%u/out/locked"});
  EXPECT_EQ(rules[0].direct, false);
  EXPECT_EQ(rules[1].user, "anonymous");
  EXPECT_EQ(rules[1].direct, std::nullopt);
  EXPECT_TRUE(rules[1].publish.empty());
}

TEST(Settings, AclErrorsNameTheLine) {
  const std::pair<const char*, const char*> cases[] = {
      {"[[acl]]\nsubscribe = [\"a\"]\n", ":1: [[acl]] needs 'user'"},
      {"[[acl]]\nuser = \"a\"\npublish = [\"a/#/b\"]\n",
       ":3: key 'publish' in [[acl]]: '#' must be the last level ('a/#/b')"},
      {"[[acl]]\nuser = \"a\"\nsubscribe = \"x\"\n",
       ":3: key 'subscribe' in [[acl]] needs an array of patterns"},
      {"[[acl]]\nuser = \"a\"\nsubscribe = [1]\n",
       ":3: key 'subscribe' in [[acl]] needs an array of patterns"},
      {"[[acl]]\nuser = \"a\"\nread = [\"x\"]\n", ":3: unknown key 'read' in [[acl]]"},
      {"[[acl]]\nuser = \"a\"\ndirect = \"no\"\n", ":3: key 'direct' in [[acl]] needs true or false"},
      {"[[acl]]\nuser = 5\n", ":2: key 'user' in [[acl]] needs a user name"},
      {"acl = [\"x\"]\n", ":1: 'acl' must be [[acl]] tables"},
      {"[acl]\nuser = \"a\"\n", ":1: 'acl' must be [[acl]] tables"},
  };
  for (const auto& [text, expected] : cases) {
    Settings s;
    const auto error = load(text, s);
    ASSERT_TRUE(error) << text;
    EXPECT_EQ(error->rfind(expected, 0), 0u) << "got: " << *error << "\nfor: " << text;
  }
}

TEST(Settings, MissingFileIsAnError) {
  Settings s;
  const auto error = load_config_file("/nonexistent/smq.toml", s);
  ASSERT_TRUE(error);
  EXPECT_EQ(*error, "/nonexistent/smq.toml: cannot read the configuration file (missing)");
}

TEST(Settings, TheCommandLineOverridesTheFile) {
  ConfigFile file(
      "listen = [\"127.0.0.1:1000\"]\nmax_connections = 5\nmax_pending = 6\nhello5 = true\n");
  const CommandLine cl = parse_command_line({"--max-connections", "7", "--config", file.path(),
                                             "--listen", "127.0.0.1:2000", "--listen",
                                             "127.0.0.1:2001"});
  ASSERT_EQ(cl.error, "");
  EXPECT_EQ(cl.config_file, file.path());
  EXPECT_EQ(cl.settings.options.max_connections, 7u);       // command line wins
  EXPECT_EQ(cl.settings.options.max_pending_connections, 6u);  // from the file
  EXPECT_TRUE(cl.settings.hello5);
  // A list option on the command line replaces the file's list.
  EXPECT_EQ(cl.settings.options.listen,
            (std::vector<std::string>{"127.0.0.1:2000", "127.0.0.1:2001"}));

  const CommandLine origins = parse_command_line(
      {"--allowed-origins", "https://a.example,http://b.example:8080", "--allowed-origins", "null"});
  ASSERT_EQ(origins.error, "");
  EXPECT_EQ(origins.settings.options.allowed_origins,
            (std::vector<std::string>{"https://a.example", "http://b.example:8080", "null"}));

  const CommandLine file_only = parse_command_line({"--config", file.path(), "--check"});
  ASSERT_EQ(file_only.error, "");
  EXPECT_TRUE(file_only.check);
  EXPECT_EQ(file_only.settings.options.listen, std::vector<std::string>{"127.0.0.1:1000"});
}

TEST(Settings, CommandLineErrors) {
  EXPECT_EQ(parse_command_line({"--config"}).error, "--config needs a value");
  EXPECT_EQ(parse_command_line({"--config", "a.toml", "--config", "b.toml"}).error,
            "--config given twice (one file holds every setting)");
  EXPECT_EQ(parse_command_line({"--max-pending", "x"}).error,
            "--max-pending needs a positive integer, got 'x'");
  EXPECT_EQ(parse_command_line({"--max-pending", "0"}).error,
            "--max-pending needs a positive integer");
  EXPECT_EQ(parse_command_line({"--nope"}).error, "unknown option '--nope' (see --help)");
  EXPECT_EQ(parse_command_line({"--allowed-origins", "https://a.example,"}).error,
            "--allowed-origins: bad origin '' (want scheme://host[:port], \"*\" or \"null\")");
  EXPECT_EQ(parse_command_line({"--smq-path", "smq"}).error,
            "--smq-path (smq_path) must start with '/', got 'smq'");
  // A bad file is reported even when the command line is fine.
  ConfigFile file("queue_bytes = -1\n");
  EXPECT_EQ(parse_command_line({"--config", file.path()}).error,
            file.path() + ":1: key 'queue_bytes' needs a positive integer");
}

}  // namespace
}  // namespace smq
