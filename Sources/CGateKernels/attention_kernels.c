// Additive attention's step kernels; see attention_kernels.h. Sums over the hidden and
// memory widths run 16 lanes at a time and reduce once; the softmax is over a row's valid
// steps with its maximum subtracted.
#include "attention_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"

#include <math.h>
#include <string.h>

ALWAYS_INLINE float dot(const float *a, const float *b, intptr_t count) {
    vector16 sum = 0.0f;
    intptr_t k = 0;
    for (; k + 16 <= count; k += 16) sum += load16(a + k) * load16(b + k);
    float total = 0.0f;
    for (int lane = 0; lane < 16; lane++) total += sum[lane];
    for (; k < count; k++) total += a[k] * b[k];
    return total;
}

// y += a x over `count` floats.
ALWAYS_INLINE void add_scaled(float *y, float a, const float *x, intptr_t count) {
    intptr_t k = 0;
    for (; k + 16 <= count; k += 16) store16(y + k, load16(y + k) + a * load16(x + k));
    for (; k < count; k++) y[k] += a * x[k];
}

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
    float total = 0.0f;
    for (intptr_t j = 0; j < valid; j++) {
        row_weights[j] = expf(row_weights[j] - largest);
        total += row_weights[j];
    }
    float *out = weighted + b * width;
    memset(out, 0, (size_t)width * sizeof(float));
    for (intptr_t j = 0; j < valid; j++) {
        row_weights[j] /= total;
        add_scaled(out, row_weights[j], values + (j * rows + b) * width, width);
    }
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
    // dL/da_j = dL/dweighted . o_j; the weighted sum's part of dL/do_j.
    float mean = 0.0f;
    float da[valid > 0 ? valid : 1];
    for (intptr_t j = 0; j < valid; j++) {
        const intptr_t value = (j * rows + b) * width;
        da[j] = dot(dw, values + value, width);
        add_scaled(value_gradient + value, row_weights[j], dw, width);
        mean += row_weights[j] * da[j];
    }
    // Through the softmax, the score v . energy and the tanh: dL/d(query + key_j).
    for (intptr_t j = 0; j < valid; j++) {
        const float score_gradient = row_weights[j] * (da[j] - mean);
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
