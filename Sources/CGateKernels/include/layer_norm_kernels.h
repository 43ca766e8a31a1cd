// The layer-norm GRU's elementwise kernels, vectorized: layer normalization of rows without a
// shift, y = x^ * gain with x^ = (x - mean(x)) / sqrt(var(x) + eps) over each row's W values
// (biased variance, as torch.nn.functional.layer_norm), its backward, and a time step's
// normalization of the recurrent product fused with the gates, forward and backward (the math
// is on GRUNetworks' LayerNormGRUCell). GRUTensor's LayerNormGateKernels.swift wraps them;
// NaiveLayerNormGateKernels.swift is their slow twin for tests.
//
// Legend: R rows, W the row width, B batch rows, H hidden size; in the GRU W = 3H and the gate
// blocks of each row are r, z, n. A row b is active at time t when t < lengths[b].
//
// Backward needs each normalized row's x^ and 1 / sqrt(var + eps); forward keeps them in a
// normalization cache, rows `cache_stride` apart (see gru_layer_norm_cache_stride): x^ in
// floats 0..<W, 1 / sqrt(var + eps) at float W. Caching them costs a pass of stores where
// recomputing them costs the product that made x again.
#ifndef GRUKIT_LAYER_NORM_KERNELS_H
#define GRUKIT_LAYER_NORM_KERNELS_H

#include <stdint.h>

// The epsilon inside the square root, PyTorch's and Haste's default.
#define GRU_LAYER_NORM_EPSILON 1e-5f

// The row stride of a normalization cache of rows of width W: W + 1 floats rounded up to 16,
// so that rows of an aligned cache start on 64-byte boundaries.
intptr_t gru_layer_norm_cache_stride(intptr_t width);

// Normalizes R rows of x (rows x_stride apart) in place, x becoming x^ * gain (W), and, when
// cache is not NULL, writes each row's x^ and 1 / sqrt(var + eps) into its cache row.
void gru_layer_norm_rows(
    intptr_t rows, intptr_t width, float *x, intptr_t x_stride, const float *gain, float *cache,
    intptr_t cache_stride);

// Backward of gru_layer_norm_rows over R rows: gradient (rows gradient_stride apart) holds
// dL/dy and becomes dL/dx; with g = dL/dy * gain, dL/dx = (g - mean(g) - x^ mean(g x^)) /
// sqrt(var + eps), x^ and 1 / sqrt(var + eps) read from the cache rows. When gain_gradient
// (W) is not NULL, dL/dy * x^ of every row is added to it.
void gru_layer_norm_backward_rows(
    intptr_t rows, intptr_t width, float *gradient, intptr_t gradient_stride, const float *cache,
    intptr_t cache_stride, const float *gain, float *gain_gradient);

// One forward step of B rows, from recurrent_product (B, 3H) = h_{t-1} W_hh^T and
// input_projection (B, 3H) = gx without b_ih (the normalized W_ih x_t times its gain):
//   gh = x^ * recurrent_gain + recurrent_bias, x^ the normalized recurrent product,
//   r = sigmoid(gx_r + b_ir + gh_r), z = sigmoid(gx_z + b_iz + gh_z),
//   n = tanh(gx_n + b_in + r * gh_n), h_t = n + z * (h_{t-1} - n).
// previous_state and state are (B, H); row b's h_t also goes to output + b * output_stride
// when output is not NULL. When gates is not NULL it receives r, z, n (B, 3H) and
// candidate_hidden_term (B, H) gh_n; when cache is not NULL, its rows receive x^ and
// 1 / sqrt(var + eps) of the recurrent product. An inactive row carries its state, outputs
// zeros and stores zeros in gates, candidate_hidden_term and its cache row.
void gru_layer_norm_forward_step(
    intptr_t batch, intptr_t hidden, intptr_t time, const intptr_t *lengths, const float *recurrent_product,
    const float *input_projection, const float *recurrent_gain, const float *recurrent_bias,
    const float *input_bias, const float *previous_state, float *state, float *output, intptr_t output_stride,
    float *gates, float *candidate_hidden_term, float *cache, intptr_t cache_stride);

// One backward step of B rows, from dL/dh_t (state_gradient, (B, H)), h_{t-1}, the forward
// step's gates (r, z, n), candidate_hidden_term (gh_n) and cache rows:
//   input_projection_gradient (B, 3H) receives dL/dgx, gates is overwritten with dL/dgh
//   (dr, dz, dn * r), previous_state_gradient (B, H) receives dh * z (the direct part of
//   dL/dh_{t-1}), and product_gradient (B, 3H) receives dL/d(h_{t-1} W_hh^T), the recurrent
//   normalization's backward of dL/dgh with recurrent_gain.
// An inactive row passes dh through to previous_state_gradient and writes zeros elsewhere.
void gru_layer_norm_backward_step(
    intptr_t batch, intptr_t hidden, intptr_t time, const intptr_t *lengths, const float *state_gradient,
    const float *previous_state, float *gates, const float *candidate_hidden_term, const float *cache,
    intptr_t cache_stride, const float *recurrent_gain, float *input_projection_gradient,
    float *previous_state_gradient, float *product_gradient);

#endif
