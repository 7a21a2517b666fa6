// SHA-256 (FIPS 180-4), for the checkpoint's per-tensor digests: small, dependency-free, and the
// same on every libtorch and Node build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace layerout {

// Lower-case hex digest of `size` bytes.
std::string sha256Hex(const void* data, size_t size);

}  // namespace layerout
