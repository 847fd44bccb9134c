#pragma once

#include <sys/mman.h>

#include <cstddef>
#include <new>

namespace berth::registry {

// A transfer buffer (about 1 MiB) mapped straight from the kernel and returned to it when done.
// From malloc, such buffers raise glibc's dynamic mmap threshold and then stay cached in each
// thread's arena: 16 chunked PATCHes on 16 pool threads kept 34 MiB resident after they ended.
class LargeBuffer {
 public:
  explicit LargeBuffer(size_t size)
      : size_(size),
        data_(static_cast<char*>(
            ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0))) {
    if (data_ == MAP_FAILED) throw std::bad_alloc();
  }
  ~LargeBuffer() { ::munmap(data_, size_); }
  LargeBuffer(const LargeBuffer&) = delete;
  LargeBuffer& operator=(const LargeBuffer&) = delete;

  char* data() { return data_; }
  size_t size() const { return size_; }

 private:
  size_t size_;
  char* data_;
};

}  // namespace berth::registry
