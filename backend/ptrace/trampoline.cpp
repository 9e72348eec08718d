#include "backend/ptrace/trampoline.h"

#include <cstring>

#include "core/error.h"

// trampoline.S
extern "C" const unsigned char ptvm_trampoline_block[], ptvm_trampoline_block_end[];

namespace ptvm::trampoline {

void write_code(unsigned char* code) {
  const auto size = static_cast<std::size_t>(ptvm_trampoline_block_end - ptvm_trampoline_block);
  PTVM_ASSERT(size == kRestoreEnd && size <= kBlock, "trampoline.S and its layout disagree");
  std::memset(code, 0xcc, kCode);
  for (int k = 0; k < kBlocks; ++k) std::memcpy(code + kBlock * k, ptvm_trampoline_block, size);
}

}  // namespace ptvm::trampoline
