// The packed recurrent kernels; see recurrent_kernels.h. Each computes a block of up to 8
// batch rows against one panel with every sum in a register while k runs (8 rows x 3 gates =
// 24 AVX-512 registers forward), so the weights stream once per block of rows and the rows'
// state once per panel.
#include "recurrent_kernels.h"

#include "activations.h"
#include "kernel_attributes.h"

#include <stdatomic.h>
#include <stdbool.h>

// The panel sizes are recurrent_kernels.h's, which the Swift side reads too. The kernels hold
// one gate of a forward panel in one vector16, and a backward panel in two.
#define FORWARD_PANEL GRU_FORWARD_PANEL_UNITS
#define FORWARD_ROW (3 * FORWARD_PANEL)
#define BACKWARD_PANEL GRU_BACKWARD_PANEL_UNITS
_Static_assert(FORWARD_PANEL == 16, "a forward panel's gate is one vector16");
_Static_assert(BACKWARD_PANEL == 32, "a backward panel is two vector16s");

// The most rows of a block (see above).
#define BLOCK_ROWS 8

// Blocks of up to BLOCK_ROWS rows, each size its own inlined copy (kernel_attributes.h).
#define DISPATCH_ROWS DISPATCH_ROWS_UP_TO_8
_Static_assert(BLOCK_ROWS == 8, "DISPATCH_ROWS_UP_TO_8 has one case for each block size");

// Weights up to this size are taken to stay in a core's L2 (2 MB on the Intel Xeons measured,
// 1 MB on AMD's Zen 4) between steps, beside the rows' states and projections.
#define L2_RESIDENT_BYTES (1 << 20)

// Whether blocks of one or two rows prefetch their weights 8 k ahead. On the Intel Xeons
// measured, so few rows are too little work per weight for the hardware prefetcher to stay
// ahead of the stream of weights from L2. On AMD's Zen 4 it stays ahead by itself, and the
// prefetch instructions only cost: a streaming step at H = 512 took 30 us with them and
// 27 us without (the share of each core, 2.25 MB, streams from L3 there: 1 MB of L2).
static bool few_rows_prefetch(void) {
#if defined(__x86_64__) && defined(__clang__)
    static _Atomic int cached = -1;  // -1: not yet known; else 0 or 1
    int known = atomic_load_explicit(&cached, memory_order_relaxed);
    if (known < 0) {
        __builtin_cpu_init();
        known = !__builtin_cpu_is("amd");
        atomic_store_explicit(&cached, known, memory_order_relaxed);
    }
    return known;
#else
    return true;
#endif
}

bool gru_kernel_prefetches_few_rows(void) { return few_rows_prefetch(); }

const char *gru_kernel_instruction_set(void) {
#if defined(__x86_64__) && defined(__linux__) && defined(__clang__)
    // The order in which the loader picks among the MULTIVERSION clones.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return "AVX-512";
    if (__builtin_cpu_supports("avx2")) return "AVX2";
    return "x86-64 baseline";
#elif defined(__aarch64__)
    return "NEON";
#else
    return "baseline";
#endif
}

// MARK: - Forward

intptr_t gru_forward_packed_count(intptr_t hidden) {
    return (hidden + FORWARD_PANEL - 1) / FORWARD_PANEL * hidden * FORWARD_ROW;
}

// Panels of 16 units of a (3H, K) row-major matrix: panel p holds, for each k, the r, z and n
// weights of units 16p..<16p+16 (zero past H).
static void pack_forward_panels(intptr_t k_count, intptr_t hidden, const float *weights, float *packed) {
    const intptr_t panels = (hidden + FORWARD_PANEL - 1) / FORWARD_PANEL;
    for (intptr_t p = 0; p < panels; p++) {
        for (intptr_t gate = 0; gate < 3; gate++) {
            for (intptr_t j = 0; j < FORWARD_PANEL; j++) {
                const intptr_t unit = p * FORWARD_PANEL + j;
                float *target = packed + p * k_count * FORWARD_ROW + gate * FORWARD_PANEL + j;
                const float *row = weights + (gate * hidden + unit) * k_count;
                for (intptr_t k = 0; k < k_count; k++) target[k * FORWARD_ROW] = unit < hidden ? row[k] : 0.0f;
            }
        }
    }
}

void gru_pack_forward_weights(
    intptr_t hidden, const float *weights, const float *bias, float *packed, float *packed_bias) {
    pack_forward_panels(hidden, hidden, weights, packed);
    gru_pack_forward_bias(hidden, bias, packed_bias);
}

