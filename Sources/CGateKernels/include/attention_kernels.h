// Bahdanau additive attention's per-step work for an encoder-decoder (GRUTraining's
// AdditiveAttention), 16 hidden units at a time: the energies, scores, softmax and weighted
// sums of a step, and their backward. The projections (W_s s, W_o o + b) are GEMMs the caller
// runs. Legend: B rows, S source steps, H attention size, M memory width; keys and values are
// (S, B, H) and (S, B, M), time-major; weights (B, S) are zero at j >= lengths[b].
#ifndef GRUKIT_ATTENTION_KERNELS_H
#define GRUKIT_ATTENTION_KERNELS_H

#include <stdint.h>

// energies (B, S, H) = tanh(query (B, H) + keys), score_j = v . energy_j, weights = the
// softmax over j < lengths[b], weighted (B, M) = sum_j weights_j values_j.
void gru_attention_forward(
    intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, const intptr_t *lengths, const float *query,
    const float *keys, const float *values, const float *vector, float *energies, float *weights, float *weighted);

// From dL/d weighted (B, M): adds to vector_gradient (H), value_gradient (S, B, M) and
// key_gradient (S, B, H), and writes dL/d query (B, H) (the projected query's gradient).
void gru_attention_backward(
    intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, const intptr_t *lengths, const float *values,
    const float *vector, const float *energies, const float *weights, const float *weighted_gradient,
    float *vector_gradient, float *value_gradient, float *key_gradient, float *query_gradient);

#endif
