// The int8 product; see quantized_kernels.h, which defines its arithmetic. An AVX512-VNNI
// version (one vpdpbusd per 16 units x 4 k) and an AVX2 one (vpmaddwd on int16, exact) chosen
// at run time, and a portable one on clang's vectors; all compute the same integers.
#include "quantized_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"
#include "quantized_layout.h"

#include <math.h>
#include <string.h>

#if HAS_X86_VERSIONS
#include <immintrin.h>
#endif

// Rows a block of the int8 product keeps in registers: 8 rows x 3 gates = 24 accumulators.
#define INT8_BLOCK_ROWS 8
// Rows of an AVX2 block, one gate at a time: 2 rows x 4 vectors of 4 units, with the 4 weight
// vectors, within the 16 registers.
#define AVX2_BLOCK_ROWS 2

typedef int32_t unaligned_int_vector16 __attribute__((ext_vector_type(16), aligned(4)));

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

typedef uint8_t byte_vector16 __attribute__((ext_vector_type(16)));

// One row, 16 values at a time (a streaming step quantizes its x and h every call); the max
// and the rounding are exact, so the vectors give the scalar definition's bytes. Inlined into
// each clone, so that no 16-float vector crosses a call in the narrower ones.
ALWAYS_INLINE void quantize_row(intptr_t k_count, intptr_t stride, const float *row, uint8_t *out, float *scale) {
    vector16 largest16 = 0.0f;
    intptr_t k = 0;
    for (; k + 16 <= k_count; k += 16) {
        largest16 = __builtin_elementwise_max(largest16, __builtin_elementwise_abs(load16(row + k)));
    }
    float largest = __builtin_reduce_max(largest16);
    for (; k < k_count; k++) largest = fmaxf(largest, fabsf(row[k]));
    const float inverse = largest > 0.0f ? 127.0f / largest : 0.0f;
    *scale = largest / 127.0f;
    for (k = 0; k + 16 <= k_count; k += 16) {
        vector16 level = __builtin_elementwise_roundeven(load16(row + k) * inverse);
        level = __builtin_elementwise_min(__builtin_elementwise_max(level, (vector16)-127.0f), (vector16)127.0f);
        const byte_vector16 bytes =
            __builtin_convertvector(__builtin_convertvector(level, int_vector16) + 128, byte_vector16);
        memcpy(out + k, &bytes, sizeof bytes);
    }
    for (; k < k_count; k++) {
        float level = nearbyintf(row[k] * inverse);
        level = level > 127.0f ? 127.0f : (level < -127.0f ? -127.0f : level);
        out[k] = (uint8_t)((int32_t)level + 128);
    }
    for (k = k_count; k < stride; k++) out[k] = 128;
}

