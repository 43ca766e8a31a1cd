// Vectorized GRU backward gate kernels. The loops over the hidden units are written so that the
// compiler vectorizes them (restrict pointers, branch-free math); on x86-64 Linux each kernel
// is compiled for AVX-512 (which implies FMA), AVX2 and baseline, and the loader picks the
// best by CPU features (target_clones).
#include "gate_kernels.h"

#include "activations.h"

#include <math.h>
#include <string.h>

#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
#define MULTIVERSION __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define MULTIVERSION
#endif

// Masked rows: the state gradient passes straight through, no gate gradient.
static inline void pass_through(
    intptr_t hidden, const float *dh, float *dhp, float *dgx, float *dgh) {
    memcpy(dhp, dh, (size_t)hidden * sizeof(float));
    memset(dgx, 0, (size_t)(3 * hidden) * sizeof(float));
    memset(dgh, 0, (size_t)(3 * hidden) * sizeof(float));
}

// MARK: - Reset-before

MULTIVERSION
void gru_reset_before_backward_candidate(
    intptr_t batch, intptr_t hidden, intptr_t time, const intptr_t *lengths,
    const float *state_gradient, const float *previous_state, float *gates,
    float *input_projection_gradient, float *previous_state_gradient) {
    const intptr_t h3 = 3 * hidden;
    for (intptr_t b = 0; b < batch; b++) {
        const float *restrict dh = state_gradient + b * hidden;
        const float *restrict hp = previous_state + b * hidden;
        float *restrict dgh = gates + b * h3;
        const float *g = dgh;
        float *restrict dgx = input_projection_gradient + b * h3;
        float *restrict dhp = previous_state_gradient + b * hidden;
        if (time >= lengths[b]) {
            pass_through(hidden, dh, dhp, dgx, dgh);
            continue;
        }
        for (intptr_t j = 0; j < hidden; j++) {
            float z = g[hidden + j], n = g[2 * hidden + j];
            float d = dh[j];
            float dn = d * (1.0f - z) * (1.0f - n * n);
            float dz = d * (hp[j] - n) * z * (1.0f - z);
            dgx[hidden + j] = dz;
            dgx[2 * hidden + j] = dn;
            dgh[hidden + j] = dz;
            dgh[2 * hidden + j] = dn;
            dhp[j] = d * z;
        }
    }
}

MULTIVERSION
void gru_reset_before_backward_reset(
    intptr_t batch, intptr_t hidden, intptr_t time, const intptr_t *lengths,
    const float *reset_state_gradient, const float *previous_state, float *gates,
    float *input_projection_gradient, float *previous_state_gradient) {
    const intptr_t h3 = 3 * hidden;
    for (intptr_t b = 0; b < batch; b++) {
        if (time >= lengths[b]) continue;
        const float *restrict drh = reset_state_gradient + b * hidden;
        const float *restrict hp = previous_state + b * hidden;
        float *restrict dgh = gates + b * h3;
        const float *g = dgh;
        float *restrict dgx = input_projection_gradient + b * h3;
        float *restrict dhp = previous_state_gradient + b * hidden;
        for (intptr_t j = 0; j < hidden; j++) {
            float r = g[j];
            float dr = drh[j] * hp[j] * r * (1.0f - r);
            dgx[j] = dr;
            dgh[j] = dr;
            dhp[j] += drh[j] * r;
        }
    }
}

// MARK: - Reset-after

// Units j..<j+count (count <= 16) of one row, as vectors: the gates are read before the
// gradients are written over them (dgh is the gates' own buffer), so the compiler need not
// prove that the three gate blocks and their gradients never overlap.
static inline __attribute__((always_inline)) void reset_after_backward_units(
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

static inline __attribute__((always_inline)) void reset_after_backward_rows(
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
            for (intptr_t j = 0; j < width; j++) {
                dhp[j] = dh[j];
                dgx[j] = dgx[hidden + j] = dgx[2 * hidden + j] = 0.0f;
                dgh[j] = dgh[hidden + j] = dgh[2 * hidden + j] = 0.0f;
            }
            continue;
        }
        for (intptr_t j = 0; j < width; j += 16) {
            reset_after_backward_units(hidden, j, width - j < 16 ? width - j : 16, dh, hp, dgh, ghn, dgx, dhp);
        }
    }
}

MULTIVERSION
void gru_reset_after_backward_columns(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time,
    const intptr_t *lengths, const float *state_gradient, const float *previous_state,
    float *gates, const float *candidate_hidden_term, float *input_projection_gradient,
    float *previous_state_gradient) {
    reset_after_backward_rows(
        batch, hidden, first, width, time, lengths, state_gradient, previous_state, gates, candidate_hidden_term,
        input_projection_gradient, previous_state_gradient);
}