void gru_pack_forward_bias(intptr_t hidden, const float *bias, float *packed_bias) {
    const intptr_t panels = (hidden + FORWARD_PANEL - 1) / FORWARD_PANEL;
    for (intptr_t p = 0; p < panels; p++) {
        for (intptr_t gate = 0; gate < 3; gate++) {
            for (intptr_t j = 0; j < FORWARD_PANEL; j++) {
                const intptr_t unit = p * FORWARD_PANEL + j;
                packed_bias[p * FORWARD_ROW + gate * FORWARD_PANEL + j] =
                    (bias && unit < hidden) ? bias[gate * hidden + unit] : 0.0f;
            }
        }
    }
}

// The sums of `rows` rows (a constant after inlining) of x (row stride x_stride, k_count
// long) against `count` of one forward-style panel's three gate vectors from `first_gate` on
// (constants too): sums[r][v] for gate first_gate + v, started at that gate's 16 floats of
// `initial` (a panel's 48, or zeros when NULL). Reset-after takes all three gates at once;
// reset-before r and z from h first, then n from r * h, from the same packing (the r, z and n
// of a k lie in three separate cache lines, so neither pass loads the other's weights).
//
// All sums stay in registers while k runs; with few rows the sums of k modulo 2 or 4 run in
// separate registers (chains), so that enough independent FMAs and weight loads are in
// flight. With `prefetches_ahead` (blocks of 1 or 2 rows), each k prefetches its gates'
// weights 8 k ahead (see few_rows_prefetch). With `upcoming` (not NULL; blocks of 4 rows or
// more), each k also prefetches `upcoming_lines` cache lines from
// upcoming + k * upcoming_lines * 16 into L2: the next panel, fetched while this one computes
// (see gru_reset_after_packed_step).
ALWAYS_INLINE void panel_sums(
    const int rows, const int first_gate, const int count, intptr_t k_count, const float *panel,
    const float *initial, const float *x, intptr_t x_stride, bool prefetches_ahead, const float *upcoming,
    intptr_t upcoming_lines, vector16 sums[][3]) {
    const int chains = rows == 1 ? 4 : (rows <= 3 ? 2 : 1);
    vector16 acc[4][BLOCK_ROWS][3];
    for (int c = 0; c < chains; c++) {
        for (int r = 0; r < rows; r++) {
            for (int v = 0; v < count; v++) {
                acc[c][r][v] = (c == 0 && initial) ? load16(initial + 16 * (first_gate + v)) : 0.0f;
            }
        }
    }
    panel += 16 * first_gate;
    intptr_t k = 0;
    for (; k + chains <= k_count; k += chains) {
        for (int c = 0; c < chains; c++) {
            const float *w = panel + (k + c) * FORWARD_ROW;
            if (rows <= 2 && prefetches_ahead) {
                for (int v = 0; v < count; v++) __builtin_prefetch(w + 8 * FORWARD_ROW + 16 * v);
            }
            if (rows >= 4 && upcoming) {
                for (intptr_t line = 0; line < upcoming_lines; line++) {
                    __builtin_prefetch(upcoming + (k * upcoming_lines + line) * 16, 0, 2);
                }
            }
            vector16 weights[3];
            for (int v = 0; v < count; v++) weights[v] = load16(w + 16 * v);
            for (int r = 0; r < rows; r++) {
                const float value = x[r * x_stride + k + c];
                for (int v = 0; v < count; v++) acc[c][r][v] += value * weights[v];
            }
        }
    }
    for (; k < k_count; k++) {
        const float *w = panel + k * FORWARD_ROW;
        vector16 weights[3];
        for (int v = 0; v < count; v++) weights[v] = load16(w + 16 * v);
        for (int r = 0; r < rows; r++) {
            const float value = x[r * x_stride + k];
            for (int v = 0; v < count; v++) acc[0][r][v] += value * weights[v];
        }
    }
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < count; v++) {
            sums[r][v] = acc[0][r][v];
            for (int c = 1; c < chains; c++) sums[r][v] += acc[c][r][v];
        }
    }
}

// The reset-after gates of 16 units and their h_t, from gx = W_ih x (plus b_ih from
// `panel_input_bias` when not NULL) and gh = W_hh h_{t-1} + b_hh.
ALWAYS_INLINE vector16 reset_after_gates(
    vector16 xr, vector16 xz, vector16 xn, const float *panel_input_bias, vector16 ghr, vector16 ghz,
    vector16 ghn, vector16 previous, vector16 *reset, vector16 *update, vector16 *candidate) {
    if (panel_input_bias) {
        xr += load16(panel_input_bias);
        xz += load16(panel_input_bias + 16);
        xn += load16(panel_input_bias + 32);
    }
    *reset = sigmoid16(xr + ghr);
    *update = sigmoid16(xz + ghz);
    *candidate = tanh16(xn + *reset * ghn);
    return *candidate + *update * (previous - *candidate);
}

