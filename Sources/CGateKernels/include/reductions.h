// Whole-buffer reductions that the Swift compiler does not vectorize (it cannot rule out
// aliasing, and an early exit stops it), written so that clang does.
#ifndef GRUKIT_REDUCTIONS_H
#define GRUKIT_REDUCTIONS_H

#include <stdbool.h>
#include <stdint.h>

// sums[j] += sum over rows of matrix[row * stride + j] for j < width: a bias gradient from
// (rows, width) gate gradients, or a block of its columns. sums must not overlap matrix.
void gru_add_column_sums(intptr_t rows, intptr_t width, intptr_t stride, const float *matrix, float *sums);

// Whether every value is finite (neither NaN nor infinite).
bool gru_all_finite(intptr_t count, const float *values);

#endif