MULTIVERSION
void gru_int8_quantize_rows(
    intptr_t rows, intptr_t k_count, const float *x, intptr_t x_stride, uint8_t *quantized, float *scales) {
    const intptr_t stride = gru_int8_activation_stride(k_count);
    for (intptr_t b = 0; b < rows; b++) quantize_row(k_count, stride, x + b * x_stride, quantized + b * stride, scales + b);
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

// The pointers and sizes of panel p that the hand-written versions' blocks take.
#define INT8_PANEL_POINTERS(p) \
    const intptr_t unit = (p) * PANEL, width = hidden - unit < PANEL ? hidden - unit : PANEL; \
    const int8_t *panel = packed + (p) * groups * PANEL_ROW * 4; \
    const float *panel_scales = packed_scales + (p) * PANEL_ROW, *panel_bias = packed_bias + (p) * PANEL_ROW; \
    const int32_t *panel_sums = packed_sums + (p) * PANEL_ROW

// MARK: - int8 product, AVX512-VNNI

#if HAS_X86_VERSIONS
#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// acc = sum (q_x + 128) q_w by vpdpbusd (unsigned x signed bytes, four to a lane, exact in
// int32), less 128 sum_k q_w: the same integers as the portable version.
static inline __attribute__((always_inline)) VNNI_TARGET void int8_vnni_block(
    const int rows, intptr_t groups, intptr_t hidden, intptr_t unit, intptr_t width, const int first_gate,
    const int gate_count, const int8_t *panel, const float *panel_scales, const int32_t *panel_sums,
    const float *panel_bias, const uint8_t *quantized, intptr_t stride, const float *scales, float *out,
    intptr_t out_stride) {
    // With few rows, k groups alternate between separate sums (chains), so that enough
    // independent vpdpbusd are in flight; int32 sums are exact, so the chains change nothing.
    const int chains = rows == 1 ? 4 : (rows == 2 ? 2 : 1);
    __m512i acc[4][INT8_BLOCK_ROWS][3];
    for (int c = 0; c < chains; c++) {
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < 3; v++) acc[c][r][v] = _mm512_setzero_si512();
        }
    }
    intptr_t i = 0;
    for (; i + chains <= groups; i += chains) {
        for (int c = 0; c < chains; c++) {
            __m512i weights[3];
            for (int v = 0; v < gate_count; v++) {
                weights[v] = _mm512_loadu_si512((const void *)(panel + ((i + c) * 3 + first_gate + v) * 64));
            }
            for (int r = 0; r < rows; r++) {
                int32_t four;
                memcpy(&four, quantized + r * stride + 4 * (i + c), sizeof four);
                const __m512i levels = _mm512_set1_epi32(four);
                for (int v = 0; v < gate_count; v++) {
                    acc[c][r][v] = _mm512_dpbusd_epi32(acc[c][r][v], levels, weights[v]);
                }
            }
        }
    }
    for (int c = 0; i < groups; i++, c++) {
        for (int r = 0; r < rows; r++) {
            int32_t four;
            memcpy(&four, quantized + r * stride + 4 * i, sizeof four);
            const __m512i levels = _mm512_set1_epi32(four);
            for (int v = 0; v < gate_count; v++) {
                const __m512i weights = _mm512_loadu_si512((const void *)(panel + (i * 3 + first_gate + v) * 64));
                acc[c][r][v] = _mm512_dpbusd_epi32(acc[c][r][v], levels, weights);
            }
        }
    }
    for (int c = 1; c < chains; c++) {
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < gate_count; v++) acc[0][r][v] = _mm512_add_epi32(acc[0][r][v], acc[c][r][v]);
        }
    }
    const __mmask16 mask = (__mmask16)(width >= 16 ? 0xFFFF : ((1u << width) - 1));
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < gate_count; v++) {
            const int gate = first_gate + v;
            const __m512i offset = _mm512_slli_epi32(_mm512_loadu_si512((const void *)(panel_sums + gate * PANEL)), 7);
            const __m512 sums = _mm512_cvtepi32_ps(_mm512_sub_epi32(acc[0][r][v], offset));
            const __m512 scale = _mm512_mul_ps(_mm512_loadu_ps(panel_scales + gate * PANEL), _mm512_set1_ps(scales[r]));
            const __m512 value = _mm512_fmadd_ps(sums, scale, _mm512_loadu_ps(panel_bias + gate * PANEL));
            _mm512_mask_storeu_ps(out + r * out_stride + gate * hidden + unit, mask, value);
        }
    }
}

#define VNNI_GATES(n, first, count) \
    int8_vnni_block(n, groups, hidden, unit, width, first, count, panel, panel_scales, panel_sums, panel_bias, \
                    quantized + b * stride, stride, scales + b, out + b * out_stride, out_stride)
#define VNNI_BLOCK(n) DISPATCH_GATE_RANGE(VNNI_GATES, n)

VNNI_TARGET
static void int8_product_vnni(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const int8_t *packed, const float *packed_scales, const int32_t *packed_sums,
    const float *packed_bias, const uint8_t *quantized, const float *scales, float *out, intptr_t out_stride) {
    const intptr_t groups = groups_of_four(k_count), stride = gru_int8_activation_stride(k_count);
    for (intptr_t p = first_panel; p < end_panel; p++) {
        INT8_PANEL_POINTERS(p);
        for (intptr_t b = 0; b < rows; b += INT8_BLOCK_ROWS) DISPATCH_INT8_ROWS(rows - b, VNNI_BLOCK)
    }
}
#undef VNNI_BLOCK
#undef VNNI_GATES
#endif

// MARK: - int8 product, AVX2

#if HAS_X86_VERSIONS
#define AVX2_TARGET __attribute__((target("avx2,fma")))