// `rows` batch rows (a constant after inlining) against one forward panel, then the gates.
ALWAYS_INLINE void forward_block(
    const int rows, intptr_t hidden, intptr_t unit, intptr_t width, intptr_t time,
    const intptr_t *lengths, const float *panel, const float *panel_bias, const float *panel_input_bias, const float *gx,
    const float *hx, const float *hp, float *h, float *out, intptr_t output_stride, float *g, float *aux,
    bool prefetches_ahead, const float *upcoming, intptr_t upcoming_lines) {
    // The rows' input projections are needed only after the products; their lines are
    // fetched now so that the gates do not wait on memory (a whole step's are too big to
    // stay in cache from the GEMM that made them).
    for (int r = 0; r < rows; r++) {
        for (int gate = 0; gate < 3; gate++) __builtin_prefetch(gx + r * 3 * hidden + gate * hidden + unit);
    }
    vector16 sums[BLOCK_ROWS][3];
    panel_sums(rows, 0, 3, hidden, panel, panel_bias, hx, hidden, prefetches_ahead, upcoming, upcoming_lines, sums);
    for (int r = 0; r < rows; r++) {
        const vector16 ghr = sums[r][0], ghz = sums[r][1], ghn = sums[r][2];
        const float *gxr = gx + r * 3 * hidden + unit;
        const float *hpr = hp + r * hidden + unit;
        float *hr = h + r * hidden + unit;
        float *outr = out ? out + r * output_stride + unit : 0;
        const vector16 previous = load_partial16(hpr, width);
        if (time >= lengths[r]) {
            store_partial16(hr, previous, width);
            if (outr) store_partial16(outr, 0.0f, width);
            if (g) {
                float *gr = g + r * 3 * hidden + unit;
                store_partial16(gr, 0.0f, width);
                store_partial16(gr + hidden, 0.0f, width);
                store_partial16(gr + 2 * hidden, 0.0f, width);
                store_partial16(aux + r * hidden + unit, 0.0f, width);
            }
            continue;
        }
        const vector16 xr = load_partial16(gxr, width), xz = load_partial16(gxr + hidden, width);
        const vector16 xn = load_partial16(gxr + 2 * hidden, width);
        vector16 reset, update, candidate;
        const vector16 state =
            reset_after_gates(xr, xz, xn, panel_input_bias, ghr, ghz, ghn, previous, &reset, &update, &candidate);
        store_partial16(hr, state, width);
        if (outr) store_partial16(outr, state, width);
        if (g) {
            float *gr = g + r * 3 * hidden + unit;
            store_partial16(gr, reset, width);
            store_partial16(gr + hidden, update, width);
            store_partial16(gr + 2 * hidden, candidate, width);
            store_partial16(aux + r * hidden + unit, ghn, width);
        }
    }
}

MULTIVERSION
void gru_reset_after_packed_step(
    intptr_t batch, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t time,
    const intptr_t *lengths, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input_projection, const float *previous_state,
    const float *recurrent_input, float *state, float *output, intptr_t output_stride, float *gates,
    float *candidate_hidden_term) {
    if (!recurrent_input) recurrent_input = previous_state;
    // When this call's panels are too many to stay in L2 from step to step (H = 512: 3 MB),
    // the blocks of rows running through a panel prefetch the next one (the first again after
    // the last, for the next step) into L2, a share each: H lines a block when there are three
    // blocks or more, else 3H / blocks; else the panel arrives from L3 only when the first
    // block asks. Panels that stay in L2 are not prefetched: the instructions would cost more
    // than they save.
    const bool prefetches = (end_panel - first_panel) * hidden * FORWARD_ROW * (intptr_t)sizeof(float) > L2_RESIDENT_BYTES;
    const intptr_t blocks = (batch + BLOCK_ROWS - 1) / BLOCK_ROWS;
    const intptr_t upcoming_lines = blocks >= 3 ? 1 : (blocks == 2 ? 2 : 3);
    const bool prefetches_ahead = few_rows_prefetch();
    for (intptr_t p = first_panel; p < end_panel; p++) {
        const intptr_t unit = p * FORWARD_PANEL;
        const intptr_t width = hidden - unit < FORWARD_PANEL ? hidden - unit : FORWARD_PANEL;
        const float *panel = packed_weights + p * hidden * FORWARD_ROW;
        const float *panel_bias = packed_bias + p * FORWARD_ROW;
        const float *panel_input_bias = packed_input_bias ? packed_input_bias + p * FORWARD_ROW : 0;
        const float *next_panel = packed_weights + (p + 1 < end_panel ? p + 1 : first_panel) * hidden * FORWARD_ROW;
        for (intptr_t b = 0; b < batch; b += BLOCK_ROWS) {
            const intptr_t block = b / BLOCK_ROWS;
            const float *upcoming = prefetches && block * upcoming_lines < 3 ? next_panel + block * hidden * upcoming_lines * 16 : 0;
            const float *gx = input_projection + b * 3 * hidden;
            const float *hp = previous_state + b * hidden;
            const float *hx = recurrent_input + b * hidden;
            float *h = state + b * hidden;
            float *out = output ? output + b * output_stride : 0;
            float *g = gates ? gates + b * 3 * hidden : 0;
            float *aux = gates ? candidate_hidden_term + b * hidden : 0;
#define FORWARD_BLOCK(n) \
    forward_block(n, hidden, unit, width, time, lengths + b, panel, panel_bias, panel_input_bias, gx, hx, hp, h, out, \
                  output_stride, g, aux, prefetches_ahead, upcoming, upcoming_lines)
            DISPATCH_ROWS(batch - b, FORWARD_BLOCK)
#undef FORWARD_BLOCK
        }
    }
}

