// The GRU's recurrent step with W_hh packed once into panels, so that no step
// repacks the weights (as a BLAS GEMM call does, every call) and the gates are applied while
// the products are still in registers. Threads share a step by panels (hidden units) or, each
// call taking a block of rows, by batch rows.
//
// Legend: B batch rows, H hidden size, P panels. Gate blocks in each (B, 3H) row are r, z, n.
// A row b is active at time t when t < lengths[b]; inactive rows carry their state, output
// zeros and store zero caches, as gate_kernels.h's kernels do.
#ifndef GRUKIT_RECURRENT_KERNELS_H
#define GRUKIT_RECURRENT_KERNELS_H

#include <stdbool.h>
#include <stdint.h>

// The instruction set of the kernel versions the loader chose for this processor: "AVX-512",
// "AVX2" or "x86-64 baseline" on x86-64 Linux, where each kernel is built in those three.
const char *gru_kernel_instruction_set(void);
// Whether blocks of one or two rows prefetch their weights ahead: yes but on AMD processors,
// whose hardware prefetcher keeps up without it.
bool gru_kernel_prefetches_few_rows(void);

// Hidden units per forward panel, and per backward panel.
#define GRU_FORWARD_PANEL_UNITS 16
#define GRU_BACKWARD_PANEL_UNITS 32

// Floats of the forward packing of a (3H, H) W_hh: P = ceil(H / 16) panels of (H, 48).
intptr_t gru_forward_packed_count(intptr_t hidden);

// Packs W_hh (3H, H) row-major and b_hh (3H) for the forward step: panel p holds, for each
// k, the r, z and n weights of units 16p..<16p+16 from h[k]; units past H are zero. The bias
// goes to (P, 48) in the same order (zeros when bias is NULL).
void gru_pack_forward_weights(
    intptr_t hidden, const float *weights, const float *bias, float *packed, float *packed_bias);

// Packs a (3H) bias alone into the same (P, 48) order: b_ih, which the step can add itself so
// that the input projection needs no pass over its (T*B, 3H) rows to put it there.
void gru_pack_forward_bias(intptr_t hidden, const float *bias, float *packed_bias);

// One reset-after step for the units of panels first_panel..<end_panel:
//   gh = b_hh + W_hh h_{t-1}, r = sigmoid(gx_r + gh_r), z = sigmoid(gx_z + gh_z),
//   n = tanh(gx_n + r * gh_n), h_t = n + z * (h_{t-1} - n).
// input_projection (B, 3H) holds gx = W_ih x_t + b_ih, or W_ih x_t alone when
// packed_input_bias (b_ih packed by gru_pack_forward_bias) is not NULL: the kernel adds it.
// previous_state and state are (B, H). The product reads recurrent_input (B, H) instead of
// previous_state when it is not NULL: h_{t-1} * mask under recurrent dropout (Keras's
// semantics: the products see the masked state, the update h_t the state itself).
// When output is not NULL, row b's units go to output + b * output_stride (zeros for an
// inactive row). When gates is not NULL it receives r, z, n (B, 3H) and
// candidate_hidden_term (B, H) receives gh_n, the caches that backward needs.
void gru_reset_after_packed_step(
    intptr_t batch, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t time,
    const intptr_t *lengths, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input_projection, const float *previous_state,
    const float *recurrent_input, float *state, float *output, intptr_t output_stride, float *gates,
    float *candidate_hidden_term);

// The input projection computed per panel, by the thread that owns the panel's units: W_ih
// (3H, I) packed like W_hh, in P panels of (I, 48). Floats of the packing, and the packing.
intptr_t gru_input_packed_count(intptr_t input_size, intptr_t hidden);
void gru_pack_input_weights(intptr_t input_size, intptr_t hidden, const float *weights, float *packed);

// projection[b, g * H + u] = sum_k W_ih[g * H + u, k] input[b, k] (no bias) for `rows` rows b
// (input row stride input_stride, projection row stride 3H), gates g = r, z, n and the units
// u of panels first_panel..<end_panel: the columns that the same panels' steps read, so a
// thread that owns those panels reads only its share of W_ih. Other columns are untouched.
void gru_packed_input_product(
    intptr_t rows, intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel,
    const float *packed, const float *input, intptr_t input_stride, float *projection);

