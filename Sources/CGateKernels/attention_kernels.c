// Additive attention's step kernels; see attention_kernels.h. Sums over the hidden and
// memory widths run 16 lanes at a time and reduce once; the softmax is over a row's valid
// steps with its maximum subtracted.
#include "attention_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"
#include "attention_softmax.h"
#include "vector_sums.h"

#include <math.h>
#include <string.h>

ALWAYS_INLINE void forward_row(
    intptr_t b, intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, intptr_t valid, const float *query,
    const float *keys, const float *values, const float *vector, float *energies, float *weights, float *weighted) {
    float *row_weights = weights + b * steps;
    memset(row_weights, 0, (size_t)steps * sizeof(float));
    float largest = -INFINITY;
    for (intptr_t j = 0; j < valid; j++) {
        const float *key = keys + (j * rows + b) * hidden, *q = query + b * hidden;
        float *energy = energies + (b * steps + j) * hidden;
        intptr_t k = 0;
        for (; k + 16 <= hidden; k += 16) store16(energy + k, tanh16(load16(q + k) + load16(key + k)));
        for (; k < hidden; k++) energy[k] = fast_tanh(q[k] + key[k]);
        row_weights[j] = dot(vector, energy, hidden);
        largest = fmaxf(largest, row_weights[j]);
    }
    softmax_and_weigh(b, rows, width, valid, largest, values, row_weights, weighted + b * width);
}

MULTIVERSION
void gru_attention_forward(
    intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, const intptr_t *lengths, const float *query,
    const float *keys, const float *values, const float *vector, float *energies, float *weights, float *weighted) {
    for (intptr_t b = 0; b < rows; b++) {
        const intptr_t valid = lengths[b] < steps ? lengths[b] : steps;
        forward_row(b, rows, steps, hidden, width, valid, query, keys, values, vector, energies, weights, weighted);
    }
}

ALWAYS_INLINE void backward_row(
    intptr_t b, intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, intptr_t valid, const float *values,
    const float *vector, const float *energies, const float *weights, const float *weighted_gradient,
    float *vector_gradient, float *value_gradient, float *key_gradient, float *query_gradient) {
    const float *dw = weighted_gradient + b * width, *row_weights = weights + b * steps;
    float *dq = query_gradient + b * hidden;
    memset(dq, 0, (size_t)hidden * sizeof(float));
    float score_gradients[valid > 0 ? valid : 1];
    softmax_and_weigh_backward(b, rows, width, valid, values, row_weights, dw, value_gradient, score_gradients);
    // Through the score v . energy and the tanh: dL/d(query + key_j).
    for (intptr_t j = 0; j < valid; j++) {
        const float score_gradient = score_gradients[j];
        const float *energy = energies + (b * steps + j) * hidden;
        float *dk = key_gradient + (j * rows + b) * hidden;
        add_scaled(vector_gradient, score_gradient, energy, hidden);
        intptr_t k = 0;
        for (; k + 16 <= hidden; k += 16) {
            const vector16 e = load16(energy + k);
            const vector16 pre = score_gradient * load16(vector + k) * (1.0f - e * e);
            store16(dk + k, load16(dk + k) + pre);
            store16(dq + k, load16(dq + k) + pre);
        }
        for (; k < hidden; k++) {
            const float pre = score_gradient * vector[k] * (1.0f - energy[k] * energy[k]);
            dk[k] += pre;
            dq[k] += pre;
        }
    }
}

MULTIVERSION
void gru_attention_backward(
    intptr_t rows, intptr_t steps, intptr_t hidden, intptr_t width, const intptr_t *lengths, const float *values,
    const float *vector, const float *energies, const float *weights, const float *weighted_gradient,
    float *vector_gradient, float *value_gradient, float *key_gradient, float *query_gradient) {
    for (intptr_t b = 0; b < rows; b++) {
        const intptr_t valid = lengths[b] < steps ? lengths[b] : steps;
        backward_row(
            b, rows, steps, hidden, width, valid, values, vector, energies, weights, weighted_gradient,
            vector_gradient, value_gradient, key_gradient, query_gradient);
    }
}