// MARK: - Input projection by panels

intptr_t gru_input_packed_count(intptr_t input_size, intptr_t hidden) {
    return (hidden + FORWARD_PANEL - 1) / FORWARD_PANEL * input_size * FORWARD_ROW;
}

void gru_pack_input_weights(intptr_t input_size, intptr_t hidden, const float *weights, float *packed) {
    pack_forward_panels(input_size, hidden, weights, packed);
}

// `rows` rows (a constant after inlining) of x against one panel of W_ih.
ALWAYS_INLINE void input_block(
    const int rows, intptr_t input_size, intptr_t hidden, intptr_t unit, intptr_t width, const float *panel,
    const float *x, intptr_t input_stride, bool prefetches_ahead, float *projection) {
    vector16 sums[BLOCK_ROWS][3];
    panel_sums(rows, 0, 3, input_size, panel, 0, x, input_stride, prefetches_ahead, 0, 0, sums);
    for (int r = 0; r < rows; r++) {
        for (int v = 0; v < 3; v++) store_partial16(projection + r * 3 * hidden + v * hidden + unit, sums[r][v], width);
    }
}

MULTIVERSION
void gru_packed_input_product(
    intptr_t rows, intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel,
    const float *packed, const float *input, intptr_t input_stride, float *projection) {
    const bool prefetches_ahead = few_rows_prefetch();
    for (intptr_t p = first_panel; p < end_panel; p++) {
        const intptr_t unit = p * FORWARD_PANEL;
        const intptr_t width = hidden - unit < FORWARD_PANEL ? hidden - unit : FORWARD_PANEL;
        const float *panel = packed + p * input_size * FORWARD_ROW;
        for (intptr_t b = 0; b < rows; b += BLOCK_ROWS) {
            const float *x = input + b * input_stride;
            float *y = projection + b * 3 * hidden;
#define INPUT_BLOCK(n) input_block(n, input_size, hidden, unit, width, panel, x, input_stride, prefetches_ahead, y)
            DISPATCH_ROWS(rows - b, INPUT_BLOCK)
#undef INPUT_BLOCK
        }
    }
}

// MARK: - Streaming

// One panel of a streaming step: the panel's input projection and recurrent sums stay in
// registers, then its gates.
ALWAYS_INLINE void streaming_panel(
    intptr_t input_size, intptr_t hidden, intptr_t p, bool active, const float *packed_input_weights,
    const float *packed_weights, const float *packed_bias, const float *packed_input_bias, const float *input,
    const float *previous_state, float *state, float *output, bool prefetches_ahead) {
    const intptr_t unit = p * FORWARD_PANEL;
    const intptr_t width = hidden - unit < FORWARD_PANEL ? hidden - unit : FORWARD_PANEL;
    const vector16 previous = load_partial16(previous_state + unit, width);
    if (!active) {
        store_partial16(state + unit, previous, width);
        if (output) store_partial16(output + unit, 0.0f, width);
        return;
    }
    vector16 x[1][3], gh[1][3];
    panel_sums(1, 0, 3, input_size, packed_input_weights + p * input_size * FORWARD_ROW, 0, input, input_size,
               prefetches_ahead, 0, 0, x);
    panel_sums(1, 0, 3, hidden, packed_weights + p * hidden * FORWARD_ROW, packed_bias + p * FORWARD_ROW, previous_state,
               hidden, prefetches_ahead, 0, 0, gh);
    vector16 reset, update, candidate;
    const vector16 h = reset_after_gates(
        x[0][0], x[0][1], x[0][2], packed_input_bias ? packed_input_bias + p * FORWARD_ROW : 0, gh[0][0], gh[0][1],
        gh[0][2], previous, &reset, &update, &candidate);
    store_partial16(state + unit, h, width);
    if (output) store_partial16(output + unit, h, width);
}

