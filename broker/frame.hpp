// An immutable, reference-counted SMQ packet in raw framing ([u16 length][type][body]).
// The hub encodes each outgoing packet once; every recipient's output queue holds a
// reference, so fan-out to N subscribers copies no payload. Raw sessions write the bytes
// whole; WebSocket sessions write a frame header plus bytes()[2..]. Frames live on the
// broker thread only, so the reference count is a plain integer: an atomic one cost about
// 70 % of a delivery in the fan-out benchmark (docs/benchmarks.md). Anything that hands a
// frame to another thread must copy the bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <span>
#include <string_view>
#include <utility>

namespace smq {

class Frame {
 public:
  Frame() = default;
  Frame(const Frame& other) noexcept : block_(other.block_) { retain(); }
  Frame(Frame&& other) noexcept : block_(std::exchange(other.block_, nullptr)) {}
  Frame& operator=(Frame other) noexcept {
    std::swap(block_, other.block_);
    return *this;
  }
  ~Frame() { release(); }

  // A frame of `size` uninitialised bytes, to be filled through data() before sharing.
  static Frame allocate(std::size_t size) {
    void* mem = std::malloc(sizeof(Block) + size);
    if (!mem) throw std::bad_alloc();
    Frame f;
    f.block_ = new (mem) Block{1, size};
    return f;
  }

  static Frame copy_of(std::string_view bytes) {
    Frame f = allocate(bytes.size());
    std::memcpy(f.data(), bytes.data(), bytes.size());
    return f;
  }

  std::uint8_t* data() { return block_->bytes(); }
  const std::uint8_t* data() const { return block_->bytes(); }
  std::size_t size() const { return block_ ? block_->size : 0; }
  std::span<const std::uint8_t> bytes() const { return {data(), size()}; }
  // The SMQ packet without the raw length prefix: a WebSocket message payload.
  std::span<const std::uint8_t> packet() const { return bytes().subspan(2); }
  explicit operator bool() const { return block_ != nullptr; }

 private:
  struct Block {
    std::uint32_t refs;
    std::size_t size;
    std::uint8_t* bytes() { return reinterpret_cast<std::uint8_t*>(this + 1); }
  };

  void retain() {
    if (block_) ++block_->refs;
  }
  void release() {
    if (block_ && --block_->refs == 0) {
      block_->~Block();
      std::free(block_);
    }
  }

  Block* block_ = nullptr;
};

}  // namespace smq
