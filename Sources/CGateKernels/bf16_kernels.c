// The bf16 product; see quantized_kernels.h, which defines its arithmetic. An AVX512-BF16
// version (one vdpbf16ps per 16 units x 2 k) chosen at run time, and a portable one on clang's
// vectors, built for AVX-512, AVX2 and baseline x86-64, that computes the same floats with two
// fmas per pair.
#include "quantized_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"
#include "quantized_layout.h"

#include <string.h>

#if HAS_X86_VERSIONS
#include <immintrin.h>
#endif

// Rows of a block: 2 rows x 3 gates x 4 partial sums = 24 accumulators.
#define BF16_BLOCK_ROWS 2
// The bf16 exponent field of 2^-56: smaller operands are zeros (see the header).
#define SMALLEST_OPERAND_EXPONENT (127 - 56)

typedef uint32_t uint_vector16 __attribute__((ext_vector_type(16)));
typedef uint32_t unaligned_uint_vector16 __attribute__((ext_vector_type(16), aligned(4)));

static intptr_t pair_count(intptr_t k_count) { return (k_count + 1) / 2; }

// MARK: - Operands and packing

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

ALWAYS_INLINE uint16_t bf16_operand(float value) {
    const uint16_t rounded = gru_bf16_from_float(value);
    return ((rounded >> 7) & 0xFFu) < SMALLEST_OPERAND_EXPONENT ? (uint16_t)(rounded & 0x8000u) : rounded;
}

uint16_t gru_bf16_operand(float value) { return bf16_operand(value); }

intptr_t gru_bf16_packed_count(intptr_t k_count, intptr_t hidden) {
    return panel_count(hidden) * pair_count(k_count) * PANEL_ROW * 2;
}

intptr_t gru_bf16_activation_stride(intptr_t k_count) { return pair_count(k_count) * 2; }

void gru_bf16_pack(intptr_t k_count, intptr_t hidden, const float *weights, uint16_t *packed) {
    const intptr_t panels = panel_count(hidden), pairs = pair_count(k_count);
    memset(packed, 0, (size_t)gru_bf16_packed_count(k_count, hidden) * sizeof(uint16_t));
    for (intptr_t p = 0; p < panels; p++) {
        for (intptr_t gate = 0; gate < 3; gate++) {
            for (intptr_t j = 0; j < PANEL && p * PANEL + j < hidden; j++) {
                const float *row = weights + (gate * hidden + p * PANEL + j) * k_count;
                for (intptr_t k = 0; k < k_count; k++) {
                    packed[((p * pairs + k / 2) * 3 + gate) * PANEL * 2 + j * 2 + k % 2] = bf16_operand(row[k]);
                }
            }
        }
    }
}

MULTIVERSION
void gru_bf16_round_rows(intptr_t rows, intptr_t k_count, const float *x, intptr_t x_stride, uint16_t *rounded) {
    const intptr_t stride = gru_bf16_activation_stride(k_count);
    for (intptr_t b = 0; b < rows; b++) {
        for (intptr_t k = 0; k < k_count; k++) rounded[b * stride + k] = bf16_operand(x[b * x_stride + k]);
        for (intptr_t k = k_count; k < stride; k++) rounded[b * stride + k] = 0;
    }
}

// The body of a version: BLOCK(n) for each panel and each block of n rows (a constant).
#define BF16_PANEL_LOOP(BLOCK) \
    const intptr_t pairs = pair_count(k_count), stride = gru_bf16_activation_stride(k_count); \
    for (intptr_t p = first_panel; p < end_panel; p++) { \
        const intptr_t unit = p * PANEL, width = hidden - unit < PANEL ? hidden - unit : PANEL; \
        const uint16_t *panel = packed + p * pairs * PANEL_ROW * 2; \
        const float *panel_bias = packed_bias + p * PANEL_ROW; \
        for (intptr_t b = 0; b < rows; b += BF16_BLOCK_ROWS) { \
            if (rows - b >= 2) BLOCK(2); \
            else BLOCK(1); \
        } \
    }