MULTIVERSION
void gru_reset_after_streaming_step(
    intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, bool descending, intptr_t time,
    const intptr_t *lengths, const float *packed_input_weights, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input, const float *previous_state, float *state, float *output) {
    const bool prefetches_ahead = few_rows_prefetch(), active = time < lengths[0];
    for (intptr_t i = 0; i < end_panel - first_panel; i++) {
        const intptr_t p = descending ? end_panel - 1 - i : first_panel + i;
        streaming_panel(input_size, hidden, p, active, packed_input_weights, packed_weights, packed_bias,
                        packed_input_bias, input, previous_state, state, output, prefetches_ahead);
    }
}

// MARK: - Reset-before

// r and z of 16 units into their columns of a gates row `g`, and r * h_{t-1} into `rh`, from
// gx = W_ih x (plus b_ih from `panel_input_bias` when not NULL) and the sums W_h[r, z] h_{t-1}
// + b_h[r, z].
ALWAYS_INLINE void reset_before_store_gates(
    vector16 xr, vector16 xz, const float *panel_input_bias, vector16 sum_r, vector16 sum_z, vector16 previous,
    intptr_t hidden, intptr_t width, float *g, float *rh) {
    if (panel_input_bias) {
        xr += load16(panel_input_bias);
        xz += load16(panel_input_bias + 16);
    }
    const vector16 reset = sigmoid16(xr + sum_r);
    store_partial16(g, reset, width);
    store_partial16(g + hidden, sigmoid16(xz + sum_z), width);
    store_partial16(rh, reset * previous, width);
}

// r and z of `rows` rows for one panel's units, and r * h_{t-1} (zero on an inactive row).
ALWAYS_INLINE void reset_before_gates_block(
    const int rows, intptr_t hidden, intptr_t unit, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *panel, const float *panel_bias, const float *panel_input_bias, const float *gx,
    const float *hp, float *g, float *rh) {
    vector16 sums[BLOCK_ROWS][3];
    panel_sums(rows, 0, 2, hidden, panel, panel_bias, hp, hidden, false, 0, 0, sums);
    for (int r = 0; r < rows; r++) {
        float *rhr = rh + r * hidden + unit;
        if (time >= lengths[r]) {
            store_partial16(rhr, 0.0f, width);
            continue;
        }
        const float *gxr = gx + r * 3 * hidden + unit;
        reset_before_store_gates(
            load_partial16(gxr, width), load_partial16(gxr + hidden, width), panel_input_bias, sums[r][0], sums[r][1],
            load_partial16(hp + r * hidden + unit, width), hidden, width, g + r * 3 * hidden + unit, rhr);
    }
}

// n from r * h_{t-1} and the new state of `rows` rows for one panel's units.
ALWAYS_INLINE void reset_before_candidate_block(
    const int rows, intptr_t hidden, intptr_t unit, intptr_t width, intptr_t time, const intptr_t *lengths,
    const float *panel, const float *panel_bias, const float *panel_input_bias, const float *gx,
    const float *hp, const float *rh, float *g, float *h, float *out, intptr_t output_stride) {
    vector16 sums[BLOCK_ROWS][3];
    panel_sums(rows, 2, 1, hidden, panel, panel_bias, rh, hidden, false, 0, 0, sums);
    for (int r = 0; r < rows; r++) {
        const vector16 previous = load_partial16(hp + r * hidden + unit, width);
        float *gr = g + r * 3 * hidden + unit;
        float *hr = h + r * hidden + unit;
        float *outr = out ? out + r * output_stride + unit : 0;
        if (time >= lengths[r]) {
            store_partial16(hr, previous, width);
            if (outr) store_partial16(outr, 0.0f, width);
            store_partial16(gr, 0.0f, width);
            store_partial16(gr + hidden, 0.0f, width);
            store_partial16(gr + 2 * hidden, 0.0f, width);
            continue;
        }
        vector16 xn = load_partial16(gx + r * 3 * hidden + 2 * hidden + unit, width);
        if (panel_input_bias) xn += load16(panel_input_bias + 32);
        const vector16 candidate = tanh16(xn + sums[r][0]);
        const vector16 update = load_partial16(gr + hidden, width);
        const vector16 state = candidate + update * (previous - candidate);
        store_partial16(gr + 2 * hidden, candidate, width);
        store_partial16(hr, state, width);
        if (outr) store_partial16(outr, state, width);
    }
}

