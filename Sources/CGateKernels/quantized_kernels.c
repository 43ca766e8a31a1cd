// The low-precision products; see quantized_kernels.h, which defines their arithmetic. The
// int8 product has an AVX512-VNNI version (one vpdpbusd per 16 units x 4 k) chosen at run
// time, and a portable one on clang's vectors that computes the same integers; the bf16
// product is one version on clang's vectors, built for AVX-512, AVX2 and baseline x86-64.
#include "quantized_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>
#define HAS_VNNI_VERSION 1
#else
#define HAS_VNNI_VERSION 0
#endif

#define PANEL 16
#define PANEL_ROW (3 * PANEL)
// Rows a block of the int8 product keeps in registers: 8 rows x 3 gates = 24 accumulators.
#define INT8_BLOCK_ROWS 8
// Rows of a bf16 block: 2 rows x 3 gates x 4 partial sums = 24 accumulators.
#define BF16_BLOCK_ROWS 2

typedef int8_t int8_vector64 __attribute__((ext_vector_type(64)));
typedef uint16_t uint16_vector16 __attribute__((ext_vector_type(16), aligned(2)));
typedef uint32_t uint_vector16 __attribute__((ext_vector_type(16)));
typedef int32_t unaligned_int_vector16 __attribute__((ext_vector_type(16), aligned(4)));

static intptr_t panel_count(intptr_t hidden) { return (hidden + PANEL - 1) / PANEL; }
static intptr_t groups_of_four(intptr_t k_count) { return (k_count + 3) / 4; }

// MARK: - int8 packing and activations

intptr_t gru_int8_packed_count(intptr_t k_count, intptr_t hidden) {
    return panel_count(hidden) * groups_of_four(k_count) * PANEL_ROW * 4;
}

intptr_t gru_int8_activation_stride(intptr_t k_count) { return groups_of_four(k_count) * 4; }

void gru_int8_pack(
    intptr_t k_count, intptr_t hidden, const int8_t *q, const float *scales, int8_t *packed, float *packed_scales,
    int32_t *packed_sums) {
    const intptr_t panels = panel_count(hidden), groups = groups_of_four(k_count);
    memset(packed, 0, (size_t)gru_int8_packed_count(k_count, hidden));
    for (intptr_t p = 0; p < panels; p++) {
        for (intptr_t gate = 0; gate < 3; gate++) {
            for (intptr_t j = 0; j < PANEL; j++) {
                const intptr_t unit = p * PANEL + j, slot = p * PANEL_ROW + gate * PANEL + j;
                if (unit >= hidden) {
                    packed_scales[slot] = 0.0f;
                    packed_sums[slot] = 0;
                    continue;
                }
                const int8_t *row = q + (gate * hidden + unit) * k_count;
                int32_t sum = 0;
                for (intptr_t k = 0; k < k_count; k++) {
                    packed[((p * groups + k / 4) * 3 + gate) * 64 + j * 4 + k % 4] = row[k];
                    sum += row[k];
                }
                packed_scales[slot] = scales[gate * hidden + unit];
                packed_sums[slot] = sum;
            }
        }
    }
}

MULTIVERSION
void gru_int8_quantize_rows(
    intptr_t rows, intptr_t k_count, const float *x, intptr_t x_stride, uint8_t *quantized, float *scales) {
    const intptr_t stride = gru_int8_activation_stride(k_count);
    for (intptr_t b = 0; b < rows; b++) {
        const float *row = x + b * x_stride;
        uint8_t *out = quantized + b * stride;
        float largest = 0.0f;
        for (intptr_t k = 0; k < k_count; k++) largest = fmaxf(largest, fabsf(row[k]));
        const float inverse = largest > 0.0f ? 127.0f / largest : 0.0f;
        scales[b] = largest / 127.0f;
        for (intptr_t k = 0; k < k_count; k++) {
            float level = nearbyintf(row[k] * inverse);
            level = level > 127.0f ? 127.0f : (level < -127.0f ? -127.0f : level);
            out[k] = (uint8_t)((int32_t)level + 128);
        }
        for (intptr_t k = k_count; k < stride; k++) out[k] = 128;
    }
}

// MARK: - int8 product, portable

// out = fma(float(acc), s_w * s_x, bias) for one gate vector of a row.
ALWAYS_INLINE void store_int8_result(
    int_vector16 acc, const float *panel_scales, float row_scale, const float *panel_bias, float *out,
    intptr_t width) {
    const vector16 scale = load16(panel_scales) * row_scale;
    const vector16 value = __builtin_elementwise_fma(__builtin_convertvector(acc, vector16), scale, load16(panel_bias));
    store_partial16(out, value, width);
}

