// The CPUs this process may run on, for sizing the thread team (see AvailableCores.swift):
// Swift's Glibc module does not export sched_getaffinity or CPU_COUNT.
#ifndef GRUKIT_CPU_AFFINITY_H
#define GRUKIT_CPU_AFFINITY_H

#include <stdint.h>

// The number of CPUs in this process's affinity mask, or 0 where it is not known (not Linux,
// or the call failed).
intptr_t gru_affinity_cpu_count(void);

#endif
