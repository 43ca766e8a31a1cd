// The reductions of reductions.h, vectorized by clang (AVX-512, AVX2 or baseline clones).
#include "reductions.h"

#include "kernel_attributes.h"

#include <string.h>

MULTIVERSION
void gru_add_column_sums(
    intptr_t rows, intptr_t width, intptr_t stride, const float *matrix, float *restrict sums) {
    for (intptr_t row = 0; row < rows; row++) {
        const float *restrict values = matrix + row * stride;
        for (intptr_t j = 0; j < width; j++) sums[j] += values[j];
    }
}

// A float is finite when its exponent bits are not all ones; the test runs branch-free over
// blocks and stops at the first block with a NaN or infinity.
MULTIVERSION
bool gru_all_finite(intptr_t count, const float *values) {
    const uint32_t exponent = 0x7f800000u;
    intptr_t start = 0;
    for (; start < count; start += 4096) {
        const intptr_t end = count - start < 4096 ? count : start + 4096;
        uint32_t found = 0;
        for (intptr_t i = start; i < end; i++) {
            uint32_t bits;
            memcpy(&bits, values + i, sizeof bits);
            found |= (bits & exponent) == exponent;
        }
        if (found) return false;
    }
    return true;
}
