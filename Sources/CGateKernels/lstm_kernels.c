// Vectorized LSTM gate kernels, 16 units at a time in vector types, each compiled for several
// instruction sets (MULTIVERSION, kernel_attributes.h). The math is documented on
// LSTMGateKernels.swift.
#include "lstm_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"

#include <stdbool.h>
#include <string.h>

// `keeps_gates` (a constant after inlining): training keeps the activated gates for backward;
// inference needs only h and c.
ALWAYS_INLINE void lstm_forward_block(
    intptr_t hidden, intptr_t j, intptr_t count, const float *gx, const float *bias, float *gh, const float *cp,
    float *h, float *c, float *out, bool keeps_gates) {
    vector16 pre[4];
    for (intptr_t gate = 0; gate < 4; gate++) {
        pre[gate] = load_partial16(gx + gate * hidden + j, count) + load_partial16(gh + gate * hidden + j, count);
        if (bias) pre[gate] += load_partial16(bias + gate * hidden + j, count);
    }
    const vector16 i = sigmoid16(pre[0]), f = sigmoid16(pre[1]), g = tanh16(pre[2]), o = sigmoid16(pre[3]);
    const vector16 cn = f * load_partial16(cp + j, count) + i * g;
    const vector16 hn = o * tanh16(cn);
    if (keeps_gates) {
        store_partial16(gh + j, i, count);
        store_partial16(gh + hidden + j, f, count);
        store_partial16(gh + 2 * hidden + j, g, count);
        store_partial16(gh + 3 * hidden + j, o, count);
    }
    store_partial16(c + j, cn, count);
    store_partial16(h + j, hn, count);
    if (out) store_partial16(out + j, hn, count);
}

// Rows 0..<batch of units 0..<width, every buffer with its own row stride and gates `gate_stride`
// apart: PyTorch's layout (lstm_forward_units) and the regrouped one of inference
// (lstm_forward_regrouped_rows) both come here.
ALWAYS_INLINE void lstm_forward_rows(
    intptr_t batch, intptr_t gate_stride, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *input_projection, intptr_t gates_row_stride, const float *bias, float *gates,
    const float *previous_state, const float *previous_cell_state, float *state, float *cell_state,
    intptr_t state_row_stride, float *output, intptr_t output_stride, bool keeps_gates) {
    for (intptr_t b = 0; b < batch; b++) {
        const float *gx = input_projection + b * gates_row_stride;
        float *gh = gates + b * gates_row_stride;
        const float *hp = previous_state + b * state_row_stride, *cp = previous_cell_state + b * state_row_stride;
        float *h = state + b * state_row_stride, *c = cell_state + b * state_row_stride;
        float *out = output ? output + b * output_stride : NULL;
        if (time >= lengths[b]) {
            memcpy(h, hp, (size_t)width * sizeof(float));
            memcpy(c, cp, (size_t)width * sizeof(float));
            if (out) memset(out, 0, (size_t)width * sizeof(float));
            if (keeps_gates) {
                for (intptr_t gate = 0; gate < 4; gate++) memset(gh + gate * gate_stride, 0, (size_t)width * sizeof(float));
            }
            continue;
        }
        for (intptr_t j = 0; j < width; j += 16) {
            lstm_forward_block(gate_stride, j, width - j < 16 ? width - j : 16, gx, bias, gh, cp, h, c, out, keeps_gates);
        }
    }
}

MULTIVERSION
void lstm_forward_units(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *input_projection, const float *bias, float *gates, const float *previous_state,
    const float *previous_cell_state, float *state, float *cell_state, float *output, intptr_t output_stride) {
    lstm_forward_rows(
        batch, hidden, width, time, lengths, input_projection + first, 4 * hidden, bias ? bias + first : NULL,
        gates + first, previous_state + first, previous_cell_state + first, state + first, cell_state + first, hidden,
        output ? output + first : NULL, output_stride, true);
}