// `rows` rows (a constant after inlining) against one panel: each int32 lane holds a unit's
// four weights of a k group; byte c is taken out by shifts and multiplied by q_x[4 i + c].
ALWAYS_INLINE void int8_portable_block(
    const int rows, intptr_t groups, intptr_t hidden, intptr_t unit, intptr_t width, intptr_t first_gate,
    intptr_t gate_count, const int8_t *panel, const float *panel_scales, const float *panel_bias,
    const uint8_t *quantized, intptr_t stride, const float *scales, float *out, intptr_t out_stride) {
    int_vector16 acc[INT8_BLOCK_ROWS][3];
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < 3; v++) acc[r][v] = 0;
    }
    for (intptr_t i = 0; i < groups; i++) {
        for (intptr_t v = 0; v < gate_count; v++) {
            const int_vector16 lanes = *(const unaligned_int_vector16 *)(panel + (i * 3 + first_gate + v) * 64);
            for (int c = 0; c < 4; c++) {
                const int_vector16 weight = (lanes << (24 - 8 * c)) >> 24;
                for (int r = 0; r < rows; r++) {
                    const int32_t level = (int32_t)quantized[r * stride + 4 * i + c] - 128;
                    acc[r][v] += weight * level;
                }
            }
        }
    }
    for (int r = 0; r < rows; r++) {
        for (intptr_t v = 0; v < gate_count; v++) {
            const intptr_t gate = first_gate + v;
            store_int8_result(acc[r][v], panel_scales + gate * PANEL, scales[r], panel_bias + gate * PANEL,
                              out + r * out_stride + gate * hidden + unit, width);
        }
    }
}

#define DISPATCH_INT8_ROWS DISPATCH_ROWS_UP_TO_8
_Static_assert(INT8_BLOCK_ROWS == 8, "DISPATCH_ROWS_UP_TO_8 has one case for each block size");

MULTIVERSION
static void int8_product_portable(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const int8_t *packed, const float *packed_scales, const float *packed_bias,
    const uint8_t *quantized, const float *scales, float *out, intptr_t out_stride) {
    const intptr_t groups = groups_of_four(k_count), stride = gru_int8_activation_stride(k_count);
    for (intptr_t p = first_panel; p < end_panel; p++) {
        const intptr_t unit = p * PANEL, width = hidden - unit < PANEL ? hidden - unit : PANEL;
        const int8_t *panel = packed + p * groups * PANEL_ROW * 4;
        for (intptr_t b = 0; b < rows; b += INT8_BLOCK_ROWS) {
#define PORTABLE_BLOCK(n) \
    int8_portable_block(n, groups, hidden, unit, width, first_gate, gate_count, panel, packed_scales + p * PANEL_ROW, \
                        packed_bias + p * PANEL_ROW, quantized + b * stride, stride, scales + b, out + b * out_stride, \
                        out_stride)
            DISPATCH_INT8_ROWS(rows - b, PORTABLE_BLOCK)
#undef PORTABLE_BLOCK
        }
    }
}

// MARK: - int8 product, AVX512-VNNI

#if HAS_VNNI_VERSION
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// acc = sum (q_x + 128) q_w by vpdpbusd (unsigned x signed bytes, four to a lane, exact in
// int32), less 128 sum_k q_w: the same integers as the portable version.
static inline __attribute__((always_inline)) VNNI_TARGET void int8_vnni_block(
    const int rows, intptr_t groups, intptr_t hidden, intptr_t unit, intptr_t width, const int first_gate,
    const int gate_count, const int8_t *panel, const float *panel_scales, const int32_t *panel_sums,
    const float *panel_bias, const uint8_t *quantized, intptr_t stride, const float *scales, float *out,
    intptr_t out_stride) {
    __m512i acc[INT8_BLOCK_ROWS][3];
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < 3; v++) acc[r][v] = _mm512_setzero_si512();
    }
    for (intptr_t i = 0; i < groups; i++) {
        __m512i weights[3];
        for (int v = 0; v < gate_count; v++) {
            weights[v] = _mm512_loadu_si512((const void *)(panel + (i * 3 + first_gate + v) * 64));
        }
        for (int r = 0; r < rows; r++) {
            int32_t four;
            memcpy(&four, quantized + r * stride + 4 * i, sizeof four);
            const __m512i levels = _mm512_set1_epi32(four);
            for (int v = 0; v < gate_count; v++) acc[r][v] = _mm512_dpbusd_epi32(acc[r][v], levels, weights[v]);
        }
    }
    const __mmask16 mask = (__mmask16)(width >= 16 ? 0xFFFF : ((1u << width) - 1));
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < gate_count; v++) {
            const int gate = first_gate + v;
            const __m512i offset = _mm512_slli_epi32(_mm512_loadu_si512((const void *)(panel_sums + gate * PANEL)), 7);
            const __m512 sums = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[r][v], offset));
            const __m512 scale = _mm512_mul_ps(_mm512_loadu_ps(panel_scales + gate * PANEL), _mm512_set1_ps(scales[r]));
            const __m512 value = _mm512_fmadd_ps(sums, scale, _mm512_loadu_ps(panel_bias + gate * PANEL));
            _mm512_mask_storeu_ps(out + r * out_stride + gate * hidden + unit, mask, value);
        }
    }
}

