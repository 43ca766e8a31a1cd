// The GRU's forward gates from products computed beforehand (the low-precision steps of
// quantized_kernels.h compute W_ih x and W_hh h into buffers first; the float32 steps of
// recurrent_kernels.h keep them in registers instead). Same activations as there.
//
// Legend: B rows, H hidden size; gate blocks in each (B, 3H) row are r, z, n.
#ifndef GRUKIT_PRODUCT_GATE_KERNELS_H
#define GRUKIT_PRODUCT_GATE_KERNELS_H

#include <stdint.h>

// Reset-after: r = sigmoid(gx_r + gh_r), z = sigmoid(gx_z + gh_z), n = tanh(gx_n + r gh_n),
// h_t = n + z (h_{t-1} - n) for units first_unit..<end_unit of `batch` rows. gx (row stride
// gx_stride) and gh (row stride 3H) hold the products with their biases; previous and state
// are (B, H); output (row stride output_stride) may be NULL. A row with time >= lengths[b]
// carries its state and outputs zeros.
void gru_reset_after_gates_from_products(
    intptr_t batch, intptr_t hidden, intptr_t first_unit, intptr_t end_unit, intptr_t time, const intptr_t *lengths,
    const float *gx, intptr_t gx_stride, const float *gh, const float *previous, float *state, float *output,
    intptr_t output_stride);

// Reset-before's first pass: r and z from gx and gh's r and z columns; reset_state (B, H)
// receives r h_{t-1} (zero on an inactive row) and update (B, H) receives z.
void gru_reset_before_gates_from_products(
    intptr_t batch, intptr_t hidden, intptr_t first_unit, intptr_t end_unit, intptr_t time, const intptr_t *lengths,
    const float *gx, intptr_t gx_stride, const float *gh, const float *previous, float *reset_state, float *update);

// Reset-before's second pass: n = tanh(gx_n + gh_n), gh_n = W_hn (r h) + b_hn in gh's n
// columns, and h_t from n and `update`.
void gru_reset_before_candidate_from_products(
    intptr_t batch, intptr_t hidden, intptr_t first_unit, intptr_t end_unit, intptr_t time, const intptr_t *lengths,
    const float *gx, intptr_t gx_stride, const float *gh, const float *update, const float *previous, float *state,
    float *output, intptr_t output_stride);

#endif
