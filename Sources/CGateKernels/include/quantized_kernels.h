// Low-precision weights for GRU inference: W (3H, K) in the forward steps' 16-unit panels
// (recurrent_kernels.h) stored as int8 with a float scale per output row, or as bfloat16, and
// the products that read them (product_gate_kernels.h turns the products into h_t).
//
// Every product's arithmetic is defined exactly, so that GRUTensor's naive twin reproduces it
// bit for bit on every instruction set:
//   int8:  the row's activations x (K) are quantized on the fly, symmetric per row:
//          s_x = max|x| / 127, q_x = clamp(round_half_even(x * (127 / max|x|)), -127, 127)
//          (zeros when max|x| = 0). The sum acc = sum_k q_w[k] q_x[k] is an exact int32;
//          out = fma(float(acc), s_w * s_x, bias). The AVX512-VNNI path and the portable one
//          compute the same integers.
//   bf16:  the weights are bfloat16 (rounded to nearest even), the activations float32; per
//          output, four partial sums p_c over k = c (mod 4), k ascending, p_c = fma(w, x, p_c),
//          then out = ((p_0 + p_1) + (p_2 + p_3)) + bias.
//
// Legend: B rows, K inner size, H hidden size, P = ceil(H / 16) panels, K4 = ceil(K / 4).
// A panel holds units 16p..<16p+16 of each gate g = r, z, n (row g H + u of W); units past H
// and k past K are zero.
#ifndef GRUKIT_QUANTIZED_KERNELS_H
#define GRUKIT_QUANTIZED_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

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

// Whether gru_int8_panel_product runs its AVX512-VNNI version: the processor has it and
// gru_int8_set_portable_only(true) (for tests of the portable version) was not called.
bool gru_int8_uses_vnni(void);
void gru_int8_set_portable_only(bool portable);

// Elements (uint16) of a bf16 packing of a (3H, K) matrix: P panels of (K, 3, 16).
intptr_t gru_bf16_packed_count(intptr_t k_count, intptr_t hidden);

// Packs W (3H, K) row-major, rounding each weight to bfloat16 (nearest, ties to even).
void gru_bf16_pack(intptr_t k_count, intptr_t hidden, const float *weights, uint16_t *packed);

// The nearest bfloat16 of a finite float (ties to even), and a bfloat16's float.
uint16_t gru_bf16_from_float(float value);
float gru_float_from_bf16(uint16_t value);

// out[b * out_stride + g H + u] as for gru_int8_panel_product, from float rows x (row stride
// x_stride) and the bf16 packing.
void gru_bf16_panel_product(
    intptr_t rows, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t first_gate,
    intptr_t gate_count, const uint16_t *packed, const float *packed_bias, const float *x, intptr_t x_stride,
    float *out, intptr_t out_stride);

#endif