// The panels' loop shared by the two reset-before passes: `BLOCK(n)` handles n rows at row b
// of panel p (unit, width, panel, panel_bias, panel_input_bias in scope).
#define FOR_EACH_BLOCK(BLOCK) \
    for (intptr_t p = first_panel; p < end_panel; p++) { \
        const intptr_t unit = p * FORWARD_PANEL; \
        const intptr_t width = hidden - unit < FORWARD_PANEL ? hidden - unit : FORWARD_PANEL; \
        const float *panel = packed_weights + p * hidden * FORWARD_ROW; \
        const float *panel_bias = packed_bias + p * FORWARD_ROW; \
        const float *panel_input_bias = packed_input_bias ? packed_input_bias + p * FORWARD_ROW : 0; \
        for (intptr_t b = 0; b < batch; b += BLOCK_ROWS) { \
            DISPATCH_ROWS(batch - b, BLOCK) \
        } \
    }

MULTIVERSION
void gru_reset_before_packed_gates(
    intptr_t batch, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t time,
    const intptr_t *lengths, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input_projection, const float *previous_state,
    float *gates, float *reset_state) {
#define GATES_BLOCK(n) \
    reset_before_gates_block(n, hidden, unit, width, time, lengths + b, panel, panel_bias, panel_input_bias, \
                             input_projection + b * 3 * hidden, previous_state + b * hidden, \
                             gates + b * 3 * hidden, reset_state + b * hidden)
    FOR_EACH_BLOCK(GATES_BLOCK)
#undef GATES_BLOCK
}

MULTIVERSION
void gru_reset_before_packed_candidate(
    intptr_t batch, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t time,
    const intptr_t *lengths, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input_projection, const float *previous_state,
    const float *reset_state, float *gates, float *state, float *output, intptr_t output_stride) {
#define CANDIDATE_BLOCK(n) \
    reset_before_candidate_block(n, hidden, unit, width, time, lengths + b, panel, panel_bias, panel_input_bias, \
                                 input_projection + b * 3 * hidden, previous_state + b * hidden, \
                                 reset_state + b * hidden, gates + b * 3 * hidden, state + b * hidden, \
                                 output ? output + b * output_stride : 0, output_stride)
    FOR_EACH_BLOCK(CANDIDATE_BLOCK)
#undef CANDIDATE_BLOCK
}

// Reset-before's first pass of a streaming step: each panel's input projection in registers,
// its n part kept for the second pass.
ALWAYS_INLINE void reset_before_streaming_panel(
    intptr_t input_size, intptr_t hidden, intptr_t p, bool active, const float *packed_input_weights,
    const float *packed_weights, const float *packed_bias, const float *packed_input_bias, const float *input,
    const float *previous_state, float *input_projection, float *gates, float *reset_state, bool prefetches_ahead) {
    const intptr_t unit = p * FORWARD_PANEL;
    const intptr_t width = hidden - unit < FORWARD_PANEL ? hidden - unit : FORWARD_PANEL;
    if (!active) {
        store_partial16(reset_state + unit, 0.0f, width);
        return;
    }
    vector16 x[1][3], sums[1][3];
    panel_sums(1, 0, 3, input_size, packed_input_weights + p * input_size * FORWARD_ROW, 0, input, input_size,
               prefetches_ahead, 0, 0, x);
    store_partial16(input_projection + 2 * hidden + unit, x[0][2], width);
    panel_sums(1, 0, 2, hidden, packed_weights + p * hidden * FORWARD_ROW, packed_bias + p * FORWARD_ROW,
               previous_state, hidden, false, 0, 0, sums);
    reset_before_store_gates(
        x[0][0], x[0][1], packed_input_bias ? packed_input_bias + p * FORWARD_ROW : 0, sums[0][0], sums[0][1],
        load_partial16(previous_state + unit, width), hidden, width, gates + unit, reset_state + unit);
}

MULTIVERSION
void gru_reset_before_streaming_gates(
    intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, bool descending, intptr_t time,
    const intptr_t *lengths, const float *packed_input_weights, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input, const float *previous_state, float *input_projection,
    float *gates, float *reset_state) {
    const bool prefetches_ahead = few_rows_prefetch(), active = time < lengths[0];
    for (intptr_t i = 0; i < end_panel - first_panel; i++) {
        const intptr_t p = descending ? end_panel - 1 - i : first_panel + i;
        reset_before_streaming_panel(input_size, hidden, p, active, packed_input_weights, packed_weights, packed_bias,
                                     packed_input_bias, input, previous_state, input_projection, gates, reset_state,
                                     prefetches_ahead);
    }
}

#undef FOR_EACH_BLOCK

// MARK: - Backward

