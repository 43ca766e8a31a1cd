// The part of a step that additive and multiplicative attention share once a row's scores are
// known: the masked softmax and the weighted sum of the values, and their backward. Values are
// (S, B, M), time-major; a row's weights are zero at j >= valid. Private to CGateKernels.
#ifndef GRUKIT_ATTENTION_SOFTMAX_H
#define GRUKIT_ATTENTION_SOFTMAX_H

#include "kernel_attributes.h"
#include "vector_sums.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

// Turns row b's scores (row_weights[j], j < valid, largest their maximum) into the softmax
// weights in place, and writes out (width) = sum_j weights_j values_j.
ALWAYS_INLINE void softmax_and_weigh(
    intptr_t b, intptr_t rows, intptr_t width, intptr_t valid, float largest, const float *values, float *row_weights,
    float *out) {
    float total = 0.0f;
    for (intptr_t j = 0; j < valid; j++) {
        row_weights[j] = expf(row_weights[j] - largest);
        total += row_weights[j];
    }
    memset(out, 0, (size_t)width * sizeof(float));
    for (intptr_t j = 0; j < valid; j++) {
        row_weights[j] /= total;
        add_scaled(out, row_weights[j], values + (j * rows + b) * width, width);
    }
}

// The weighted sum's and the softmax's backward for row b from dL/dweighted (dw): adds
// a_j dw to dL/do_j and writes dL/dscore_j = a_j (da_j - sum_i a_i da_i), da_j = dw . o_j.
ALWAYS_INLINE void softmax_and_weigh_backward(
    intptr_t b, intptr_t rows, intptr_t width, intptr_t valid, const float *values, const float *row_weights,
    const float *dw, float *value_gradient, float *score_gradients) {
    float mean = 0.0f;
    for (intptr_t j = 0; j < valid; j++) {
        const intptr_t value = (j * rows + b) * width;
        score_gradients[j] = dot(dw, values + value, width);
        add_scaled(value_gradient + value, row_weights[j], dw, width);
        mean += row_weights[j] * score_gradients[j];
    }
    for (intptr_t j = 0; j < valid; j++) score_gradients[j] = row_weights[j] * (score_gradients[j] - mean);
}

#endif
