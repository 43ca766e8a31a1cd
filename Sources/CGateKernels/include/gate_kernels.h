// The GRU's fused elementwise backward gate kernels, vectorized (the forward gate math runs
// inside the packed steps of recurrent_kernels.h). GRUTensor's GateKernels.swift wraps them
// and documents the math; NaiveGateKernels.swift is their slow twin for tests.
//
// Legend: B batch rows, H hidden size; gate blocks in each (B, 3H) row are r, z, n.
// A row b is active at time t when t < lengths[b]; inactive rows pass their gradient through.
//
// The kernels read the gates from `gates` and overwrite them, element by element, with
// dL/d(hidden projection): backward keeps no separate (T, B, 3H) buffer for it.
#ifndef GRUKIT_GATE_KERNELS_H
#define GRUKIT_GATE_KERNELS_H

#include <stdint.h>

// Each backward step takes hidden units first..<first+width only, so threads can each take a
// share of the units; every buffer has its full row width (3H or H).
void gru_reset_after_backward_columns(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time,
    const intptr_t *lengths, const float *state_gradient, const float *previous_state,
    float *gates, const float *candidate_hidden_term, float *input_projection_gradient,
    float *previous_state_gradient);

void gru_reset_before_backward_candidate(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *state_gradient, const float *previous_state, float *gates,
    float *input_projection_gradient, float *previous_state_gradient);

void gru_reset_before_backward_reset(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *reset_state_gradient, const float *previous_state, float *gates,
    float *input_projection_gradient, float *previous_state_gradient);

#endif
