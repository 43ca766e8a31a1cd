// The activations the C kernels share, on floats and on 16-float vectors. clang lowers the
// vector arithmetic to the widest registers the enclosing function's target has (one
// AVX-512 register, two AVX2 ones, four SSE ones, or NEON).
//
// e^x for x in float range: x = n ln2 + r with |r| <= ln2/2, e^r by Cephes's degree-6
// polynomial (relative error about 1e-7), 2^n by building the exponent bits. sigmoid and
// tanh come from it; tanh from e^(-2|x|), which never overflows (absolute error about 1e-7).
#ifndef GRUKIT_ACTIVATIONS_H
#define GRUKIT_ACTIVATIONS_H

#include "kernel_attributes.h"

#include <math.h>

#include <stdint.h>
#include <string.h>

// Every function here is always inlined, so no 16-float vector ever crosses a call boundary
// and the ABI warning clang gives for their signatures in the AVX2 and baseline clones does
// not apply.
#pragma clang diagnostic ignored "-Wpsabi"

typedef float vector16 __attribute__((ext_vector_type(16)));
typedef int32_t int_vector16 __attribute__((ext_vector_type(16)));
// The same vector loaded from or stored to any float address.
typedef float unaligned_vector16 __attribute__((ext_vector_type(16), aligned(4)));

ALWAYS_INLINE vector16 load16(const float *p) {
    return *(const unaligned_vector16 *)p;
}

ALWAYS_INLINE void store16(float *p, vector16 v) {
    *(unaligned_vector16 *)p = v;
}

// The first `count` (<= 16) floats at p, zeros after them: no read past the end of a row.
ALWAYS_INLINE vector16 load_partial16(const float *p, intptr_t count) {
    if (count >= 16) return load16(p);
    float lanes[16] = {0};
    memcpy(lanes, p, (size_t)count * sizeof(float));
    return load16(lanes);
}

// Stores the first `count` (<= 16) lanes of v at p.
ALWAYS_INLINE void store_partial16(float *p, vector16 v, intptr_t count) {
    if (count >= 16) {
        store16(p, v);
        return;
    }
    float lanes[16];
    store16(lanes, v);
    memcpy(p, lanes, (size_t)count * sizeof(float));
}

// The steps of e^x shared by the float and vector versions: n = round(x / ln2), the reduced
// r = x - n ln2 (ln2 in two parts for accuracy), and e^r.
#define GRU_EXP_CLAMP_LOW -87.0f
#define GRU_EXP_CLAMP_HIGH 88.0f
#define GRU_EXP_ROUNDED_EXPONENT(x) ((x) * 1.44269504088896341f + 0.5f)  // floored by the caller
#define GRU_EXP_REDUCED(x, n) ((x) - (n) * 0.693359375f + (n) * 2.12194440e-4f)
#define GRU_EXP_POLYNOMIAL(r) \
    ((((((1.9875691500e-4f * (r) + 1.3981999507e-3f) * (r) + 8.3334519073e-3f) * (r) + 4.1665795894e-2f) * (r) + \
       1.6666665459e-1f) * (r) + 5.0000001201e-1f) * (r) * (r) + (r) + 1.0f)

// MARK: - Floats

static inline float fast_exp(float x) {
    x = x < GRU_EXP_CLAMP_LOW ? GRU_EXP_CLAMP_LOW : (x > GRU_EXP_CLAMP_HIGH ? GRU_EXP_CLAMP_HIGH : x);
    const float n = floorf(GRU_EXP_ROUNDED_EXPONENT(x));
    const float r = GRU_EXP_REDUCED(x, n);
    int32_t bits = ((int32_t)n + 127) << 23;
    float scale;
    memcpy(&scale, &bits, sizeof scale);
    return GRU_EXP_POLYNOMIAL(r) * scale;
}

static inline float fast_sigmoid(float x) {
    return 1.0f / (1.0f + fast_exp(-x));
}

static inline float fast_tanh(float x) {
    float t = fast_exp(-2.0f * fabsf(x));
    float y = (1.0f - t) / (1.0f + t);
    return x < 0 ? -y : y;
}

// MARK: - Vectors

ALWAYS_INLINE vector16 exp16(vector16 x) {
    x = __builtin_elementwise_max(__builtin_elementwise_min(x, (vector16)GRU_EXP_CLAMP_HIGH), (vector16)GRU_EXP_CLAMP_LOW);
    const vector16 n = __builtin_elementwise_floor(GRU_EXP_ROUNDED_EXPONENT(x));
    const vector16 r = GRU_EXP_REDUCED(x, n);
    int_vector16 bits = (__builtin_convertvector(n, int_vector16) + 127) << 23;
    return GRU_EXP_POLYNOMIAL(r) * (vector16)bits;
}

ALWAYS_INLINE vector16 sigmoid16(vector16 x) {
    return 1.0f / (1.0f + exp16(-x));
}

// The sign is put back from x's sign bit.
ALWAYS_INLINE vector16 tanh16(vector16 x) {
    vector16 t = exp16(-2.0f * __builtin_elementwise_abs(x));
    vector16 y = (1.0f - t) / (1.0f + t);
    int_vector16 sign = (int_vector16)x & (int_vector16)(int32_t)0x80000000;
    return (vector16)((int_vector16)y | sign);
}

#endif