// The gate range as constants too, so that the block keeps exactly its accumulators.
#define VNNI_GATES(n, first, count) \
    int8_vnni_block(n, groups, hidden, unit, width, first, count, panel, panel_scales, panel_sums, panel_bias, \
                    quantized + b * stride, stride, scales + b, out + b * out_stride, out_stride)
#define VNNI_BLOCK(n) \
    do { \
        if (first_gate == 0 && gate_count == 3) VNNI_GATES(n, 0, 3); \
        else if (first_gate == 0 && gate_count == 2) VNNI_GATES(n, 0, 2); \
        else VNNI_GATES(n, 2, 1); \
    } while (0)

VNNI_TARGET
static void int8_product_vnni(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const int8_t *packed, const float *packed_scales, const int32_t *packed_sums,
    const float *packed_bias, const uint8_t *quantized, const float *scales, float *out, intptr_t out_stride) {
    const intptr_t groups = groups_of_four(k_count), stride = gru_int8_activation_stride(k_count);
    for (intptr_t p = first_panel; p < end_panel; p++) {
        const intptr_t unit = p * PANEL, width = hidden - unit < PANEL ? hidden - unit : PANEL;
        const int8_t *panel = packed + p * groups * PANEL_ROW * 4;
        const float *panel_scales = packed_scales + p * PANEL_ROW, *panel_bias = packed_bias + p * PANEL_ROW;
        const int32_t *panel_sums = packed_sums + p * PANEL_ROW;
        for (intptr_t b = 0; b < rows; b += INT8_BLOCK_ROWS) DISPATCH_INT8_ROWS(rows - b, VNNI_BLOCK)
    }
}
#undef VNNI_BLOCK
#undef VNNI_GATES
#endif

// Whether tests asked for the portable version on a processor with VNNI.
static _Atomic bool portable_only = false;

void gru_int8_set_portable_only(bool portable) { atomic_store_explicit(&portable_only, portable, memory_order_relaxed); }

static bool processor_has_vnni(void) {
#if HAS_VNNI_VERSION
    static _Atomic int cached = -1;  // -1: not yet known
    int known = atomic_load_explicit(&cached, memory_order_relaxed);
    if (known < 0) {
        __builtin_cpu_init();
        known = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl");
        atomic_store_explicit(&cached, known, memory_order_relaxed);
    }
    return known;
#else
    return false;
#endif
}

bool gru_int8_uses_vnni(void) {
    return processor_has_vnni() && !atomic_load_explicit(&portable_only, memory_order_relaxed);
}

void gru_int8_panel_product(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const int8_t *packed, const float *packed_scales, const int32_t *packed_sums,
    const float *packed_bias, const uint8_t *quantized, const float *scales, float *out, intptr_t out_stride) {
    // The gate ranges the GRU's steps ask for: all three, r and z, or n alone.
    const bool known_gates = (first_gate == 0 && (gate_count == 3 || gate_count == 2)) ||
                             (first_gate == 2 && gate_count == 1);
    if (!known_gates || rows <= 0 || first_panel >= end_panel) {
        if (!known_gates) __builtin_trap();
        return;
    }
#if HAS_VNNI_VERSION
    if (gru_int8_uses_vnni()) {
        int8_product_vnni(rows, k_count, hidden, first_panel, end_panel, first_gate, gate_count, packed, packed_scales,
                          packed_sums, packed_bias, quantized, scales, out, out_stride);
        return;
    }
#endif
    int8_product_portable(rows, k_count, hidden, first_panel, end_panel, first_gate, gate_count, packed,
                          packed_scales, packed_bias, quantized, scales, out, out_stride);
}

// MARK: - bf16

intptr_t gru_bf16_packed_count(intptr_t k_count, intptr_t hidden) {
    return panel_count(hidden) * k_count * PANEL_ROW;
}

