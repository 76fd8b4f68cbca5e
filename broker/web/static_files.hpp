// Static files for plain HTTP GET requests: the bundled page (saying the broker runs, with a
// link to the docs) or files below a configured web root. Path handling refuses anything
// that could leave the root. Broker thread.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace smq {

struct StaticFile {
  std::string content_type;
  std::string body;
};

// `path` is the request path without query. Returns nothing for "not found".
std::optional<StaticFile> find_static_file(const std::string& web_root, std::string_view path);

// The page served at "/" when no web root is configured.
std::string_view bundled_index_page();

}  // namespace smq