intptr_t gru_backward_packed_count(intptr_t k_count, intptr_t hidden) {
    return (hidden + BACKWARD_PANEL - 1) / BACKWARD_PANEL * k_count * BACKWARD_PANEL;
}

void gru_pack_backward_weights(intptr_t k_count, intptr_t hidden, const float *weights, float *packed) {
    const intptr_t panels = (hidden + BACKWARD_PANEL - 1) / BACKWARD_PANEL;
    for (intptr_t p = 0; p < panels; p++) {
        for (intptr_t k = 0; k < k_count; k++) {
            float *target = packed + (p * k_count + k) * BACKWARD_PANEL;
            for (intptr_t j = 0; j < BACKWARD_PANEL; j++) {
                const intptr_t unit = p * BACKWARD_PANEL + j;
                target[j] = unit < hidden ? weights[k * hidden + unit] : 0.0f;
            }
        }
    }
}

// `rows` rows (a constant after inlining) of a against one backward panel, added to c or
// stored over it. With `upcoming`, each k prefetches `upcoming_lines` lines from
// upcoming + k * upcoming_lines * 16 into L2, as in panel_sums.
ALWAYS_INLINE void accumulate_block(
    const int rows, intptr_t k_count, intptr_t hidden, intptr_t unit, intptr_t width,
    const float *a, intptr_t lda, const float *panel, float *c, bool overwrite, const float *upcoming,
    intptr_t upcoming_lines) {
    vector16 acc[BLOCK_ROWS][2];
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = 0.0f;
    for (intptr_t k = 0; k < k_count; k++) {
        if (rows >= 4 && upcoming) {
            for (intptr_t line = 0; line < upcoming_lines; line++) {
                __builtin_prefetch(upcoming + (k * upcoming_lines + line) * 16, 0, 2);
            }
        }
        const vector16 w0 = load16(panel + k * BACKWARD_PANEL), w1 = load16(panel + k * BACKWARD_PANEL + 16);
        for (int r = 0; r < rows; r++) {
            const float x = a[r * lda + k];
            acc[r][0] += x * w0;
            acc[r][1] += x * w1;
        }
    }
    const intptr_t low = width < 16 ? width : 16, high = width - low;
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * hidden + unit;
        store_partial16(cr, overwrite ? acc[r][0] : load_partial16(cr, low) + acc[r][0], low);
        if (high > 0) store_partial16(cr + 16, overwrite ? acc[r][1] : load_partial16(cr + 16, high) + acc[r][1], high);
    }
}

// Rows a block of a panel pair keeps in registers: 6 rows x 4 vectors = 24 accumulators.
#define PAIR_BLOCK_ROWS 6

// `rows` rows (a constant, at most PAIR_BLOCK_ROWS) of a against two adjacent full backward
// panels at once, stored over c (overwrite) or added to it: each broadcast of a[r][k] feeds
// four FMAs instead of two, so that a core with two FMA pipes is not bound by the loads. The
// same FMAs in the same order per output as accumulate_block, so the same floats.
ALWAYS_INLINE void accumulate_pair_block(
    const int rows, intptr_t k_count, intptr_t hidden, intptr_t unit, const float *a, intptr_t lda,
    const float *panel, const float *second_panel, float *c, bool overwrite, const float *upcoming,
    intptr_t upcoming_lines) {
    vector16 acc[PAIR_BLOCK_ROWS][4];
    for (int r = 0; r < rows; r++) acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = 0.0f;
    for (intptr_t k = 0; k < k_count; k++) {
        if (upcoming) {
            for (intptr_t line = 0; line < upcoming_lines; line++) {
                __builtin_prefetch(upcoming + (k * upcoming_lines + line) * 16, 0, 2);
            }
        }
        const vector16 w0 = load16(panel + k * BACKWARD_PANEL), w1 = load16(panel + k * BACKWARD_PANEL + 16);
        const vector16 w2 = load16(second_panel + k * BACKWARD_PANEL);
        const vector16 w3 = load16(second_panel + k * BACKWARD_PANEL + 16);
        for (int r = 0; r < rows; r++) {
            const float x = a[r * lda + k];
            acc[r][0] += x * w0;
            acc[r][1] += x * w1;
            acc[r][2] += x * w2;
            acc[r][3] += x * w3;
        }
    }
    for (int r = 0; r < rows; r++) {
        float *cr = c + r * hidden + unit;
        for (int v = 0; v < 4; v++) store16(cr + 16 * v, overwrite ? acc[r][v] : load16(cr + 16 * v) + acc[r][v]);
    }
}

