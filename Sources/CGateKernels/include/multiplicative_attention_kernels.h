// Luong multiplicative attention's per-step work for an encoder-decoder (GRUTraining's
// MultiplicativeAttention), 16 units at a time: the scores s . k_j, the softmax and the
// weighted sums of a step, and their backward. The keys k_j = W o_j are a GEMM the caller
// runs once a batch. Legend: B rows, S source steps, H hidden (key) size, M memory width;
// keys and values are (S, B, H) and (S, B, M), time-major; weights (B, S) are zero at
// j >= lengths[b].
#ifndef GRUKIT_MULTIPLICATIVE_ATTENTION_KERNELS_H
#define GRUKIT_MULTIPLICATIVE_ATTENTION_KERNELS_H

#include <stdint.h>

// score_j = query . keys_j, weights = the softmax over j < lengths[b], weighted (B, M) =
// sum_j weights_j values_j.
void gru_multiplicative_attention_forward(
    intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, const intptr_t *lengths, const float *query,
    const float *keys, const float *values, float *weights, float *weighted);

// From dL/d weighted (B, M): adds to value_gradient (S, B, M) and key_gradient (S, B, H), and
// writes dL/d query (B, H).
void gru_multiplicative_attention_backward(
    intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, const intptr_t *lengths, const float *query,
    const float *keys, const float *values, const float *weights, const float *weighted_gradient,
    float *value_gradient, float *key_gradient, float *query_gradient);

#endif