uint16_t gru_bf16_from_float(float value) {
    uint32_t bits;
    memcpy(&bits, &value, sizeof bits);
    bits += 0x7FFFu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

float gru_float_from_bf16(uint16_t value) {
    const uint32_t bits = (uint32_t)value << 16;
    float result;
    memcpy(&result, &bits, sizeof result);
    return result;
}

void gru_bf16_pack(intptr_t k_count, intptr_t hidden, const float *weights, uint16_t *packed) {
    const intptr_t panels = panel_count(hidden);
    for (intptr_t p = 0; p < panels; p++) {
        for (intptr_t gate = 0; gate < 3; gate++) {
            for (intptr_t j = 0; j < PANEL; j++) {
                const intptr_t unit = p * PANEL + j;
                const float *row = weights + (gate * hidden + unit) * k_count;
                for (intptr_t k = 0; k < k_count; k++) {
                    packed[((p * k_count + k) * 3 + gate) * PANEL + j] =
                        unit < hidden ? gru_bf16_from_float(row[k]) : 0;
                }
            }
        }
    }
}

ALWAYS_INLINE vector16 load_bf16_16(const uint16_t *p) {
    const uint_vector16 bits = __builtin_convertvector(*(const uint16_vector16 *)p, uint_vector16) << 16;
    return (vector16)bits;
}

// `rows` rows (a constant) against one panel: four partial sums per output, by k mod 4.
ALWAYS_INLINE void bf16_block(
    const int rows, intptr_t k_count, intptr_t hidden, intptr_t unit, intptr_t width, const int first_gate,
    const int gate_count, const uint16_t *panel, const float *panel_bias, const float *x, intptr_t x_stride,
    float *out, intptr_t out_stride) {
    vector16 partial[BF16_BLOCK_ROWS][3][4];
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < gate_count; v++) {
            for (int c = 0; c < 4; c++) partial[r][v][c] = 0.0f;
        }
    }
    intptr_t k = 0;
    for (; k + 4 <= k_count; k += 4) {
        for (int c = 0; c < 4; c++) {
            for (int v = 0; v < gate_count; v++) {
                const vector16 weight = load_bf16_16(panel + ((k + c) * 3 + first_gate + v) * PANEL);
                for (int r = 0; r < rows; r++) {
                    partial[r][v][c] = __builtin_elementwise_fma(weight, (vector16)x[r * x_stride + k + c],
                                                                 partial[r][v][c]);
                }
            }
        }
    }
    for (int c = 0; k + c < k_count; c++) {
        for (int v = 0; v < gate_count; v++) {
            const vector16 weight = load_bf16_16(panel + ((k + c) * 3 + first_gate + v) * PANEL);
            for (int r = 0; r < rows; r++) {
                partial[r][v][c] = __builtin_elementwise_fma(weight, (vector16)x[r * x_stride + k + c],
                                                             partial[r][v][c]);
            }
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < gate_count; v++) {
            const int gate = first_gate + v;
            const vector16 total = (partial[r][v][0] + partial[r][v][1]) + (partial[r][v][2] + partial[r][v][3]);
            store_partial16(out + r * out_stride + gate * hidden + unit, total + load16(panel_bias + gate * PANEL),
                            width);
        }
    }
}

#define BF16_GATES(n, first, count) \
    bf16_block(n, k_count, hidden, unit, width, first, count, panel, panel_bias, x + b * x_stride, x_stride, \
               out + b * out_stride, out_stride)
#define BF16_BLOCK(n) \
    do { \
        if (first_gate == 0 && gate_count == 3) BF16_GATES(n, 0, 3); \
        else if (first_gate == 0 && gate_count == 2) BF16_GATES(n, 0, 2); \
        else BF16_GATES(n, 2, 1); \
    } while (0)

MULTIVERSION
void gru_bf16_panel_product(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const uint16_t *packed, const float *packed_bias, const float *x, intptr_t x_stride,
    float *out, intptr_t out_stride) {
    const bool known_gates = (first_gate == 0 && (gate_count == 3 || gate_count == 2)) ||
                             (first_gate == 2 && gate_count == 1);
    if (!known_gates) __builtin_trap();
    for (intptr_t p = first_panel; p < end_panel; p++) {
        const intptr_t unit = p * PANEL, width = hidden - unit < PANEL ? hidden - unit : PANEL;
        const uint16_t *panel = packed + p * k_count * PANEL_ROW;
        const float *panel_bias = packed_bias + p * PANEL_ROW;
        for (intptr_t b = 0; b < rows; b += BF16_BLOCK_ROWS) {
            if (rows - b >= 2) BF16_BLOCK(2);
            else BF16_BLOCK(1);
        }
    }
}
#undef BF16_BLOCK
#undef BF16_GATES