MULTIVERSION
void lstm_forward_regrouped_rows(
    intptr_t batch, intptr_t block_units, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *input_projection, intptr_t gates_row_stride, const float *bias, float *gates,
    const float *previous_state, const float *previous_cell_state, float *state, float *cell_state,
    intptr_t state_row_stride, float *output, intptr_t output_stride) {
    lstm_forward_rows(
        batch, block_units, width, time, lengths, input_projection, gates_row_stride, bias, gates, previous_state,
        previous_cell_state, state, cell_state, state_row_stride, output, output_stride, false);
}

ALWAYS_INLINE void lstm_backward_block(
    intptr_t hidden, intptr_t j, intptr_t count, const float *dh, const float *dc, const float *cp, const float *c,
    float *dg, float *dgx, float *dhp, float *dcp) {
    const vector16 i = load_partial16(dg + j, count), f = load_partial16(dg + hidden + j, count);
    const vector16 g = load_partial16(dg + 2 * hidden + j, count), o = load_partial16(dg + 3 * hidden + j, count);
    const vector16 tc = tanh16(load_partial16(c + j, count)), d = load_partial16(dh + j, count);
    const vector16 dcell = load_partial16(dc + j, count) + d * o * (1.0f - tc * tc);
    const vector16 di = dcell * g * i * (1.0f - i);
    const vector16 df = dcell * load_partial16(cp + j, count) * f * (1.0f - f);
    const vector16 dgg = dcell * i * (1.0f - g * g);
    const vector16 dout = d * tc * o * (1.0f - o);
    const vector16 zero = 0.0f;
    store_partial16(dg + j, di, count);
    store_partial16(dg + hidden + j, df, count);
    store_partial16(dg + 2 * hidden + j, dgg, count);
    store_partial16(dg + 3 * hidden + j, dout, count);
    store_partial16(dgx + j, di, count);
    store_partial16(dgx + hidden + j, df, count);
    store_partial16(dgx + 2 * hidden + j, dgg, count);
    store_partial16(dgx + 3 * hidden + j, dout, count);
    store_partial16(dcp + j, dcell * f, count);
    store_partial16(dhp + j, zero, count);
}

MULTIVERSION
void lstm_backward_units(
    intptr_t batch, intptr_t hidden, intptr_t first, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *state_gradient, const float *cell_state_gradient, const float *previous_cell_state,
    const float *cell_state, float *gates, float *input_projection_gradient, float *previous_state_gradient,
    float *previous_cell_state_gradient) {
    for (intptr_t b = 0; b < batch; b++) {
        const intptr_t row = b * hidden + first;
        const float *dh = state_gradient + row, *dc = cell_state_gradient + row;
        float *dg = gates + b * 4 * hidden + first, *dgx = input_projection_gradient + b * 4 * hidden + first;
        float *dhp = previous_state_gradient + row, *dcp = previous_cell_state_gradient + row;
        if (time >= lengths[b]) {
            memcpy(dhp, dh, (size_t)width * sizeof(float));
            memcpy(dcp, dc, (size_t)width * sizeof(float));
            for (intptr_t gate = 0; gate < 4; gate++) {
                memset(dg + gate * hidden, 0, (size_t)width * sizeof(float));
                memset(dgx + gate * hidden, 0, (size_t)width * sizeof(float));
            }
            continue;
        }
        for (intptr_t j = 0; j < width; j += 16) {
            lstm_backward_block(
                hidden, j, width - j < 16 ? width - j : 16, dh, dc, previous_cell_state + row, cell_state + row, dg,
                dgx, dhp, dcp);
        }
    }
}

void lstm_prefetch_rows(intptr_t rows, const float *first, intptr_t row_stride, intptr_t count) {
    for (intptr_t b = 0; b < rows; b++) {
        for (intptr_t j = 0; j < count; j += 16) __builtin_prefetch(first + b * row_stride + j);
    }
}
