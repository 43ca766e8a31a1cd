// Which version of each low-precision product runs: what the processor has, the environment's
// choice for benchmarks, and a test's (quantized_kernels.h).
#include "quantized_kernels.h"

#include "quantized_layout.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static bool processor_has(gru_quantized_path path, bool int8) {
    if (path == GRU_QUANTIZED_PATH_PORTABLE || path == GRU_QUANTIZED_PATH_AUTO) return true;
#if HAS_X86_VERSIONS
    __builtin_cpu_init();
    const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                        __builtin_cpu_supports("avx512vl");
    if (path == GRU_QUANTIZED_PATH_AVX512) {
        return avx512 && (int8 ? __builtin_cpu_supports("avx512vnni") : __builtin_cpu_supports("avx512bf16"));
    }
    if (path == GRU_QUANTIZED_PATH_AVX2) return int8 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return false;
}

// The fastest version first.
static gru_quantized_path best_path(bool int8) {
    if (processor_has(GRU_QUANTIZED_PATH_AVX512, int8)) return GRU_QUANTIZED_PATH_AVX512;
    if (processor_has(GRU_QUANTIZED_PATH_AVX2, int8)) return GRU_QUANTIZED_PATH_AVX2;
    return GRU_QUANTIZED_PATH_PORTABLE;
}

// AUTO's version: the environment's where the processor has it, else the best.
static gru_quantized_path default_path(bool int8) {
    const char *name = getenv(int8 ? "GRUKIT_INT8_PATH" : "GRUKIT_BF16_PATH");
    if (name) {
        gru_quantized_path named = GRU_QUANTIZED_PATH_AUTO;
        if (strcmp(name, int8 ? "vnni" : "avx512bf16") == 0) named = GRU_QUANTIZED_PATH_AVX512;
        else if (int8 && strcmp(name, "avx2") == 0) named = GRU_QUANTIZED_PATH_AVX2;
        else if (strcmp(name, "portable") == 0) named = GRU_QUANTIZED_PATH_PORTABLE;
        if (named != GRU_QUANTIZED_PATH_AUTO && processor_has(named, int8)) return named;
    }
    return best_path(int8);
}

// The default versions, AUTO until the first product resolves them, and the calling thread's
// choice (tests run side by side, each on its own thread while it calls the products).
static _Atomic int int8_default = GRU_QUANTIZED_PATH_AUTO, bf16_default = GRU_QUANTIZED_PATH_AUTO;
static _Thread_local int int8_choice = GRU_QUANTIZED_PATH_AUTO, bf16_choice = GRU_QUANTIZED_PATH_AUTO;

static gru_quantized_path chosen(int choice, _Atomic int *fallback, bool int8) {
    if (choice != GRU_QUANTIZED_PATH_AUTO) return (gru_quantized_path)choice;
    int path = atomic_load_explicit(fallback, memory_order_relaxed);
    if (path == GRU_QUANTIZED_PATH_AUTO) {
        path = default_path(int8);
        atomic_store_explicit(fallback, path, memory_order_relaxed);
    }
    return (gru_quantized_path)path;
}

static bool choose(int *choice, gru_quantized_path path, bool int8) {
    if (!processor_has(path, int8)) return false;
    *choice = path;
    return true;
}

bool gru_int8_path_available(gru_quantized_path path) { return processor_has(path, true); }
bool gru_int8_set_path(gru_quantized_path path) { return choose(&int8_choice, path, true); }
gru_quantized_path gru_int8_path(void) { return chosen(int8_choice, &int8_default, true); }

bool gru_bf16_path_available(gru_quantized_path path) { return processor_has(path, false); }
bool gru_bf16_set_path(gru_quantized_path path) { return choose(&bf16_choice, path, false); }
gru_quantized_path gru_bf16_path(void) { return chosen(bf16_choice, &bf16_default, false); }