#define DISPATCH_PAIR_ROWS(remaining, BLOCK) \
    switch ((remaining) < PAIR_BLOCK_ROWS ? (remaining) : PAIR_BLOCK_ROWS) { \
        case 1: BLOCK(1); break; \
        case 2: BLOCK(2); break; \
        case 3: BLOCK(3); break; \
        case 4: BLOCK(4); break; \
        case 5: BLOCK(5); break; \
        case 6: BLOCK(6); break; \
    }

MULTIVERSION
void gru_packed_product_rows(
    intptr_t batch, intptr_t k_first, intptr_t k_count, intptr_t packed_k_count, intptr_t hidden,
    intptr_t first_panel, intptr_t end_panel, const float *a, intptr_t lda, const float *packed_weights,
    float *c, bool overwrite) {
    // The next panel's rows k_first..<k_first+k_count (2 k_count lines) are prefetched as in
    // gru_reset_after_packed_step, when this call's panels do not stay in L2.
    const bool prefetches =
        (end_panel - first_panel) * k_count * BACKWARD_PANEL * (intptr_t)sizeof(float) > L2_RESIDENT_BYTES;
    const intptr_t blocks = (batch + BLOCK_ROWS - 1) / BLOCK_ROWS;
    const intptr_t upcoming_lines = blocks >= 2 ? 1 : 2;
    intptr_t p = first_panel;
    // With several rows, two full panels at a time (a few rows gain nothing: their products
    // are bound by the weights' loads, not by the broadcasts).
    if (batch >= 3) {
        const intptr_t pair_blocks = (batch + PAIR_BLOCK_ROWS - 1) / PAIR_BLOCK_ROWS;
        // The next pair's 4 k_count lines, shared by the first blocks.
        const intptr_t pair_lines = pair_blocks >= 4 ? 1 : (pair_blocks >= 2 ? 2 : 4);
        for (; p + 2 <= end_panel && (p + 2) * BACKWARD_PANEL <= hidden; p += 2) {
            const intptr_t unit = p * BACKWARD_PANEL;
            const float *panel = packed_weights + (p * packed_k_count + k_first) * BACKWARD_PANEL;
            const float *second_panel = packed_weights + ((p + 1) * packed_k_count + k_first) * BACKWARD_PANEL;
            const intptr_t next = p + 2 < end_panel ? p + 2 : first_panel;
            const float *next_panel = packed_weights + (next * packed_k_count + k_first) * BACKWARD_PANEL;
            for (intptr_t b = 0; b < batch; b += PAIR_BLOCK_ROWS) {
                const intptr_t block = b / PAIR_BLOCK_ROWS;
                // Both next panels' rows k_first.. (one run of 4 k_count lines only when the
                // call reads the whole of each panel; otherwise the first panel's alone).
                const intptr_t region = packed_k_count == k_count ? 4 : 2;
                const float *upcoming = prefetches && block * pair_lines < region
                                            ? next_panel + block * k_count * pair_lines * 16
                                            : 0;
#define PAIR_BLOCK(n) \
    accumulate_pair_block(n, k_count, hidden, unit, a + b * lda + k_first, lda, panel, second_panel, c + b * hidden, \
                          overwrite, upcoming, pair_lines)
                DISPATCH_PAIR_ROWS(batch - b, PAIR_BLOCK)
#undef PAIR_BLOCK
            }
        }
    }
    for (; p < end_panel; p++) {
        const intptr_t unit = p * BACKWARD_PANEL;
        const intptr_t width = hidden - unit < BACKWARD_PANEL ? hidden - unit : BACKWARD_PANEL;
        const float *panel = packed_weights + (p * packed_k_count + k_first) * BACKWARD_PANEL;
        const intptr_t next = p + 1 < end_panel ? p + 1 : first_panel;
        const float *next_panel = packed_weights + (next * packed_k_count + k_first) * BACKWARD_PANEL;
        for (intptr_t b = 0; b < batch; b += BLOCK_ROWS) {
            const intptr_t block = b / BLOCK_ROWS;
            const float *upcoming =
                prefetches && block * upcoming_lines < 2 ? next_panel + block * k_count * upcoming_lines * 16 : 0;
#define ACCUMULATE_BLOCK(n) \
    accumulate_block(n, k_count, hidden, unit, width, a + b * lda + k_first, lda, panel, c + b * hidden, overwrite, \
                     upcoming, upcoming_lines)
            DISPATCH_ROWS(batch - b, ACCUMULATE_BLOCK)
#undef ACCUMULATE_BLOCK
        }
    }
}

void gru_packed_accumulate_product(
    intptr_t batch, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel,
    const float *a, intptr_t lda, const float *packed_weights, float *c) {
    gru_packed_product_rows(batch, 0, k_count, k_count, hidden, first_panel, end_panel, a, lda, packed_weights, c, false);
}
