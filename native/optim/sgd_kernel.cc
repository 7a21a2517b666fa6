#include "sgd_kernel.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace layerout {

#if defined(__x86_64__)

bool sgdKernelSupported() { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

namespace {

// Each line is one libtorch operation's rounding: add(g, p, alpha=wd), mul_(m), add_(d),
// add_(u, alpha=-lr). The tail uses the same instructions on one lane.
__attribute__((target("avx2,fma"))) void run(const SgdKernelArgs& a) {
  const __m256 wd = _mm256_set1_ps(a.weightDecay), m = _mm256_set1_ps(a.momentum), lr = _mm256_set1_ps(a.negLr);
  int64_t i = a.begin;
  for (; i + 8 <= a.end; i += 8) {
    const __m256 p = _mm256_loadu_ps(a.param + i);
    __m256 u = _mm256_loadu_ps(a.grad + i);
    if (a.decay) u = _mm256_fmadd_ps(p, wd, u);
    if (a.mode == MomentumMode::Existing) {
      u = _mm256_add_ps(_mm256_mul_ps(_mm256_loadu_ps(a.buffer + i), m), u);
    }
    if (a.mode != MomentumMode::None) _mm256_storeu_ps(a.buffer + i, u);
    _mm256_storeu_ps(a.param + i, _mm256_fmadd_ps(u, lr, p));
  }
  const __m128 wd1 = _mm_set_ss(a.weightDecay), m1 = _mm_set_ss(a.momentum), lr1 = _mm_set_ss(a.negLr);
  for (; i < a.end; ++i) {
    const __m128 p = _mm_load_ss(a.param + i);
    __m128 u = _mm_load_ss(a.grad + i);
    if (a.decay) u = _mm_fmadd_ss(p, wd1, u);
    if (a.mode == MomentumMode::Existing) u = _mm_add_ss(_mm_mul_ss(_mm_load_ss(a.buffer + i), m1), u);
    if (a.mode != MomentumMode::None) _mm_store_ss(a.buffer + i, u);
    _mm_store_ss(a.param + i, _mm_fmadd_ss(u, lr1, p));
  }
}

}  // namespace

void sgdKernel(const SgdKernelArgs& args) { run(args); }

#else

bool sgdKernelSupported() { return false; }
void sgdKernel(const SgdKernelArgs&) {}

#endif

}  // namespace layerout
