// One libFuzzer binary per entry point: CMake compiles this file with DOTWISE_FUZZ_ENTRY set to the
// function (fuzz/Entries.h) it drives.
#include <cstddef>
#include <cstdint>

#include "fuzz/Entries.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  DOTWISE_FUZZ_ENTRY(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
