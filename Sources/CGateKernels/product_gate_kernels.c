// The forward gates from precomputed products; see product_gate_kernels.h. 16 units at a time
// on clang's vectors, built for AVX-512, AVX2 and baseline x86-64; each kernel's row is an
// always-inlined helper, so that no 16-float vector crosses a call in the narrower clones.
#include "product_gate_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"

#include <stdbool.h>

ALWAYS_INLINE void reset_after_row(
    intptr_t hidden, intptr_t first_unit, intptr_t end_unit, bool active, const float *x, const float *g,
    const float *hp, float *h, float *out) {
    for (intptr_t u = first_unit; u < end_unit; u += 16) {
        const intptr_t width = end_unit - u < 16 ? end_unit - u : 16;
        const vector16 before = load_partial16(hp + u, width);
        if (!active) {
            store_partial16(h + u, before, width);
            if (out) store_partial16(out + u, 0.0f, width);
            continue;
        }
        const vector16 reset = sigmoid16(load_partial16(x + u, width) + load_partial16(g + u, width));
        const vector16 update = sigmoid16(load_partial16(x + hidden + u, width) + load_partial16(g + hidden + u, width));
        const vector16 candidate =
            tanh16(load_partial16(x + 2 * hidden + u, width) + reset * load_partial16(g + 2 * hidden + u, width));
        const vector16 next = candidate + update * (before - candidate);
        store_partial16(h + u, next, width);
        if (out) store_partial16(out + u, next, width);
    }
}

MULTIVERSION
void gru_reset_after_gates_from_products(
    intptr_t batch, intptr_t hidden, intptr_t first_unit, intptr_t end_unit, intptr_t time, const intptr_t *lengths,
    const float *gx, intptr_t gx_stride, const float *gh, const float *previous, float *state, float *output,
    intptr_t output_stride) {
    for (intptr_t b = 0; b < batch; b++) {
        reset_after_row(hidden, first_unit, end_unit, time < lengths[b], gx + b * gx_stride, gh + b * 3 * hidden,
                        previous + b * hidden, state + b * hidden, output ? output + b * output_stride : 0);
    }
}

ALWAYS_INLINE void reset_before_gates_row(
    intptr_t hidden, intptr_t first_unit, intptr_t end_unit, bool active, const float *x, const float *g,
    const float *hp, float *rh, float *z) {
    for (intptr_t u = first_unit; u < end_unit; u += 16) {
        const intptr_t width = end_unit - u < 16 ? end_unit - u : 16;
        if (!active) {
            store_partial16(rh + u, 0.0f, width);
            store_partial16(z + u, 0.0f, width);
            continue;
        }
        const vector16 reset = sigmoid16(load_partial16(x + u, width) + load_partial16(g + u, width));
        store_partial16(rh + u, reset * load_partial16(hp + u, width), width);
        store_partial16(
            z + u, sigmoid16(load_partial16(x + hidden + u, width) + load_partial16(g + hidden + u, width)), width);
    }
}

MULTIVERSION
void gru_reset_before_gates_from_products(
    intptr_t batch, intptr_t hidden, intptr_t first_unit, intptr_t end_unit, intptr_t time, const intptr_t *lengths,
    const float *gx, intptr_t gx_stride, const float *gh, const float *previous, float *reset_state, float *update) {
    for (intptr_t b = 0; b < batch; b++) {
        reset_before_gates_row(hidden, first_unit, end_unit, time < lengths[b], gx + b * gx_stride,
                               gh + b * 3 * hidden, previous + b * hidden, reset_state + b * hidden,
                               update + b * hidden);
    }
}

ALWAYS_INLINE void reset_before_candidate_row(
    intptr_t hidden, intptr_t first_unit, intptr_t end_unit, bool active, const float *x, const float *g,
    const float *z, const float *hp, float *h, float *out) {
    for (intptr_t u = first_unit; u < end_unit; u += 16) {
        const intptr_t width = end_unit - u < 16 ? end_unit - u : 16;
        const vector16 before = load_partial16(hp + u, width);
        if (!active) {
            store_partial16(h + u, before, width);
            if (out) store_partial16(out + u, 0.0f, width);
            continue;
        }
        const vector16 candidate =
            tanh16(load_partial16(x + 2 * hidden + u, width) + load_partial16(g + 2 * hidden + u, width));
        const vector16 next = candidate + load_partial16(z + u, width) * (before - candidate);
        store_partial16(h + u, next, width);
        if (out) store_partial16(out + u, next, width);
    }
}

MULTIVERSION
void gru_reset_before_candidate_from_products(
    intptr_t batch, intptr_t hidden, intptr_t first_unit, intptr_t end_unit, intptr_t time, const intptr_t *lengths,
    const float *gx, intptr_t gx_stride, const float *gh, const float *update, const float *previous, float *state,
    float *output, intptr_t output_stride) {
    for (intptr_t b = 0; b < batch; b++) {
        reset_before_candidate_row(hidden, first_unit, end_unit, time < lengths[b], gx + b * gx_stride,
                                   gh + b * 3 * hidden, update + b * hidden, previous + b * hidden,
                                   state + b * hidden, output ? output + b * output_stride : 0);
    }
}
