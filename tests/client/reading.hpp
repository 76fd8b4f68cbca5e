// Reading: the msgpack-typed struct the typed-payload tests send, in C++ and (through
// js_peer.mjs) in JavaScript. Every field kind the interop has to get right: text, float,
// integer, array, binary and an optional.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "smq/typed.hpp"

namespace smqclienttest {

struct Reading {
  std::string name;
  double celsius = 0;
  int count = 0;
  std::vector<std::string> tags;
  std::vector<std::uint8_t> raw;
  std::optional<std::string> note;
  MSGPACK_DEFINE_MAP(name, celsius, count, tags, raw, note)
};

}  // namespace smqclienttest
