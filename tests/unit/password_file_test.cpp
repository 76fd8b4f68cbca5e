// The password hashes and the password file (broker/auth): hashing and verification,
// tampering, stored parameters, the file's parse errors, order, comments and atomic saving.
// Most hashes here use a cheap iteration count (detail::hash_password); only a few pay the
// full cost, so the suite stays fast under the sanitizers too.
#include <gtest/gtest.h>

#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include "broker/auth/password_file.hpp"

namespace smq::auth {
namespace {

namespace fs = std::filesystem;

// Cheap enough for dozens of hashes per test; verification reads it from the line.
constexpr std::uint32_t test_iterations = 1000;

std::string cheap_hash(std::string_view password) {
  auto h = detail::hash_password(password, test_iterations, system_random);
  EXPECT_TRUE(h.has_value());
  return h.value_or("");
}

// Splits a stored hash into its '$' fields: "", scheme, iterations, salt, hash.
std::vector<std::string> fields(const std::string& stored) {
  std::vector<std::string> out;
  std::stringstream in(stored);
  std::string part;
  while (std::getline(in, part, '$')) out.push_back(part);
  return out;
}

std::string join(const std::vector<std::string>& f) {
  std::string out;
  for (std::size_t i = 1; i < f.size(); ++i) out += "$" + f[i];
  return out;
}

// Flips one base64 character to another valid one, so only the value changes.
std::string flip_b64(std::string s, std::size_t at) {
  s[at] = s[at] == 'A' ? 'B' : 'A';
  return s;
}

// A directory of its own, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = fs::temp_directory_path() /
            ("smq-passwd-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

mode_t mode_of(const fs::path& p) {
  struct stat st{};
  EXPECT_EQ(::stat(p.c_str(), &st), 0);
  return st.st_mode & 07777;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

TEST(PasswordFileHash, FullCostHashVerifiesOnlyTheRightPassword) {
  const auto h = hash_password("correct horse");
  ASSERT_TRUE(h.has_value());
  const auto f = fields(*h);
  ASSERT_EQ(f.size(), 5u) << *h;
  EXPECT_EQ(f[1], "pbkdf2-sha512");
  EXPECT_EQ(f[2], std::to_string(pbkdf2_iterations));
  EXPECT_EQ(f[3].size(), 24u);  // base64 of 16 bytes
  EXPECT_EQ(f[4].size(), 88u);  // base64 of 64 bytes
  EXPECT_EQ(check_hash_format(*h), std::nullopt);
  EXPECT_TRUE(verify_password("correct horse", *h));
  EXPECT_FALSE(verify_password("correct horsf", *h));
}

TEST(PasswordFileHash, SaltMakesEveryHashDifferent) {
  const auto a = cheap_hash("same");
  const auto b = cheap_hash("same");
  EXPECT_NE(a, b);
  EXPECT_NE(fields(a)[3], fields(b)[3]);
  EXPECT_TRUE(verify_password("same", a));
  EXPECT_TRUE(verify_password("same", b));
}

TEST(PasswordFileHash, LowerStoredIterationCountStillVerifies) {
  // A line written when the default was lower (or by another tool) keeps working.
  const auto h = detail::hash_password("pw", 1, system_random);
  ASSERT_TRUE(h.has_value());
  EXPECT_EQ(fields(*h)[2], "1");
  EXPECT_TRUE(verify_password("pw", *h));
  EXPECT_FALSE(verify_password("pW", *h));
}

TEST(PasswordFileHash, KnownVectorFromAnotherImplementation) {
  // Made with Python, not with this code: base64.b64encode(hashlib.pbkdf2_hmac('sha512',
  // b'password', b'0123456789abcdef', 1000)). The format is plain PBKDF2 and base64.
  const std::string stored =
      "$pbkdf2-sha512$1000$MDEyMzQ1Njc4OWFiY2RlZg==$"
      "38DzhdBT7fPaUGBlsh42VTuuKSFAIYGZJ7l6feCDLIl+K3hdPFgxxu7xuUi4gIuH6cEIoODn18xH9Ig2ryNgUw==";
  EXPECT_TRUE(verify_password("password", stored));
  EXPECT_FALSE(verify_password("Password", stored));
}

TEST(PasswordFileHash, TamperedPartsFail) {
  const std::string h = cheap_hash("pw");
  ASSERT_TRUE(verify_password("pw", h));
  auto f = fields(h);
  {
    auto t = f;
    t[4] = flip_b64(t[4], 0);
    EXPECT_FALSE(verify_password("pw", join(t)));
  }
  {
    auto t = f;
    t[3] = flip_b64(t[3], 5);
    EXPECT_FALSE(verify_password("pw", join(t)));
  }
  {
    auto t = f;
    t[2] = std::to_string(test_iterations + 1);
    EXPECT_FALSE(verify_password("pw", join(t)));
  }
  {
    auto t = f;
    t[1] = "pbkdf2-sha256";
    EXPECT_FALSE(verify_password("pw", join(t)));
    EXPECT_NE(check_hash_format(join(t)), std::nullopt);
  }
}

TEST(PasswordFileHash, MalformedHashesAreRejected) {
  const auto f = fields(cheap_hash("pw"));
  const auto with = [&](std::size_t i, std::string v) {
    auto t = f;
    t[i] = std::move(v);
    return join(t);
  };
  for (const std::string& bad : {
           std::string(""), std::string("pbkdf2-sha512$1$a$b"), std::string("$pbkdf2-sha512$1000"),
           join(f) + "$extra", with(2, "0"), with(2, "01000"), with(2, "+1000"), with(2, "1000x"),
           with(2, ""), with(2, std::to_string(max_pbkdf2_iterations + 1)),
           with(2, "99999999999999999999"),
           with(3, f[3].substr(0, 22)),  // padding missing
       }) {
    EXPECT_NE(check_hash_format(bad), std::nullopt) << bad;
    EXPECT_FALSE(verify_password("pw", bad)) << bad;
  }
  // Salt and hash lengths, and non-canonical base64 (unused bits set).
  EXPECT_NE(check_hash_format(with(3, "AAAAAAAAAAAAAAAAAAAA")), std::nullopt);    // 15 bytes
  EXPECT_NE(check_hash_format(with(3, "AAAAAAAAAAAAAAAAAAAAAB==")), std::nullopt);  // bits
  EXPECT_NE(check_hash_format(with(3, "AAAAAAAAAAAAAAAAAAAA*A==")), std::nullopt);  // alphabet
  EXPECT_NE(check_hash_format(with(4, f[4].substr(0, 40))), std::nullopt);  // 30 bytes
  EXPECT_EQ(check_hash_format(with(3, "AAAAAAAAAAAAAAAAAAAAAA==")), std::nullopt);
}

TEST(PasswordFileHash, PasswordLengthLimitsAndNoRandomBytes) {
  EXPECT_EQ(detail::hash_password("", test_iterations, system_random), std::nullopt);
  const std::string longest(max_password_bytes, 'x');
  const std::string too_long(max_password_bytes + 1, 'x');
  const auto h = detail::hash_password(longest, test_iterations, system_random);
  ASSERT_TRUE(h.has_value());
  EXPECT_TRUE(verify_password(longest, *h));
  EXPECT_EQ(detail::hash_password(too_long, test_iterations, system_random), std::nullopt);
  EXPECT_FALSE(verify_password(too_long, *h));
  EXPECT_FALSE(verify_password("", cheap_hash("x")));
  // Without random bytes there is no hash at all, never one with a predictable salt.
  const RandomSource failing = [](std::span<std::uint8_t>) { return false; };
  EXPECT_EQ(detail::hash_password("pw", test_iterations, failing), std::nullopt);
  EXPECT_EQ(detail::hash_password("pw", 0, system_random), std::nullopt);
}

TEST(PasswordFileNames, UserNameRules) {
  EXPECT_EQ(check_user_name("alice"), std::nullopt);
  EXPECT_EQ(check_user_name("dev-01.example@site"), std::nullopt);
  EXPECT_EQ(check_user_name("J\xc3\xbcrgen"), std::nullopt);
  EXPECT_EQ(check_user_name(std::string(max_user_bytes, 'u')), std::nullopt);
  for (const std::string& bad :
       {std::string(""), std::string("a:b"), std::string("a b"), std::string("a\tb"),
        std::string("a\x01"), std::string("a\x7f"), std::string("a\nb"), std::string("\xff"),
        std::string(max_user_bytes + 1, 'u'), std::string("a\0b", 3)}) {
    EXPECT_NE(check_user_name(bad), std::nullopt) << bad;
  }
}

TEST(PasswordFileParse, CommentsBlankLinesAndOrderAreKept) {
  const std::string a = cheap_hash("a"), b = cheap_hash("b"), c = cheap_hash("c");
  const std::string text = "# users of the test broker\n\ncarol:" + c + "\n  # indented\nalice:" +
                           a + "\r\nbob:" + b;  // CRLF, and no newline at the end
  const auto r = PasswordFile::parse(text, "pw");
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.file.user_count(), 3u);
  ASSERT_NE(r.file.find("alice"), nullptr);
  EXPECT_EQ(*r.file.find("alice"), a);
  EXPECT_EQ(r.file.find("dave"), nullptr);
  EXPECT_EQ(r.file.to_text(), "# users of the test broker\n\ncarol:" + c + "\n  # indented\nalice:" +
                                  a + "\nbob:" + b + "\n");
}

TEST(PasswordFileParse, ErrorsNameTheFileAndLine) {
  const std::string h = cheap_hash("pw");
  const struct {
    std::string text;
    std::string error;
  } cases[] = {
      {"# ok\nalice\n", "pw:2: expected USER:HASH"},
      {"alice:" + h + "\n:" + h + "\n", "pw:2: empty user name"},
      {"\n\n bob:" + h + "\n", "pw:3: user name contains whitespace or a control byte"},
      {"a b:" + h, "pw:1: user name contains whitespace"},
      {std::string(max_user_bytes + 1, 'u') + ":" + h, "pw:1: user name longer than 255 bytes"},
      {"alice:" + h + "\nbob:" + h + "\nalice:" + h + "\n", "pw:3: duplicate user 'alice'"},
      {"alice:plain\n", "pw:1: user 'alice': hash does not start with '$'"},
      {"alice:$md5$1$x$y\n", "pw:1: user 'alice': unknown hash scheme 'md5'"},
      {"alice:" + h + " \n", "pw:1: user 'alice': hash must be base64"},
      {"alice:$pbkdf2-sha512$0$x$y\n", "pw:1: user 'alice': iteration count must be a number"},
  };
  for (const auto& c : cases) {
    const auto r = PasswordFile::parse(c.text, "pw");
    EXPECT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error.rfind(c.error, 0), 0u) << "got: " << r.error << "\nwant: " << c.error;
    EXPECT_EQ(r.file.user_count(), 0u);
  }
}

TEST(PasswordFileEdit, SetAddsAtTheEndOrReplacesInPlaceAndRemoveKeepsTheRest) {
  const std::string h1 = cheap_hash("1"), h2 = cheap_hash("2"), h3 = cheap_hash("3");
  auto r = PasswordFile::parse("# head\nalice:" + h1 + "\nbob:" + h2 + "\n", "pw");
  ASSERT_TRUE(r.ok()) << r.error;
  PasswordFile& f = r.file;
  EXPECT_FALSE(f.set("alice", h3));
  EXPECT_TRUE(f.set("carol", h1));
  EXPECT_EQ(f.to_text(), "# head\nalice:" + h3 + "\nbob:" + h2 + "\ncarol:" + h1 + "\n");
  EXPECT_TRUE(f.remove("bob"));
  EXPECT_FALSE(f.remove("bob"));
  EXPECT_EQ(f.find("bob"), nullptr);
  ASSERT_NE(f.find("carol"), nullptr);  // the index followed the shift
  EXPECT_EQ(*f.find("carol"), h1);
  EXPECT_EQ(f.to_text(), "# head\nalice:" + h3 + "\ncarol:" + h1 + "\n");
  EXPECT_TRUE(verify_password("3", *f.find("alice")));
}

TEST(PasswordFileSave, NewFileIsOwnerOnlyAndLoadsBackEqual) {
  TempDir dir;
  const fs::path p = dir.path() / "passwd";
  PasswordFile f;
  f.set("alice", cheap_hash("a"));
  f.set("bob", cheap_hash("b"));
  const mode_t old_umask = ::umask(0);  // 0600 must not depend on the caller's umask
  const auto error = f.save(p);
  ::umask(old_umask);
  ASSERT_EQ(error, std::nullopt) << *error;
  EXPECT_EQ(mode_of(p), 0600u);
  const auto back = PasswordFile::load(p);
  ASSERT_TRUE(back.ok()) << back.error;
  EXPECT_EQ(back.file, f);
  EXPECT_EQ(read_all(p), f.to_text());
  // Nothing but the file is left in the directory (no temporary files).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(PasswordFileSave, ReplacesAtomicallyAndKeepsTheMode) {
  TempDir dir;
  const fs::path p = dir.path() / "passwd";
  { std::ofstream(p) << "# old\n"; }
  fs::permissions(p, static_cast<fs::perms>(0640));
  struct stat before{};
  ASSERT_EQ(::stat(p.c_str(), &before), 0);
  PasswordFile f;
  f.set("alice", cheap_hash("a"));
  ASSERT_EQ(f.save(p), std::nullopt);
  struct stat after{};
  ASSERT_EQ(::stat(p.c_str(), &after), 0);
  EXPECT_NE(before.st_ino, after.st_ino);  // a new file renamed over the old, not rewritten
  EXPECT_EQ(mode_of(p), 0640u);
  EXPECT_EQ(read_all(p), f.to_text());
}

TEST(PasswordFileSave, FollowsASymbolicLink) {
  TempDir dir;
  const fs::path target = dir.path() / "real";
  const fs::path link = dir.path() / "link";
  { std::ofstream(target) << "\n"; }
  fs::create_symlink(target, link);
  PasswordFile f;
  f.set("alice", cheap_hash("a"));
  ASSERT_EQ(f.save(link), std::nullopt);
  EXPECT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(read_all(target), f.to_text());
}

TEST(PasswordFileSave, ErrorsNameThePath) {
  TempDir dir;
  const fs::path p = dir.path() / "missing-dir" / "passwd";
  const auto error = PasswordFile{}.save(p);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->find((dir.path() / "missing-dir").string()), std::string::npos) << *error;
  const auto r = PasswordFile::load(p);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find(p.string()), std::string::npos) << r.error;
  const auto d = PasswordFile::load(dir.path());
  EXPECT_NE(d.error.find("is a directory"), std::string::npos) << d.error;
}

}  // namespace
}  // namespace smq::auth
