// The panel layout and the x86 version switches the int8 and bf16 products share. Private to
// CGateKernels.
#ifndef GRUKIT_QUANTIZED_LAYOUT_H
#define GRUKIT_QUANTIZED_LAYOUT_H

#include "quantized_kernels.h"

#include <stdint.h>

// The hand-written versions need clang's x86 intrinsics and its target attribute.
#if defined(__x86_64__) && defined(__clang__)
#define HAS_X86_VERSIONS 1
#else
#define HAS_X86_VERSIONS 0
#endif

#define PANEL 16
#define PANEL_ROW (3 * PANEL)

static inline intptr_t panel_count(intptr_t hidden) { return (hidden + PANEL - 1) / PANEL; }

// The gate ranges the GRU's steps ask for: all three, r and z, or n alone.
static inline bool is_known_gate_range(intptr_t first_gate, intptr_t gate_count) {
    return (first_gate == 0 && (gate_count == 3 || gate_count == 2)) || (first_gate == 2 && gate_count == 1);
}

// A block kernel run with its gate range as constants too, so that it keeps exactly its
// accumulators; GATES(n, first, count) calls it.
#define DISPATCH_GATE_RANGE(GATES, n) \
    do { \
        if (first_gate == 0 && gate_count == 3) GATES(n, 0, 3); \
        else if (first_gate == 0 && gate_count == 2) GATES(n, 0, 2); \
        else GATES(n, 2, 1); \
    } while (0)

#endif