// `rows` rows (a constant) against one gate of one panel. A weight vector holds 4 units x 4 k
// sign-extended to int16; the row's 4 bytes q_x + 128, zero-extended, repeat in each unit's 4
// lanes. vpmaddwd adds the products two by two into int32, exactly (at most 2 x 255 x 127;
// vpmaddubsw would saturate), so each unit has two sums, of k = 0, 1 and of k = 2, 3; less
// 128 sum_k q_w, the same integers as the other versions.
static inline __attribute__((always_inline)) AVX2_TARGET void int8_avx2_block(
    const int rows, intptr_t groups, intptr_t hidden, intptr_t unit, intptr_t width, intptr_t gate,
    const int8_t *panel, const float *panel_scales, const int32_t *panel_sums, const float *panel_bias,
    const uint8_t *quantized, intptr_t stride, const float *scales, float *out, intptr_t out_stride) {
    __m256i acc[AVX2_BLOCK_ROWS][4];
    for (int r = 0; r < rows; r++) {
        for (int q = 0; q < 4; q++) acc[r][q] = _mm256_setzero_si256();
    }
    for (intptr_t i = 0; i < groups; i++) {
        const int8_t *weights = panel + (i * 3 + gate) * 64;
        __m256i widened[4];
        for (int q = 0; q < 4; q++) {
            widened[q] = _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)(const void *)(weights + 16 * q)));
        }
        for (int r = 0; r < rows; r++) {
            int32_t four;
            memcpy(&four, quantized + r * stride + 4 * i, sizeof four);
            const __m256i levels = _mm256_cvtepu8_epi16(_mm_set1_epi32(four));
            for (int q = 0; q < 4; q++) acc[r][q] = _mm256_add_epi32(acc[r][q], _mm256_madd_epi16(widened[q], levels));
        }
    }
    const int_vector16 offset = *(const unaligned_int_vector16 *)(panel_sums + gate * PANEL) << 7;
    for (int r = 0; r < rows; r++) {
        // hadd leaves units (0 1 4 5 | 2 3 6 7) of a half panel; the permute puts them in order.
        const __m256i low = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][0], acc[r][1]), 0xD8);
        const __m256i high = _mm256_permute4x64_epi64(_mm256_hadd_epi32(acc[r][2], acc[r][3]), 0xD8);
        int_vector16 sums;
        memcpy(&sums, &low, sizeof low);
        memcpy((char *)&sums + sizeof low, &high, sizeof high);
        store_int8_result(sums - offset, panel_scales + gate * PANEL, scales[r], panel_bias + gate * PANEL,
                          out + r * out_stride + gate * hidden + unit, width);
    }
}

AVX2_TARGET
static void int8_product_avx2(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const int8_t *packed, const float *packed_scales, const int32_t *packed_sums,
    const float *packed_bias, const uint8_t *quantized, const float *scales, float *out, intptr_t out_stride) {
    const intptr_t groups = groups_of_four(k_count), stride = gru_int8_activation_stride(k_count);
    for (intptr_t p = first_panel; p < end_panel; p++) {
        INT8_PANEL_POINTERS(p);
        for (intptr_t gate = first_gate; gate < first_gate + gate_count; gate++) {
            for (intptr_t b = 0; b < rows; b += AVX2_BLOCK_ROWS) {
#define AVX2_BLOCK(n) \
    int8_avx2_block(n, groups, hidden, unit, width, gate, panel, panel_scales, panel_sums, panel_bias, \
                    quantized + b * stride, stride, scales + b, out + b * out_stride, out_stride)
                if (rows - b >= 2) AVX2_BLOCK(2);
                else AVX2_BLOCK(1);
#undef AVX2_BLOCK
            }
        }
    }
}
#endif

void gru_int8_panel_product(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const int8_t *packed, const float *packed_scales, const int32_t *packed_sums,
    const float *packed_bias, const uint8_t *quantized, const float *scales, float *out, intptr_t out_stride) {
    if (!is_known_gate_range(first_gate, gate_count)) __builtin_trap();
    if (rows <= 0 || first_panel >= end_panel) return;
#if HAS_X86_VERSIONS
    switch (gru_int8_path()) {
        case GRU_QUANTIZED_PATH_AVX512:
            int8_product_vnni(rows, k_count, hidden, first_panel, end_panel, first_gate, gate_count, packed,
                              packed_scales, packed_sums, packed_bias, quantized, scales, out, out_stride);
            return;
        case GRU_QUANTIZED_PATH_AVX2:
            int8_product_avx2(rows, k_count, hidden, first_panel, end_panel, first_gate, gate_count, packed,
                              packed_scales, packed_sums, packed_bias, quantized, scales, out, out_stride);
            return;
        default: break;
    }
#endif
    int8_product_portable(rows, k_count, hidden, first_panel, end_panel, first_gate, gate_count, packed,
                          packed_scales, packed_bias, quantized, scales, out, out_stride);
}
