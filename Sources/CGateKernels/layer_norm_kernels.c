// The layer-norm GRU's kernels of layer_norm_kernels.h, 16 values at a time in vector types,
// each compiled for several instruction sets (MULTIVERSION, kernel_attributes.h). A row's last
// block of fewer than 16 values is loaded with zeros after its end; the sums below rely on
// those lanes contributing nothing, so they mask them only where a lane would not be zero.
// Each public kernel is a MULTIVERSION wrapper around an always-inlined body: clang rejects
// 16-float vector arithmetic written directly in a target_clones function's default clone.
#include "layer_norm_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"

#include <string.h>

typedef float vector8 __attribute__((ext_vector_type(8)));
typedef float vector4 __attribute__((ext_vector_type(4)));
typedef float vector2 __attribute__((ext_vector_type(2)));

ALWAYS_INLINE float sum16(vector16 v) {
    const vector8 a = v.lo + v.hi;
    const vector4 b = a.lo + a.hi;
    const vector2 c = b.lo + b.hi;
    return c.x + c.y;
}

ALWAYS_INLINE intptr_t block_count(intptr_t width, intptr_t j) {
    return width - j < 16 ? width - j : 16;
}

intptr_t gru_layer_norm_cache_stride(intptr_t width) {
    return (width + 1 + 15) / 16 * 16;
}

// The mean of a row and 1 / sqrt(var + eps), in two passes (the squares of deviations, not
// E[x^2] - mean^2, which cancels when the mean is large).
ALWAYS_INLINE void row_statistics(const float *x, intptr_t width, float *mean, float *inverse_deviation) {
    vector16 sum = 0.0f;
    for (intptr_t j = 0; j < width; j += 16) sum += load_partial16(x + j, block_count(width, j));
    const float m = sum16(sum) / (float)width;
    vector16 squares = 0.0f;
    intptr_t j = 0;
    for (; j + 16 <= width; j += 16) {
        const vector16 d = load16(x + j) - m;
        squares += d * d;
    }
    if (j < width) {
        // The lanes past the end would add m^2 each.
        float lanes[16] = {0};
        for (intptr_t i = 0; i < width - j; i++) lanes[i] = x[j + i] - m;
        const vector16 d = load16(lanes);
        squares += d * d;
    }
    *mean = m;
    *inverse_deviation = 1.0f / sqrtf(sum16(squares) / (float)width + GRU_LAYER_NORM_EPSILON);
}

ALWAYS_INLINE void layer_norm_rows(
    intptr_t rows, intptr_t width, float *x, intptr_t x_stride, const float *gain, float *cache,
    intptr_t cache_stride) {
    for (intptr_t i = 0; i < rows; i++) {
        float *row = x + i * x_stride;
        float *cached = cache ? cache + i * cache_stride : 0;
        float mean, inverse_deviation;
        row_statistics(row, width, &mean, &inverse_deviation);
        for (intptr_t j = 0; j < width; j += 16) {
            const intptr_t count = block_count(width, j);
            const vector16 standardized = (load_partial16(row + j, count) - mean) * inverse_deviation;
            if (cached) store_partial16(cached + j, standardized, count);
            store_partial16(row + j, standardized * load_partial16(gain + j, count), count);
        }
        if (cached) cached[width] = inverse_deviation;
    }
}

MULTIVERSION
void gru_layer_norm_rows(
    intptr_t rows, intptr_t width, float *x, intptr_t x_stride, const float *gain, float *cache,
    intptr_t cache_stride) {
    layer_norm_rows(rows, width, x, x_stride, gain, cache, cache_stride);
}

// dL/dx of one row over dL/dy, given the row's sums of g = dL/dy * gain and of g x^.
ALWAYS_INLINE void normalization_backward_row(
    intptr_t width, const float *dy, const float *cached, const float *gain, float sum, float projected, float *dx) {
    const float mean_g = sum / (float)width, mean_gx = projected / (float)width;
    const float inverse_deviation = cached[width];
    for (intptr_t j = 0; j < width; j += 16) {
        const intptr_t count = block_count(width, j);
        const vector16 g = load_partial16(dy + j, count) * load_partial16(gain + j, count);
        const vector16 standardized = load_partial16(cached + j, count);
        store_partial16(dx + j, (g - mean_g - standardized * mean_gx) * inverse_deviation, count);
    }
}

