// The function attributes the C kernels share. Private to CGateKernels (not under include/):
// no Swift caller sees these names.
#ifndef GRUKIT_KERNEL_ATTRIBUTES_H
#define GRUKIT_KERNEL_ATTRIBUTES_H

// A public kernel compiled for AVX-512 (which implies FMA), AVX2 and baseline x86-64, the
// loader picking the best for the processor (target_clones); one version elsewhere.
// gru_kernel_instruction_set (recurrent_kernels.c) names the one picked.
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSION
#endif

// A helper inlined into every kernel that calls it, so that its constant arguments (a block's
// row count, its gate vectors) unroll its loops and keep its sums in registers, and so that no
// 16-float vector crosses a call.
#define ALWAYS_INLINE static inline __attribute__((always_inline))

// Runs BLOCK(n) with n = min(remaining, 8), a constant in each case, so that every block size
// gets its own copy of an inlined block kernel, row loops unrolled and sums in registers.
// `remaining` is at least 1.
#define DISPATCH_ROWS_UP_TO_8(remaining, BLOCK) \
    switch ((remaining) < 8 ? (remaining) : 8) { \
        case 1: BLOCK(1); break; \
        case 2: BLOCK(2); break; \
        case 3: BLOCK(3); break; \
        case 4: BLOCK(4); break; \
        case 5: BLOCK(5); break; \
        case 6: BLOCK(6); break; \
        case 7: BLOCK(7); break; \
        case 8: BLOCK(8); break; \
    }

#endif
