// The dot product and scaled sum that the attention kernels' steps run over hidden and memory
// widths, 16 lanes at a time. Private to CGateKernels (not under include/).
#ifndef GRUKIT_VECTOR_SUMS_H
#define GRUKIT_VECTOR_SUMS_H

#include "activations.h"
#include "kernel_attributes.h"

#include <stdint.h>

// a . b over `count` floats, summed in 16 lanes and reduced once.
ALWAYS_INLINE float dot(const float *a, const float *b, intptr_t count) {
    vector16 sum = 0.0f;
    intptr_t k = 0;
    for (; k + 16 <= count; k += 16) sum += load16(a + k) * load16(b + k);
    float total = 0.0f;
    for (int lane = 0; lane < 16; lane++) total += sum[lane];
    for (; k < count; k++) total += a[k] * b[k];
    return total;
}

// y += a x over `count` floats.
ALWAYS_INLINE void add_scaled(float *y, float a, const float *x, intptr_t count) {
    intptr_t k = 0;
    for (; k + 16 <= count; k += 16) store16(y + k, load16(y + k) + a * load16(x + k));
    for (; k < count; k++) y[k] += a * x[k];
}

#endif