ALWAYS_INLINE void layer_norm_backward_rows(
    intptr_t rows, intptr_t width, float *gradient, intptr_t gradient_stride, const float *cache,
    intptr_t cache_stride, const float *gain, float *gain_gradient) {
    for (intptr_t i = 0; i < rows; i++) {
        float *dy = gradient + i * gradient_stride;
        const float *cached = cache + i * cache_stride;
        vector16 sum = 0.0f, projected = 0.0f;
        for (intptr_t j = 0; j < width; j += 16) {
            const intptr_t count = block_count(width, j);
            const vector16 d = load_partial16(dy + j, count), standardized = load_partial16(cached + j, count);
            const vector16 g = d * load_partial16(gain + j, count);
            if (gain_gradient) {
                store_partial16(gain_gradient + j, load_partial16(gain_gradient + j, count) + d * standardized, count);
            }
            sum += g;
            projected += g * standardized;
        }
        normalization_backward_row(width, dy, cached, gain, sum16(sum), sum16(projected), dy);
    }
}

MULTIVERSION
void gru_layer_norm_backward_rows(
    intptr_t rows, intptr_t width, float *gradient, intptr_t gradient_stride, const float *cache,
    intptr_t cache_stride, const float *gain, float *gain_gradient) {
    layer_norm_backward_rows(rows, width, gradient, gradient_stride, cache, cache_stride, gain, gain_gradient);
}

// MARK: - Steps

ALWAYS_INLINE void layer_norm_forward_step(
    intptr_t batch, intptr_t hidden, intptr_t time, const intptr_t *lengths, const float *recurrent_product,
    const float *input_projection, const float *recurrent_gain, const float *recurrent_bias,
    const float *input_bias, const float *previous_state, float *state, float *output, intptr_t output_stride,
    float *gates, float *candidate_hidden_term, float *cache, intptr_t cache_stride) {
    const intptr_t width = 3 * hidden;
    for (intptr_t b = 0; b < batch; b++) {
        const float *x = recurrent_product + b * width, *gx = input_projection + b * width;
        const float *hp = previous_state + b * hidden;
        float *h = state + b * hidden, *out = output ? output + b * output_stride : 0;
        float *g = gates ? gates + b * width : 0, *ghn_cache = gates ? candidate_hidden_term + b * hidden : 0;
        float *cached = cache ? cache + b * cache_stride : 0;
        if (time >= lengths[b]) {
            memcpy(h, hp, (size_t)hidden * sizeof(float));
            if (out) memset(out, 0, (size_t)hidden * sizeof(float));
            if (g) {
                memset(g, 0, (size_t)width * sizeof(float));
                memset(ghn_cache, 0, (size_t)hidden * sizeof(float));
            }
            if (cached) memset(cached, 0, (size_t)(width + 1) * sizeof(float));
            continue;
        }
        float mean, inverse_deviation;
        row_statistics(x, width, &mean, &inverse_deviation);
        for (intptr_t j = 0; j < hidden; j += 16) {
            const intptr_t count = block_count(hidden, j);
            vector16 gh[3], gi[3];
            for (int gate = 0; gate < 3; gate++) {
                const intptr_t k = gate * hidden + j;
                const vector16 standardized = (load_partial16(x + k, count) - mean) * inverse_deviation;
                if (cached) store_partial16(cached + k, standardized, count);
                gh[gate] = standardized * load_partial16(recurrent_gain + k, count) +
                           load_partial16(recurrent_bias + k, count);
                gi[gate] = load_partial16(gx + k, count) + load_partial16(input_bias + k, count);
            }
            const vector16 r = sigmoid16(gi[0] + gh[0]), z = sigmoid16(gi[1] + gh[1]);
            const vector16 n = tanh16(gi[2] + r * gh[2]);
            const vector16 next = n + z * (load_partial16(hp + j, count) - n);
            store_partial16(h + j, next, count);
            if (out) store_partial16(out + j, next, count);
            if (g) {
                store_partial16(g + j, r, count);
                store_partial16(g + hidden + j, z, count);
                store_partial16(g + 2 * hidden + j, n, count);
                store_partial16(ghn_cache + j, gh[2], count);
            }
        }
        if (cached) cached[width] = inverse_deviation;
    }
}