// MARK: - Portable

// Pair j of `rows` rows (constants) into partial sum c: each 32-bit lane of a pair's vector
// holds a unit's w[2j] (low half) and w[2j+1] (high half); a shift and a mask make them floats.
ALWAYS_INLINE void bf16_portable_pair(
    const int rows, const int c, intptr_t j, const int first_gate, const int gate_count, const uint16_t *panel,
    const uint16_t *rounded, intptr_t stride, vector16 partial[BF16_BLOCK_ROWS][3][4]) {
    for (int v = 0; v < gate_count; v++) {
        const uint_vector16 lanes = *(const unaligned_uint_vector16 *)(panel + (j * 3 + first_gate + v) * PANEL * 2);
        const vector16 even = (vector16)(lanes << 16), odd = (vector16)(lanes & 0xFFFF0000u);
        for (int r = 0; r < rows; r++) {
            const uint16_t *x = rounded + r * stride + 2 * j;
            partial[r][v][c] = __builtin_elementwise_fma(
                even, (vector16)gru_float_from_bf16(x[0]),
                __builtin_elementwise_fma(odd, (vector16)gru_float_from_bf16(x[1]), partial[r][v][c]));
        }
    }
}

// `rows` rows (a constant) against one panel, four pairs at a time so that each pair's partial
// sum is a constant and the sums stay in registers, then the last pairs.
ALWAYS_INLINE void bf16_portable_block(
    const int rows, intptr_t pairs, intptr_t hidden, intptr_t unit, intptr_t width, const int first_gate,
    const int gate_count, const uint16_t *panel, const float *panel_bias, const uint16_t *rounded, intptr_t stride,
    float *out, intptr_t out_stride) {
    vector16 partial[BF16_BLOCK_ROWS][3][4];
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < gate_count; v++) {
            for (int c = 0; c < 4; c++) partial[r][v][c] = 0.0f;
        }
    }
    intptr_t j = 0;
    for (; j + 4 <= pairs; j += 4) {
        for (int c = 0; c < 4; c++)
            bf16_portable_pair(rows, c, j + c, first_gate, gate_count, panel, rounded, stride, partial);
    }
    for (int c = 0; j + c < pairs; c++)
        bf16_portable_pair(rows, c, j + c, first_gate, gate_count, panel, rounded, stride, partial);
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < gate_count; v++) {
            const int gate = first_gate + v;
            const vector16 total = (partial[r][v][0] + partial[r][v][1]) + (partial[r][v][2] + partial[r][v][3]);
            store_partial16(out + r * out_stride + gate * hidden + unit, total + load16(panel_bias + gate * PANEL),
                            width);
        }
    }
}

#define PORTABLE_GATES(n, first, count) \
    bf16_portable_block(n, pairs, hidden, unit, width, first, count, panel, panel_bias, rounded + b * stride, \
                        stride, out + b * out_stride, out_stride)
#define PORTABLE_BLOCK(n) DISPATCH_GATE_RANGE(PORTABLE_GATES, n)

MULTIVERSION
static void bf16_product_portable(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const uint16_t *packed, const float *packed_bias, const uint16_t *rounded, float *out,
    intptr_t out_stride) {
    BF16_PANEL_LOOP(PORTABLE_BLOCK);
}
#undef PORTABLE_BLOCK
#undef PORTABLE_GATES

// MARK: - AVX512-BF16

#if HAS_X86_VERSIONS
#define BF16_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))

