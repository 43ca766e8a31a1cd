// The LSTM's fused elementwise gate kernels of one step, forward and backward, vectorized.
// GRUTensor's LSTMGateKernels.swift wraps them and documents the math; NaiveLSTMGateKernels.swift
// is their slow twin for tests.
//
// Legend: B batch rows, H hidden size; gate blocks in each (B, 4H) row are i, f, g, o, as in
// PyTorch's nn.LSTM. A row b is active at time t when t < lengths[b]; an inactive row carries
// h and c, outputs zeros, caches zero gates and passes both state gradients straight through.
#ifndef GRUKIT_LSTM_KERNELS_H
#define GRUKIT_LSTM_KERNELS_H

#include <stdint.h>

// Both kernels take hidden units first..<first+width of every row (threads may share a step by
// units); every buffer has its full row width (4H or H; the output `output_stride`).

// gates holds gh = W_hh h on entry and the activated i, f, g, o on return; bias (4H) is
// b_ih + b_hh, or NULL. output may be NULL.
void lstm_forward_units(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *input_projection, const float *bias, float *gates, const float *previous_state,
    const float *previous_cell_state, float *state, float *cell_state, float *output, intptr_t output_stride);

// lstm_forward_units on one unit block of the regrouped layout of inference
// (LSTMRegroupedWeights): in each row, the block's gates i, f, g, o lie block_units apart from
// input_projection, bias and gates (rows gates_row_stride apart), its units from previous_state,
// previous_cell_state, state and cell_state (rows state_row_stride apart); units 0..<width.
// Inference keeps no gates: gates holds gh on entry and is scratch afterwards.
void lstm_forward_regrouped_rows(
    intptr_t batch, intptr_t block_units, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *input_projection, intptr_t gates_row_stride, const float *bias, float *gates,
    const float *previous_state, const float *previous_cell_state, float *state, float *cell_state,
    intptr_t state_row_stride, float *output, intptr_t output_stride);

// Prefetches `count` floats from each of `rows` rows (row stride `row_stride`) into the cache:
// a regrouped block's input projections, fetched before its product so that its gates, which
// read them after it, do not wait on memory (a sequence's projections outgrow L2).
void lstm_prefetch_rows(intptr_t rows, const float *first, intptr_t row_stride, intptr_t count);

// gates holds the activated gates on entry and dL/d(gate pre-activations) on return, which is
// also written to input_projection_gradient; previous_state_gradient receives the direct part of
// dL/dh_{t-1} (zero on active rows, whose h_{t-1} only enters the product).
void lstm_backward_units(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *state_gradient, const float *cell_state_gradient, const float *previous_cell_state,
    const float *cell_state, float *gates, float *input_projection_gradient, float *previous_state_gradient,
    float *previous_cell_state_gradient);

#endif
