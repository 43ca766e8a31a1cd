// Low-precision weights for GRU inference: W (3H, K) in the forward steps' 16-unit panels
// (recurrent_kernels.h) stored as int8 with a float scale per output row, or as bfloat16, and
// the products that read them (product_gate_kernels.h turns the products into h_t).
//
// Every product's arithmetic is defined exactly, so that GRUTensor's naive twin reproduces it
// bit for bit on every instruction set and in every version of the product:
//   int8:  the row's activations x (K) are quantized on the fly, symmetric per row:
//          s_x = max|x| / 127, q_x = clamp(round_half_even(x * (127 / max|x|)), -127, 127)
//          (zeros when max|x| = 0). The sum acc = sum_k q_w[k] q_x[k] is an exact int32;
//          out = fma(float(acc), s_w * s_x, bias). The AVX512-VNNI, AVX2 and portable
//          versions compute the same integers.
//   bf16:  weights and activations are bf16 operands (gru_bf16_operand: nearest bfloat16,
//          ties to even, magnitudes below 2^-56 made zeros of their sign), the activations
//          rounded once per row and product. K is padded to even with zeros; pair j holds
//          k = 2j and 2j + 1. Per output, four float32 partial sums p_c over the pairs
//          j = c (mod 4), j ascending:
//              p_c = fma(w[2j], x[2j], fma(w[2j+1], x[2j+1], p_c)),
//          then out = ((p_0 + p_1) + (p_2 + p_3)) + bias. This is VDPBF16PS's order (per lane,
//          the odd product first, each step rounded to nearest even). The instruction also
//          treats denormal inputs as zeros and flushes tiny results; with operands zero or at
//          least 2^-56, every nonzero product and partial sum is a multiple of 2^-126 and so
//          never tiny, and plain float32 fmas (the portable version) give the same floats.
//
// The versions (gru_quantized_path) are chosen at the first product: the best the processor
// has, unless the environment variable GRUKIT_INT8_PATH (vnni, avx2, portable) or
// GRUKIT_BF16_PATH (avx512bf16, portable) names another it has (a name it lacks is ignored),
// for benchmarks of the slower versions; tests choose for their thread with gru_int8_set_path
// and gru_bf16_set_path.
//
// Legend: B rows, K inner size, H hidden size, P = ceil(H / 16) panels, K4 = ceil(K / 4),
// K2 = ceil(K / 2). A panel holds units 16p..<16p+16 of each gate g = r, z, n (row g H + u of
// W); units past H and k past K are zero.
#ifndef GRUKIT_QUANTIZED_KERNELS_H
#define GRUKIT_QUANTIZED_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

// A version of a low-precision product, by the instructions it is written with.
typedef enum {
    GRU_QUANTIZED_PATH_AUTO = 0,      // the best the processor has (or the environment names)
    GRU_QUANTIZED_PATH_AVX512 = 1,    // int8: AVX512-VNNI; bf16: AVX512-BF16
    GRU_QUANTIZED_PATH_AVX2 = 2,      // int8 only
    GRU_QUANTIZED_PATH_PORTABLE = 3,  // clang's vectors, built for AVX-512, AVX2 and baseline x86-64
} gru_quantized_path;

// MARK: - int8

// Bytes of an int8 packing of a (3H, K) matrix: P panels of (K4, 3, 16, 4).
intptr_t gru_int8_packed_count(intptr_t k_count, intptr_t hidden);

// Packs the integers q (3H, K) row-major (each in [-127, 127]) and their row scales (3H) into
// the panels; packed_scales (P, 48) receives the scales and packed_sums (P, 48) each row's
// sum of q, in the panel order of gru_pack_forward_bias.
void gru_int8_pack(
    intptr_t k_count, intptr_t hidden, const int8_t *q, const float *scales, int8_t *packed, float *packed_scales,
    int32_t *packed_sums);

// Bytes of a row of quantized activations: K4 * 4 (the padding holds zeros).
intptr_t gru_int8_activation_stride(intptr_t k_count);

