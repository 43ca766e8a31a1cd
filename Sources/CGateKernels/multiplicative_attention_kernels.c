// Multiplicative attention's step kernels; see multiplicative_attention_kernels.h. The softmax
// is over a row's valid steps with its maximum subtracted.
#include "multiplicative_attention_kernels.h"

#include "kernel_attributes.h"
#include "attention_softmax.h"
#include "vector_sums.h"

#include <math.h>
#include <string.h>

ALWAYS_INLINE void forward_row(
    intptr_t b, intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, intptr_t valid, const float *query,
    const float *keys, const float *values, float *weights, float *weighted) {
    float *row_weights = weights + b * steps;
    const float *q = query + b * hidden;
    memset(row_weights, 0, (size_t)steps * sizeof(float));
    float largest = -INFINITY;
    for (intptr_t j = 0; j < valid; j++) {
        row_weights[j] = dot(q, keys + (j * rows + b) * hidden, hidden);
        largest = fmaxf(largest, row_weights[j]);
    }
    softmax_and_weigh(b, rows, width, valid, largest, values, row_weights, weighted + b * width);
}

MULTIVERSION
void gru_multiplicative_attention_forward(
    intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, const intptr_t *lengths, const float *query,
    const float *keys, const float *values, float *weights, float *weighted) {
    for (intptr_t b = 0; b < rows; b++) {
        const intptr_t valid = lengths[b] < steps ? lengths[b] : steps;
        forward_row(b, rows, steps, hidden, width, valid, query, keys, values, weights, weighted);
    }
}

ALWAYS_INLINE void backward_row(
    intptr_t b, intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, intptr_t valid, const float *query,
    const float *keys, const float *values, const float *weights, const float *weighted_gradient,
    float *value_gradient, float *key_gradient, float *query_gradient) {
    const float *dw = weighted_gradient + b * width, *row_weights = weights + b * steps, *q = query + b * hidden;
    float *dq = query_gradient + b * hidden;
    memset(dq, 0, (size_t)hidden * sizeof(float));
    float score_gradients[valid > 0 ? valid : 1];
    softmax_and_weigh_backward(b, rows, width, valid, values, row_weights, dw, value_gradient, score_gradients);
    // Through the score q . k_j.
    for (intptr_t j = 0; j < valid; j++) {
        const float score_gradient = score_gradients[j];
        const intptr_t key = (j * rows + b) * hidden;
        add_scaled(dq, score_gradient, keys + key, hidden);
        add_scaled(key_gradient + key, score_gradient, q, hidden);
    }
}

MULTIVERSION
void gru_multiplicative_attention_backward(
    intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, const intptr_t *lengths, const float *query,
    const float *keys, const float *values, const float *weights, const float *weighted_gradient,
    float *value_gradient, float *key_gradient, float *query_gradient) {
    for (intptr_t b = 0; b < rows; b++) {
        const intptr_t valid = lengths[b] < steps ? lengths[b] : steps;
        backward_row(
            b, rows, steps, hidden, width, valid, query, keys, values, weights, weighted_gradient, value_gradient,
            key_gradient, query_gradient);
    }
}
