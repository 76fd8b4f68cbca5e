// Shared option parsing and output formatting of the tools (see tool_common.hpp).
#include "tool_common.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <mutex>

#include "protocol/utf8.hpp"

namespace smqtool {

namespace {
std::mutex print_mu;
const std::vector<std::string> no_values;
}  // namespace

std::string ParsedArgs::get(const std::string& name, const std::string& fallback) const {
  const auto it = values.find(name);
  return it == values.end() || it->second.empty() ? fallback : it->second.back();
}

const std::vector<std::string>& ParsedArgs::all(const std::string& name) const {
  const auto it = values.find(name);
  return it == values.end() ? no_values : it->second;
}

ParsedArgs parse_args(int argc, char** argv, const std::vector<OptionSpec>& specs) {
  ParsedArgs out;
  bool options_done = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (options_done || arg.size() < 2 || arg[0] != '-') {
      out.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_done = true;
      continue;
    }
    const OptionSpec* spec = nullptr;
    std::optional<std::string> inline_value;
    if (arg[1] == '-') {
      std::string name = arg.substr(2);
      if (const auto eq = name.find('='); eq != std::string::npos) {
        inline_value = name.substr(eq + 1);
        name = name.substr(0, eq);
      }
      for (const auto& s : specs) {
        if (s.long_name == name) spec = &s;
      }
    } else if (arg.size() == 2) {
      for (const auto& s : specs) {
        if (s.short_name == arg[1]) spec = &s;
      }
    }
    if (!spec) {
      out.error = "unknown option " + arg;
      return out;
    }
    std::string value;
    if (spec->takes_value) {
      if (inline_value) {
        value = *inline_value;
      } else if (i + 1 < argc) {
        value = argv[++i];
      } else {
        out.error = "option " + arg + " needs a value";
        return out;
      }
    } else if (inline_value) {
      out.error = "option --" + spec->long_name + " takes no value";
      return out;
    }
    auto& slot = out.values[spec->long_name];
    if (!slot.empty() && !spec->repeatable) {
      out.error = "option --" + spec->long_name + " given twice";
      return out;
    }
    slot.push_back(value);
  }
  return out;
}

std::vector<OptionSpec> common_specs() {
  return {
      {"url", 'u', true, false},   {"uid", 0, true, false},        {"credentials", 0, true, false},
      {"info", 0, true, false},    {"header", 'H', true, true},    {"cafile", 0, true, false},
      {"cert", 0, true, false},    {"key", 0, true, false},        {"insecure", 0, false, false},
      {"timeout", 0, true, false}, {"verbose", 'v', false, false}, {"help", 'h', false, false},
      {"version", 0, false, false},
  };
}

std::string common_help() {
  return "Connection:\n"
         "  -u, --url URL          broker URL: ws://, wss://, http:// (raw SMQ) or https://\n"
         "                         (default ws://127.0.0.1:9700/)\n"
         "      --uid UID          client id (6-255 bytes; default: random)\n"
         "      --credentials TXT  credentials sent in Connect\n"
         "      --info TXT         client info sent in Connect\n"
         "  -H, --header 'N: V'    extra HTTP header for the handshake (repeatable)\n"
         "      --cafile FILE      trusted CA certificates (PEM) for wss:// and https://\n"
         "                         (default: the system's trust store)\n"
         "      --cert FILE        client certificate (PEM) for mutual TLS\n"
         "      --key FILE         its private key (PEM; default: inside --cert)\n"
         "      --insecure         DANGER: do not verify the broker's certificate (tests only)\n"
         "      --timeout SECONDS  see above\n"
         "  -v, --verbose          progress on stderr\n"
         "  -h, --help             this text\n"
         "      --version          print the version and exit\n";
}

std::string version_line(const std::string& tool) { return tool + " " + SMQ_VERSION; }

std::optional<double> parse_number(const std::string& text) {
  if (text.empty()) return std::nullopt;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !(v >= 0) || v > 1e12) return std::nullopt;
  return v;
}

std::optional<std::string> client_options(const ParsedArgs& args, smq::ClientOptions& out) {
  out.uid = args.get("uid");
  out.credentials = args.get("credentials");
  out.info = args.get("info");
  if (!out.uid.empty() && (out.uid.size() < 6 || out.uid.size() > 255)) {
    return "--uid must be 6 to 255 bytes";
  }
  if (out.credentials.size() > 255) return "--credentials must be at most 255 bytes";
  for (const auto& h : args.all("header")) {
    const auto colon = h.find(':');
    if (colon == std::string::npos || colon == 0) return "--header expects 'Name: value'";
    std::string value = h.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.erase(value.begin());
    out.headers.emplace_back(h.substr(0, colon), value);
  }
  out.tls.ca_file = args.get("cafile");
  out.tls.cert_file = args.get("cert");
  out.tls.key_file = args.get("key");
  out.tls.insecure = args.has("insecure");
  return std::nullopt;
}

smq::TopicRef topic_arg(const std::string& text) {
  if (!text.empty()) {
    char* end = nullptr;
    const bool hex = text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
    const bool digits = text.find_first_not_of("0123456789") == std::string::npos;
    if (hex || digits) {
      const unsigned long long v = std::strtoull(text.c_str(), &end, hex ? 16 : 10);
      if (end == text.c_str() + text.size() && v <= 0xFFFFFFFFull) {
        return smq::TopicRef(static_cast<std::uint32_t>(v));
      }
    }
  }
  return smq::TopicRef(text);
}

bool printable(std::span<const std::uint8_t> payload) {
  if (!smq::is_valid_utf8(payload)) return false;
  for (std::size_t i = 0; i < payload.size(); ++i) {
    const std::uint8_t b = payload[i];
    if (b < 0x20 || b == 0x7F) return false;
    // C1 controls U+0080..U+009F are encoded as C2 80..C2 9F.
    if (b == 0xC2 && i + 1 < payload.size() && payload[i + 1] >= 0x80 && payload[i + 1] <= 0x9F) {
      return false;
    }
  }
  return true;
}

std::string base64(std::span<const std::uint8_t> bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes.data(),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

std::string json_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7F) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          out += buf;
        } else {
          out += ch;
        }
    }
  }
  return out;
}

std::string json_line(const smq::ReceivedMessage& m, bool force_base64) {
  std::string line = "{\"ptid\":" + std::to_string(m.ptid) + ",\"tid\":" + std::to_string(m.tid) +
                     ",\"subtid\":" + std::to_string(m.subtid);
  if (!force_base64 && printable(m.payload)) {
    line += ",\"text\":\"" + json_escape(m.text()) + "\"}";
  } else {
    line += ",\"base64\":\"" + base64(m.payload) + "\"}";
  }
  return line;
}

void print_line(const std::string& line) {
  std::lock_guard lock(print_mu);
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void print_error(const std::string& tool, const std::string& line) {
  std::lock_guard lock(print_mu);
  std::fprintf(stderr, "%s: %s\n", tool.c_str(), line.c_str());
  std::fflush(stderr);
}

smq::TopicRef subtopic_arg(const ParsedArgs& args) {
  return args.has("subtopic") ? topic_arg(args.get("subtopic")) : smq::TopicRef(0u);
}

bool connect_or_report(smq::BlockingClient& client, const std::string& url,
                       std::chrono::milliseconds limit, const std::string& tool, bool verbose) {
  try {
    client.connect(limit);
  } catch (const smq::ConnectionError& e) {
    print_error(tool, "cannot connect to " + url + ": " + e.what());
    return false;
  }
  if (verbose) print_error(tool, "connected, ETID " + std::to_string(client.gettid()));
  return true;
}

}  // namespace smqtool