MULTIVERSION
void gru_layer_norm_forward_step(
    intptr_t batch, intptr_t hidden, intptr_t time, const intptr_t *lengths, const float *recurrent_product,
    const float *input_projection, const float *recurrent_gain, const float *recurrent_bias,
    const float *input_bias, const float *previous_state, float *state, float *output, intptr_t output_stride,
    float *gates, float *candidate_hidden_term, float *cache, intptr_t cache_stride) {
    layer_norm_forward_step(batch, hidden, time, lengths, recurrent_product, input_projection, recurrent_gain, recurrent_bias, input_bias, previous_state, state, output, output_stride, gates, candidate_hidden_term, cache, cache_stride);
}

ALWAYS_INLINE void layer_norm_backward_step(
    intptr_t batch, intptr_t hidden, intptr_t time, const intptr_t *lengths, const float *state_gradient,
    const float *previous_state, float *gates, const float *candidate_hidden_term, const float *cache,
    intptr_t cache_stride, const float *recurrent_gain, float *input_projection_gradient,
    float *previous_state_gradient, float *product_gradient) {
    const intptr_t width = 3 * hidden;
    for (intptr_t b = 0; b < batch; b++) {
        const float *dh = state_gradient + b * hidden, *hp = previous_state + b * hidden;
        const float *ghn = candidate_hidden_term + b * hidden, *cached = cache + b * cache_stride;
        float *dgh = gates + b * width, *dgx = input_projection_gradient + b * width;
        float *dhp = previous_state_gradient + b * hidden, *dproduct = product_gradient + b * width;
        if (time >= lengths[b]) {
            memcpy(dhp, dh, (size_t)hidden * sizeof(float));
            memset(dgx, 0, (size_t)width * sizeof(float));
            memset(dgh, 0, (size_t)width * sizeof(float));
            memset(dproduct, 0, (size_t)width * sizeof(float));
            continue;
        }
        // The gates' gradients, and the sums the normalization's backward needs, in one pass
        // (the lanes past H are zero in every factor).
        vector16 sum = 0.0f, projected = 0.0f;
        for (intptr_t j = 0; j < hidden; j += 16) {
            const intptr_t count = block_count(hidden, j);
            const vector16 r = load_partial16(dgh + j, count), z = load_partial16(dgh + hidden + j, count);
            const vector16 n = load_partial16(dgh + 2 * hidden + j, count), d = load_partial16(dh + j, count);
            const vector16 dn = d * (1.0f - z) * (1.0f - n * n);
            const vector16 dz = d * (load_partial16(hp + j, count) - n) * z * (1.0f - z);
            const vector16 dr = dn * load_partial16(ghn + j, count) * r * (1.0f - r);
            store_partial16(dgx + j, dr, count);
            store_partial16(dgx + hidden + j, dz, count);
            store_partial16(dgx + 2 * hidden + j, dn, count);
            store_partial16(dhp + j, d * z, count);
            const vector16 dgate[3] = {dr, dz, dn * r};
            for (int gate = 0; gate < 3; gate++) {
                const intptr_t k = gate * hidden + j;
                store_partial16(dgh + k, dgate[gate], count);
                const vector16 g = dgate[gate] * load_partial16(recurrent_gain + k, count);
                sum += g;
                projected += g * load_partial16(cached + k, count);
            }
        }
        normalization_backward_row(width, dgh, cached, recurrent_gain, sum16(sum), sum16(projected), dproduct);
    }
}

MULTIVERSION
void gru_layer_norm_backward_step(
    intptr_t batch, intptr_t hidden, intptr_t time, const intptr_t *lengths, const float *state_gradient,
    const float *previous_state, float *gates, const float *candidate_hidden_term, const float *cache,
    intptr_t cache_stride, const float *recurrent_gain, float *input_projection_gradient,
    float *previous_state_gradient, float *product_gradient) {
    layer_norm_backward_step(batch, hidden, time, lengths, state_gradient, previous_state, gates, candidate_hidden_term, cache, cache_stride, recurrent_gain, input_projection_gradient, previous_state_gradient, product_gradient);
}
