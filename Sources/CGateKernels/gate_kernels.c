// Vectorized GRU backward gate kernels, 16 units at a time in vector types (the compiler left
// the plain loops scalar: their gradients overwrite the gates they are computed from), each
// compiled for several instruction sets (MULTIVERSION, kernel_attributes.h).
#include "gate_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"

#include <math.h>
#include <string.h>

// Units first..<first+width of a row past its length: the state gradient passes straight
// through, no gate gradient.
ALWAYS_INLINE void pass_through(
    intptr_t hidden, intptr_t width, const float *dh, float *dhp, float *dgx, float *dgh) {
    memcpy(dhp, dh, (size_t)width * sizeof(float));
    for (intptr_t gate = 0; gate < 3; gate++) {
        memset(dgx + gate * hidden, 0, (size_t)width * sizeof(float));
        memset(dgh + gate * hidden, 0, (size_t)width * sizeof(float));
    }
}

// MARK: - Reset-before

// The kernels below take units first..<first+width of every row (threads may share a step
// by units) and run 16 units at a time as vectors: the gates are read before the gradients
// are written over them, so no overlap of the gate blocks need be ruled out.

ALWAYS_INLINE void reset_before_candidate_units(
    intptr_t hidden, intptr_t j, intptr_t count, const float *dh, const float *hp, float *dgh, float *dgx,
    float *dhp) {
    const vector16 z = load_partial16(dgh + hidden + j, count), n = load_partial16(dgh + 2 * hidden + j, count);
    const vector16 d = load_partial16(dh + j, count);
    const vector16 dn = d * (1.0f - z) * (1.0f - n * n);
    const vector16 dz = d * (load_partial16(hp + j, count) - n) * z * (1.0f - z);
    store_partial16(dgx + hidden + j, dz, count);
    store_partial16(dgx + 2 * hidden + j, dn, count);
    store_partial16(dgh + hidden + j, dz, count);
    store_partial16(dgh + 2 * hidden + j, dn, count);
    store_partial16(dhp + j, d * z, count);
}

MULTIVERSION
void gru_reset_before_backward_candidate(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *state_gradient, const float *previous_state, float *gates,
    float *input_projection_gradient, float *previous_state_gradient) {
    for (intptr_t b = 0; b < batch; b++) {
        const float *dh = state_gradient + b * hidden + first;
        const float *hp = previous_state + b * hidden + first;
        float *dgh = gates + b * 3 * hidden + first;
        float *dgx = input_projection_gradient + b * 3 * hidden + first;
        float *dhp = previous_state_gradient + b * hidden + first;
        if (time >= lengths[b]) {
            pass_through(hidden, width, dh, dhp, dgx, dgh);
            continue;
        }
        for (intptr_t j = 0; j < width; j += 16) {
            reset_before_candidate_units(hidden, j, width - j < 16 ? width - j : 16, dh, hp, dgh, dgx, dhp);
        }
    }
}

ALWAYS_INLINE void reset_before_reset_units(
    intptr_t j, intptr_t count, const float *drh, const float *hp, float *dgh, float *dgx, float *dhp) {
    const vector16 r = load_partial16(dgh + j, count), d = load_partial16(drh + j, count);
    const vector16 dr = d * load_partial16(hp + j, count) * r * (1.0f - r);
    store_partial16(dgx + j, dr, count);
    store_partial16(dgh + j, dr, count);
    store_partial16(dhp + j, load_partial16(dhp + j, count) + d * r, count);
}

MULTIVERSION
void gru_reset_before_backward_reset(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *reset_state_gradient, const float *previous_state, float *gates,
    float *input_projection_gradient, float *previous_state_gradient) {
    for (intptr_t b = 0; b < batch; b++) {
        if (time >= lengths[b]) continue;
        const float *drh = reset_state_gradient + b * hidden + first;
        const float *hp = previous_state + b * hidden + first;
        float *dgh = gates + b * 3 * hidden + first;
        float *dgx = input_projection_gradient + b * 3 * hidden + first;
        float *dhp = previous_state_gradient + b * hidden + first;
        for (intptr_t j = 0; j < width; j += 16) {
            reset_before_reset_units(j, width - j < 16 ? width - j : 16, drh, hp, dgh, dgx, dhp);
        }
    }
}

// MARK: - Reset-after

// Units j..<j+count (count <= 16) of one row, as vectors, as for reset-before.
ALWAYS_INLINE void reset_after_backward_units(
    intptr_t hidden, intptr_t j, intptr_t count, const float *dh, const float *hp, float *dgh,
    const float *ghn, float *dgx, float *dhp) {
    const vector16 r = load_partial16(dgh + j, count), z = load_partial16(dgh + hidden + j, count);
    const vector16 n = load_partial16(dgh + 2 * hidden + j, count);
    const vector16 d = load_partial16(dh + j, count);
    const vector16 dn = d * (1.0f - z) * (1.0f - n * n);
    const vector16 dz = d * (load_partial16(hp + j, count) - n) * z * (1.0f - z);
    const vector16 dr = dn * load_partial16(ghn + j, count) * r * (1.0f - r);
    store_partial16(dgx + j, dr, count);
    store_partial16(dgx + hidden + j, dz, count);
    store_partial16(dgx + 2 * hidden + j, dn, count);
    store_partial16(dgh + j, dr, count);
    store_partial16(dgh + hidden + j, dz, count);
    store_partial16(dgh + 2 * hidden + j, dn * r, count);
    store_partial16(dhp + j, d * z, count);
}

MULTIVERSION
void gru_reset_after_backward_columns(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time,
    const intptr_t *lengths, const float *state_gradient, const float *previous_state,
    float *gates, const float *candidate_hidden_term, float *input_projection_gradient,
    float *previous_state_gradient) {
    for (intptr_t b = 0; b < batch; b++) {
        const float *dh = state_gradient + b * hidden + first;
        const float *hp = previous_state + b * hidden + first;
        float *dgh = gates + b * 3 * hidden + first;
        const float *ghn = candidate_hidden_term + b * hidden + first;
        float *dgx = input_projection_gradient + b * 3 * hidden + first;
        float *dhp = previous_state_gradient + b * hidden + first;
        if (time >= lengths[b]) {
            pass_through(hidden, width, dh, dhp, dgx, dgh);
            continue;
        }
        for (intptr_t j = 0; j < width; j += 16) {
            reset_after_backward_units(hidden, j, width - j < 16 ? width - j : 16, dh, hp, dgh, ghn, dgx, dhp);
        }
    }
}

