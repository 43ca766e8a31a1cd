// One reset-after GRU step of one sequence on int8 weights with both products kept in
// registers; see quantized_kernels.h. A streaming step is a few hundred nanoseconds of work,
// so the stores and loads of the two products between the product and gate kernels, and the
// calls themselves, are a visible part of it. AVX512-VNNI only: elsewhere the caller runs the
// separate kernels, which compute the same floats.
#include "quantized_kernels.h"

#include "kernel_attributes.h"
#include "quantized_layout.h"

#include <string.h>

#if HAS_X86_VERSIONS
#include <immintrin.h>

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// The gate helpers (sigmoid16, tanh16, the partial loads) built for the VNNI target in this
// file: a helper without it cannot take or return a 16-float vector from a function with it.
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))), apply_to = function)
#include "activations.h"
#pragma clang attribute pop

// The three gate sums of one panel of one matrix against one quantized row, in two chains of
// k groups (int32 sums are exact, so the chains change nothing), then as the product kernel
// finishes them: fma(float(acc - 128 sum_k q_w), s_w * s_x, bias).
static inline __attribute__((always_inline)) VNNI_TARGET void panel_products(
    intptr_t groups, const int8_t *panel, const float *panel_scales, const int32_t *panel_sums,
    const float *panel_bias, const uint8_t *levels, float row_scale, __m512 products[3]) {
    __m512i acc[2][3];
    for (int c = 0; c < 2; c++) {
        for (int v = 0; v < 3; v++) acc[c][v] = _mm512_setzero_si512();
    }
    intptr_t i = 0;
    for (; i + 2 <= groups; i += 2) {
        for (int c = 0; c < 2; c++) {
            int32_t four;
            memcpy(&four, levels + 4 * (i + c), sizeof four);
            const __m512i broadcast = _mm512_set1_epi32(four);
            for (int v = 0; v < 3; v++) {
                const __m512i weights = _mm512_loadu_si512((const void *)(panel + ((i + c) * 3 + v) * 64));
                acc[c][v] = _mm512_dpbusd_epi32(acc[c][v], broadcast, weights);
            }
        }
    }
    if (i < groups) {
        int32_t four;
        memcpy(&four, levels + 4 * i, sizeof four);
        const __m512i broadcast = _mm512_set1_epi32(four);
        for (int v = 0; v < 3; v++) {
            const __m512i weights = _mm512_loadu_si512((const void *)(panel + (i * 3 + v) * 64));
            acc[0][v] = _mm512_dpbusd_epi32(acc[0][v], broadcast, weights);
        }
    }
    for (int v = 0; v < 3; v++) {
        const __m512i sum = _mm512_add_epi32(acc[0][v], acc[1][v]);
        const __m512i offset = _mm512_slli_epi32(_mm512_loadu_si512((const void *)(panel_sums + v * PANEL)), 7);
        const __m512 sums = _mm512_cvtepi32_ps(_mm512_sub_epi32(sum, offset));
        const __m512 scale = _mm512_mul_ps(_mm512_loadu_ps(panel_scales + v * PANEL), _mm512_set1_ps(row_scale));
        products[v] = _mm512_fmadd_ps(sums, scale, _mm512_loadu_ps(panel_bias + v * PANEL));
    }
}

static inline __attribute__((always_inline)) VNNI_TARGET vector16 as_vector16(__m512 value) {
    vector16 result;
    memcpy(&result, &value, sizeof result);
    return result;
}

VNNI_TARGET
static void reset_after_stream_step_vnni(
    intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, const int8_t *input_packed,
    const float *input_scales, const int32_t *input_sums, const float *input_bias, const int8_t *recurrent_packed,
    const float *recurrent_scales, const int32_t *recurrent_sums, const float *recurrent_bias,
    const uint8_t *input_levels, float input_scale, const uint8_t *state_levels, float state_scale,
    const float *previous, float *state) {
    const intptr_t input_groups = (input_size + 3) / 4, state_groups = (hidden + 3) / 4;
    for (intptr_t p = first_panel; p < end_panel; p++) {
        const intptr_t unit = p * PANEL, width = hidden - unit < PANEL ? hidden - unit : PANEL;
        __m512 x[3], g[3];
        panel_products(input_groups, input_packed + p * input_groups * PANEL_ROW * 4, input_scales + p * PANEL_ROW,
                       input_sums + p * PANEL_ROW, input_bias + p * PANEL_ROW, input_levels, input_scale, x);
        panel_products(state_groups, recurrent_packed + p * state_groups * PANEL_ROW * 4,
                       recurrent_scales + p * PANEL_ROW, recurrent_sums + p * PANEL_ROW,
                       recurrent_bias + p * PANEL_ROW, state_levels, state_scale, g);
        // The gates exactly as gru_reset_after_gates_from_products computes them.
        const vector16 before = load_partial16(previous + unit, width);
        const vector16 reset = sigmoid16(as_vector16(x[0]) + as_vector16(g[0]));
        const vector16 update = sigmoid16(as_vector16(x[1]) + as_vector16(g[1]));
        const vector16 candidate = tanh16(as_vector16(x[2]) + reset * as_vector16(g[2]));
        store_partial16(state + unit, candidate + update * (before - candidate), width);
    }
}
#endif

bool gru_int8_reset_after_stream_step(
    intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, const int8_t *input_packed,
    const float *input_scales, const int32_t *input_sums, const float *input_bias, const int8_t *recurrent_packed,
    const float *recurrent_scales, const int32_t *recurrent_sums, const float *recurrent_bias,
    const uint8_t *input_levels, float input_scale, const uint8_t *state_levels, float state_scale,
    const float *previous, float *state) {
#if HAS_X86_VERSIONS
    if (gru_int8_path() == GRU_QUANTIZED_PATH_AVX512) {
        reset_after_stream_step_vnni(input_size, hidden, first_panel, end_panel, input_packed, input_scales,
                                     input_sums, input_bias, recurrent_packed, recurrent_scales, recurrent_sums,
                                     recurrent_bias, input_levels, input_scale, state_levels, state_scale, previous,
                                     state);
        return true;
    }
#endif
    return false;
}