// Quantizes `rows` rows of x (row stride x_stride) as the header says: quantized (rows,
// activation stride) receives q_x + 128 as bytes, scales (rows) s_x.
void gru_int8_quantize_rows(
    intptr_t rows, intptr_t k_count, const float *x, intptr_t x_stride, uint8_t *quantized, float *scales);

// out[b * out_stride + g H + u] for rows b < rows, gates first_gate..<first_gate + gate_count
// and the units of panels first_panel..<end_panel, from activations quantized by
// gru_int8_quantize_rows and packed_bias (P, 48) as gru_pack_forward_bias makes it.
void gru_int8_panel_product(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const int8_t *packed, const float *packed_scales, const int32_t *packed_sums,
    const float *packed_bias, const uint8_t *quantized, const float *scales, float *out, intptr_t out_stride);

// Whether this build and processor have an int8 version (AUTO always; AVX2 only on x86-64).
bool gru_int8_path_available(gru_quantized_path path);
// Makes gru_int8_panel_product run `path` on the calling thread from now on (AUTO: back to
// the default); false, and nothing changed, where it is not available. For tests.
bool gru_int8_set_path(gru_quantized_path path);
// The version gru_int8_panel_product runs on the calling thread (never AUTO).
gru_quantized_path gru_int8_path(void);

// One reset-after step of one sequence (B = 1) with int8 W_ih and W_hh, for the units of
// panels first_panel..<end_panel: state (H) receives h_t from previous (H, h_{t-1}), x_t
// quantized by gru_int8_quantize_rows as input_levels and input_scale, and h_{t-1} quantized
// as state_levels and state_scale; the packings as gru_int8_pack and gru_pack_forward_bias
// make them. The same floats as gru_int8_panel_product for both matrices followed by
// gru_reset_after_gates_from_products, with the products kept in registers. Runs only where
// the int8 path is AVX512-VNNI and returns whether it ran (false: the caller runs those).
bool gru_int8_reset_after_stream_step(
    intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, const int8_t *input_packed,
    const float *input_scales, const int32_t *input_sums, const float *input_bias, const int8_t *recurrent_packed,
    const float *recurrent_scales, const int32_t *recurrent_sums, const float *recurrent_bias,
    const uint8_t *input_levels, float input_scale, const uint8_t *state_levels, float state_scale,
    const float *previous, float *state);

// MARK: - bf16

// Elements (uint16) of a bf16 packing of a (3H, K) matrix: P panels of (K2, 3, 16, 2), each
// unit's pair of k (even k in the low half) in one 32-bit lane, as VDPBF16PS reads them.
intptr_t gru_bf16_packed_count(intptr_t k_count, intptr_t hidden);

// Packs W (3H, K) row-major as bf16 operands.
void gru_bf16_pack(intptr_t k_count, intptr_t hidden, const float *weights, uint16_t *packed);

// The nearest bfloat16 of a finite float (ties to even), and a bfloat16's float.
uint16_t gru_bf16_from_float(float value);
float gru_float_from_bf16(uint16_t value);

// The bf16 operand of a float: gru_bf16_from_float(value), made a zero of its sign where its
// magnitude is below 2^-56 (so that products never reach the instruction's flushing).
uint16_t gru_bf16_operand(float value);

// Elements (uint16) of a row of bf16 activations: K2 * 2 (the padding holds zeros).
intptr_t gru_bf16_activation_stride(intptr_t k_count);

// Rounds `rows` rows of x (row stride x_stride) to bf16 operands: rounded (rows, activation
// stride).
void gru_bf16_round_rows(intptr_t rows, intptr_t k_count, const float *x, intptr_t x_stride, uint16_t *rounded);

// out[b * out_stride + g H + u] as for gru_int8_panel_product, from rows rounded by
// gru_bf16_round_rows and the bf16 packing.
void gru_bf16_panel_product(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const uint16_t *packed, const float *packed_bias, const uint16_t *rounded, float *out,
    intptr_t out_stride);

// As for int8: AVX512 (AVX512-BF16) or PORTABLE.
bool gru_bf16_path_available(gru_quantized_path path);
bool gru_bf16_set_path(gru_quantized_path path);
gru_quantized_path gru_bf16_path(void);

#endif
