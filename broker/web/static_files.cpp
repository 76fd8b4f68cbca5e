// Static file lookup and the bundled page (see static_files.hpp). Broker thread.
#include "broker/web/static_files.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace smq {
namespace {

// Files are read whole into memory; the web root holds a small app, not media.
constexpr std::uintmax_t max_file_size = 8 * 1024 * 1024;

std::string_view content_type_for(std::string_view ext) {
  if (ext == ".html" || ext == ".htm") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".json") return "application/json";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".txt" || ext == ".md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// Only plain relative segments: no "..", no backslashes, no NUL, no percent escapes (none of
// the bundled or typical app files need them, and decoding is where traversal bugs live).
bool safe_relative(std::string_view path) {
  if (path.find_first_of("\\%") != std::string_view::npos) return false;
  if (path.find('\0') != std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::string_view segment =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (segment == ".." || segment == ".") return false;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

}  // namespace

std::string_view bundled_index_page() {
  return R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>smq broker</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;line-height:1.5}
code{background:#eee;padding:0 .3em}</style></head>
<body>
<h1>The smq broker is running</h1>
<p>This server speaks the SMQ publish/subscribe protocol. Browsers connect with a WebSocket
to this address (<code>ws://host:port/</code>); devices use the raw TCP transport on the same
port after an HTTP request with a <code>SimpleMQ</code> header.</p>
<p>See the <a href="https://github.com/RealTimeLogic/SMQ">SMQ protocol documentation</a>
and the broker's <code>README.md</code> and <code>docs/</code> folder for how to run and embed it.</p>
</body>
</html>
)";
}

std::optional<StaticFile> find_static_file(const std::string& web_root, std::string_view path) {
  if (path.empty() || path.front() != '/') return std::nullopt;
  if (web_root.empty()) {
    if (path == "/" || path == "/index.html") {
      return StaticFile{"text/html; charset=utf-8", std::string(bundled_index_page())};
    }
    return std::nullopt;
  }
  std::string_view relative = path.substr(1);
  if (!safe_relative(relative)) return std::nullopt;
  std::filesystem::path file = std::filesystem::path(web_root) / std::string(relative);
  std::error_code ec;
  if (relative.empty() || relative.back() == '/' || std::filesystem::is_directory(file, ec)) {
    file /= "index.html";
  }
  if (!std::filesystem::is_regular_file(file, ec)) return std::nullopt;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec || size > max_file_size) return std::nullopt;
  std::ifstream in(file, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream body;
  body << in.rdbuf();
  return StaticFile{std::string(content_type_for(file.extension().string())), body.str()};
}

}  // namespace smq
