// One pass over a parameter for SGD with momentum and weight decay, rounding exactly as
// libtorch's multi-tensor (_foreach) SGD does on a CPU with AVX2 and FMA: its add-with-alpha is a
// fused multiply-add, its momentum multiply and add round separately. The _foreach path reads
// and writes the parameter, gradient and buffer in four passes; this reads each once.
// Plain floats in, no torch headers: the file is compiled without floating-point contraction.
#pragma once

#include <cstdint>

namespace layerout {

enum class MomentumMode { None, Fresh, Existing };

struct SgdKernelArgs {
  float* param = nullptr;
  const float* grad = nullptr;
  float* buffer = nullptr;  // Fresh: written; Existing: read and written; None: unused
  int64_t begin = 0, end = 0;
  float negLr = 0, weightDecay = 0, momentum = 0;
  bool decay = false;
  MomentumMode mode = MomentumMode::None;
};

// Whether this CPU runs the kernel (x86-64 with AVX2 and FMA).
bool sgdKernelSupported();
// Elements [begin, end) of one parameter: d = fma(p, wd, g) (or g), b = b*m + d (or d), p = fma(u, -lr, p).
void sgdKernel(const SgdKernelArgs& args);

}  // namespace layerout