// As bf16_portable_pair, with one vdpbf16ps: the row's pair (x[2j], x[2j+1]) broadcast to
// every lane against the 16 units' pairs of weights.
static inline __attribute__((always_inline)) BF16_TARGET void bf16_avx512_pair(
    const int rows, const int c, intptr_t j, const int first_gate, const int gate_count, const uint16_t *panel,
    const uint16_t *rounded, intptr_t stride, __m512 partial[BF16_BLOCK_ROWS][3][4]) {
    __m512bh weights[3];
    for (int v = 0; v < gate_count; v++) {
        weights[v] = (__m512bh)_mm512_loadu_si512((const void *)(panel + (j * 3 + first_gate + v) * PANEL * 2));
    }
    for (int r = 0; r < rows; r++) {
        int32_t pair;
        memcpy(&pair, rounded + r * stride + 2 * j, sizeof pair);
        const __m512bh x = (__m512bh)_mm512_set1_epi32(pair);
        for (int v = 0; v < gate_count; v++) partial[r][v][c] = _mm512_dpbf16_ps(partial[r][v][c], weights[v], x);
    }
}

static inline __attribute__((always_inline)) BF16_TARGET void bf16_avx512_block(
    const int rows, intptr_t pairs, intptr_t hidden, intptr_t unit, intptr_t width, const int first_gate,
    const int gate_count, const uint16_t *panel, const float *panel_bias, const uint16_t *rounded, intptr_t stride,
    float *out, intptr_t out_stride) {
    __m512 partial[BF16_BLOCK_ROWS][3][4];
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < gate_count; v++) {
            for (int c = 0; c < 4; c++) partial[r][v][c] = _mm512_setzero_ps();
        }
    }
    intptr_t j = 0;
    for (; j + 4 <= pairs; j += 4) {
        for (int c = 0; c < 4; c++)
            bf16_avx512_pair(rows, c, j + c, first_gate, gate_count, panel, rounded, stride, partial);
    }
    for (int c = 0; j + c < pairs; c++)
        bf16_avx512_pair(rows, c, j + c, first_gate, gate_count, panel, rounded, stride, partial);
    const __mmask16 mask = (__mmask16)(width >= 16 ? 0xFFFF : ((1u << width) - 1));
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < gate_count; v++) {
            const int gate = first_gate + v;
            const __m512 total = _mm512_add_ps(_mm512_add_ps(partial[r][v][0], partial[r][v][1]),
                                               _mm512_add_ps(partial[r][v][2], partial[r][v][3]));
            const __m512 value = _mm512_add_ps(total, _mm512_loadu_ps(panel_bias + gate * PANEL));
            _mm512_mask_storeu_ps(out + r * out_stride + gate * hidden + unit, mask, value);
        }
    }
}

#define AVX512_GATES(n, first, count) \
    bf16_avx512_block(n, pairs, hidden, unit, width, first, count, panel, panel_bias, rounded + b * stride, stride, \
                      out + b * out_stride, out_stride)
#define AVX512_BLOCK(n) DISPATCH_GATE_RANGE(AVX512_GATES, n)

BF16_TARGET
static void bf16_product_avx512(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const uint16_t *packed, const float *packed_bias, const uint16_t *rounded, float *out,
    intptr_t out_stride) {
    BF16_PANEL_LOOP(AVX512_BLOCK);
}
#undef AVX512_BLOCK
#undef AVX512_GATES
#endif

void gru_bf16_panel_product(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const uint16_t *packed, const float *packed_bias, const uint16_t *rounded, float *out,
    intptr_t out_stride) {
    if (!is_known_gate_range(first_gate, gate_count)) __builtin_trap();
    if (rows <= 0 || first_panel >= end_panel) return;
#if HAS_X86_VERSIONS
    if (gru_bf16_path() == GRU_QUANTIZED_PATH_AVX512) {
        bf16_product_avx512(rows, k_count, hidden, first_panel, end_panel, first_gate, gate_count, packed, packed_bias,
                            rounded, out, out_stride);
        return;
    }
#endif
    bf16_product_portable(rows, k_count, hidden, first_panel, end_panel, first_gate, gate_count, packed, packed_bias,
                          rounded, out, out_stride);
}
