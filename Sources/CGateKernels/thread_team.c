// The thread team behind gru_team_run; see thread_team.h for why it exists.
#include "thread_team.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <time.h>

#define TEAM_CAPACITY GRU_TEAM_CAPACITY
// The run word keeps a run's part count in its low 6 bits.
_Static_assert(TEAM_CAPACITY < 64, "a run's part count fits in 6 bits");
// A waiting thread spins this long before it yields the core (barrier) or sleeps (idle
// worker): long enough to cover a time step, short enough not to starve other work.
#define SPIN_NANOSECONDS 200000

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#endif
}

static inline int64_t now_nanoseconds(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

// Spins until *word differs from `seen`; past the spin budget it yields the core between
// looks, so an oversubscribed machine still makes progress.
static inline void wait_for_change(_Atomic intptr_t *word, intptr_t seen) {
    int64_t start = 0;
    for (unsigned spins = 1;; spins++) {
        if (atomic_load_explicit(word, memory_order_acquire) != seen) return;
        cpu_relax();
        if ((spins & 255) == 0) {
            int64_t now = now_nanoseconds();
            if (start == 0) start = now;
            else if (now - start > SPIN_NANOSECONDS) sched_yield();
        }
    }
}

static struct {
    pthread_mutex_t run_lock;  // held by the thread whose run is under way
    pthread_mutex_t sleep_lock;
    pthread_cond_t wake;
    intptr_t started;  // team threads started so far (under run_lock)

    // A run's generation and part count in one word, (generation << 6) | parts, changed to
    // start a run: a thread that is not in a run reads its part count together with the run,
    // never another run's.
    _Atomic intptr_t run_word;
    _Atomic intptr_t sleepers;
    _Atomic intptr_t pending;  // parts not yet finished
    gru_team_task task;  // read only by the run's parts, which the next run waits for
    void *context;
} team = {
    .run_lock = PTHREAD_MUTEX_INITIALIZER,
    .sleep_lock = PTHREAD_MUTEX_INITIALIZER,
    .wake = PTHREAD_COND_INITIALIZER,
};

// The barrier: each part counts the barriers it has reached in its own cache line, and waits
// until every other part's count has caught up. A barrier then costs one cache-line transfer
// from each other part, with no contended read-modify-write. Counts restart at 0 each run.
static struct {
    _Atomic intptr_t reached;
    char padding[64 - sizeof(intptr_t)];
} arrivals[TEAM_CAPACITY] __attribute__((aligned(64)));

// Written before each thread is created, read by it once (pthread_create orders the two).
static intptr_t starting_run_word[TEAM_CAPACITY];

// Set on every thread while it runs a part of a team run, so nested runs and barriers know.
static _Thread_local bool in_team_run = false;
static _Thread_local intptr_t run_parts = 1;
static _Thread_local intptr_t run_part = 0;
static _Thread_local intptr_t barriers_reached = 0;

static void *team_thread(void *argument) {
    const intptr_t index = (intptr_t)argument;  // this thread runs part `index`
    // The run word before the run that started this thread, so it takes part in that run.
    intptr_t seen = starting_run_word[index];
    for (;;) {
        // Spin for the next run, then sleep until one is started.
        int64_t start = now_nanoseconds();
        for (unsigned spins = 1; atomic_load_explicit(&team.run_word, memory_order_acquire) == seen; spins++) {
            cpu_relax();
            if ((spins & 255) == 0 && now_nanoseconds() - start > SPIN_NANOSECONDS) {
                pthread_mutex_lock(&team.sleep_lock);
                atomic_fetch_add(&team.sleepers, 1);
                while (atomic_load(&team.run_word) == seen) pthread_cond_wait(&team.wake, &team.sleep_lock);
                atomic_fetch_sub(&team.sleepers, 1);
                pthread_mutex_unlock(&team.sleep_lock);
            }
        }
        seen = atomic_load_explicit(&team.run_word, memory_order_acquire);
        const intptr_t parts = seen & 63;
        if (index < parts) {
            in_team_run = true;
            run_parts = parts;
            run_part = index;
            barriers_reached = 0;
            team.task(team.context, index, parts);
            in_team_run = false;
            atomic_fetch_sub_explicit(&team.pending, 1, memory_order_acq_rel);
        }
    }
    return NULL;
}

intptr_t gru_team_run(intptr_t parts, bool waits_for_team, gru_team_task task, void *context) {
    if (parts > TEAM_CAPACITY) parts = TEAM_CAPACITY;
    // A run never waits from inside a run: the run it would wait for may be its own.
    if (parts <= 1 || in_team_run ||
        (waits_for_team ? pthread_mutex_lock(&team.run_lock) : pthread_mutex_trylock(&team.run_lock)) != 0) {
        bool outer = in_team_run;
        intptr_t outer_parts = run_parts;
        in_team_run = true;
        run_parts = 1;
        task(context, 0, 1);
        in_team_run = outer;
        run_parts = outer_parts;
        return 1;
    }
    while (team.started < parts - 1) {
        pthread_t thread;
        pthread_attr_t attributes;
        pthread_attr_init(&attributes);
        pthread_attr_setdetachstate(&attributes, PTHREAD_CREATE_DETACHED);
        starting_run_word[team.started + 1] = atomic_load(&team.run_word);
        int failed = pthread_create(&thread, &attributes, team_thread, (void *)(team.started + 1));
        pthread_attr_destroy(&attributes);
        if (failed) break;
        team.started++;
    }
    if (parts > team.started + 1) parts = team.started + 1;

    team.task = task;
    team.context = context;
    for (intptr_t part = 0; part < parts; part++) atomic_store_explicit(&arrivals[part].reached, 0, memory_order_relaxed);
    atomic_store_explicit(&team.pending, parts - 1, memory_order_relaxed);
    // Sequentially consistent: pairs with `sleepers`.
    atomic_store(&team.run_word, ((atomic_load(&team.run_word) >> 6) + 1) << 6 | parts);
    if (atomic_load(&team.sleepers) > 0) {
        pthread_mutex_lock(&team.sleep_lock);
        pthread_cond_broadcast(&team.wake);
        pthread_mutex_unlock(&team.sleep_lock);
    }
    in_team_run = true;
    run_parts = parts;
    run_part = 0;
    barriers_reached = 0;
    task(context, 0, parts);
    in_team_run = false;
    run_parts = 1;
    for (intptr_t left; (left = atomic_load_explicit(&team.pending, memory_order_acquire)) != 0;) {
        wait_for_change(&team.pending, left);
    }
    pthread_mutex_unlock(&team.run_lock);
    return parts;
}

void gru_team_barrier(void) {
    const intptr_t parts = run_parts;
    if (parts <= 1) return;
    const intptr_t reached = ++barriers_reached;
    atomic_store_explicit(&arrivals[run_part].reached, reached, memory_order_release);
    for (intptr_t other = 0; other < parts; other++) {
        if (other == run_part) continue;
        intptr_t seen;
        while ((seen = atomic_load_explicit(&arrivals[other].reached, memory_order_acquire)) < reached) {
            wait_for_change(&arrivals[other].reached, seen);
        }
    }
}

static _Atomic intptr_t forced_scopes = 0;

void gru_team_enter_forced_scope(void) { atomic_fetch_add_explicit(&forced_scopes, 1, memory_order_relaxed); }

void gru_team_leave_forced_scope(void) { atomic_fetch_sub_explicit(&forced_scopes, 1, memory_order_relaxed); }

// Relaxed: a scope's own task entered it before it looks, so it sees its own count; another
// task's scope never concerns this caller.
bool gru_team_has_forced_scopes(void) { return atomic_load_explicit(&forced_scopes, memory_order_relaxed) != 0; }