// One reset-after step of one sequence (B = 1, streaming) for the units of panels
// first_panel..<end_panel, walked from the last when `descending`: each panel's input
// projection W_ih x_t (input: I floats, packed_input_weights by gru_pack_input_weights) is
// summed in registers right before its recurrent sums, so the step reads one stream of
// weights and writes no projection. Results are those of gru_packed_input_product followed by
// gru_reset_after_packed_step, bit for bit; biases, time, lengths (one entry), state and output
// as there (output: H floats or NULL).
void gru_reset_after_streaming_step(
    intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, bool descending, intptr_t time,
    const intptr_t *lengths, const float *packed_input_weights, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input, const float *previous_state, float *state, float *output);

// The reset-before step in two passes over the same packing, for the units of panels
// first_panel..<end_panel; every unit's r * h_{t-1} must be complete before any candidate:
//   gates:     r = sigmoid(gx_r + b_hr + W_hr h_{t-1}), z likewise, into gates (B, 3H) columns
//              r and z; reset_state (B, H) receives r * h_{t-1} (zero on an inactive row).
//   candidate: n = tanh(gx_n + b_hn + W_hn (r * h_{t-1})), h_t = n + z * (h_{t-1} - n); gates
//              column n receives n (an inactive row's r, z and n all zero), state and output
//              as in gru_reset_after_packed_step.
// gx and packed_input_bias as in gru_reset_after_packed_step.
void gru_reset_before_packed_gates(
    intptr_t batch, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t time,
    const intptr_t *lengths, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input_projection, const float *previous_state,
    float *gates, float *reset_state);

void gru_reset_before_packed_candidate(
    intptr_t batch, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, intptr_t time,
    const intptr_t *lengths, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input_projection, const float *previous_state,
    const float *reset_state, float *gates, float *state, float *output, intptr_t output_stride);

// Reset-before's first pass for one sequence (B = 1, streaming), its input projection summed
// in registers as in gru_reset_after_streaming_step (panels walked from the last when
// `descending`): gates and reset_state as gru_reset_before_packed_gates writes them, and the
// n columns of input_projection (3H) receive W_ih,n x_t for gru_reset_before_packed_candidate,
// which then runs unchanged. Bit for bit the results of gru_packed_input_product followed by
// gru_reset_before_packed_gates.
void gru_reset_before_streaming_gates(
    intptr_t input_size, intptr_t hidden, intptr_t first_panel, intptr_t end_panel, bool descending, intptr_t time,
    const intptr_t *lengths, const float *packed_input_weights, const float *packed_weights, const float *packed_bias,
    const float *packed_input_bias, const float *input, const float *previous_state, float *input_projection,
    float *gates, float *reset_state);

// Floats of the backward packing of a (K, H) matrix: ceil(H / 32) panels of (K, 32).
intptr_t gru_backward_packed_count(intptr_t k_count, intptr_t hidden);

// Packs a (K, H) row-major matrix (W_hh with K = 3H) by column panels: panel p holds, for
// each k, columns 32p..<32p+32 of row k; columns past H are zero.
void gru_pack_backward_weights(intptr_t k_count, intptr_t hidden, const float *weights, float *packed);

// c[b, u] += sum_k a[b, k] W[k, u] for the units u of panels first_panel..<end_panel:
// a (B, K) with row stride lda, c (B, H) with row stride H, W packed by
// gru_pack_backward_weights. In backward, dL/dh_{t-1} += dL/d(hidden projection) W_hh.
void gru_packed_accumulate_product(
    intptr_t batch, intptr_t k_count, intptr_t hidden, intptr_t first_panel, intptr_t end_panel,
    const float *a, intptr_t lda, const float *packed_weights, float *c);

// The same product over rows k_first..<k_first+k_count of the packed (packed_k_count, H)
// matrix and the same columns of a, stored over c when `overwrite`, else added. Reset-before's
// backward multiplies by W_hn (rows 2H..<3H) and W_h[r, z] (rows 0..<2H) separately.
void gru_packed_product_rows(
    intptr_t batch, intptr_t k_first, intptr_t k_count, intptr_t packed_k_count, intptr_t hidden,
    intptr_t first_panel, intptr_t end_panel, const float *a, intptr_t lda, const float *packed_weights,
    float *c, bool overwrite);

#endif
