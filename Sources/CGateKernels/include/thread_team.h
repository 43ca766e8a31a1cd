// A team of persistent threads for work that synchronizes many times a second: a GRU step
// split across the cores joins once per time step, every few microseconds, where waking a
// thread through the OS (Dispatch, a condition variable) costs tens of microseconds.
//
// The team's threads spin for a short while after each run before they sleep, and the parts
// of one run meet at a spinning barrier. One run at a time: a run asked for from inside a
// run goes on the caller alone (parts = 1), and so does one asked for while another is under
// way unless it waits for the team; callers must split their work by the `parts` they are
// given, not by the number they asked for.
#ifndef GRUKIT_THREAD_TEAM_H
#define GRUKIT_THREAD_TEAM_H

#include <stdbool.h>
#include <stdint.h>

// The most parts a run has: the caller and up to 15 team threads.
#define GRU_TEAM_CAPACITY 16

// One part of a run: part in 0..<parts.
typedef void (*gru_team_task)(void *context, intptr_t part, intptr_t parts);

// Runs task(context, p, parts) for every p in 0..<parts, part 0 on the calling thread, the
// others on the team's threads (started on first use), and returns when all are done.
// `parts` may exceed the cores (the parts then take turns on them, slowly), not
// GRU_TEAM_CAPACITY. When another thread's run is under way, waits for it to end if
// `waits_for_team`, else runs on the caller alone. Returns the number of parts it ran with:
// `parts` (at most GRU_TEAM_CAPACITY), or 1 from inside a run or when it did not wait; fewer
// only if the system refused to start a thread.
intptr_t gru_team_run(intptr_t parts, bool waits_for_team, gru_team_task task, void *context);

// Counts the scopes of forced part counts (Swift's ThreadTeam.withParts) open in the
// process: while none is, callers skip the task-local look-up for one, which every run and
// every read of the default part count would otherwise make (a streaming step at H = 128
// runs the team once a step, in about 2 us).
void gru_team_enter_forced_scope(void);
void gru_team_leave_forced_scope(void);
bool gru_team_has_forced_scopes(void);

// Waits until every part of the current run has reached this barrier; every part must call
// it the same number of times. A no-op in a run of one part.
void gru_team_barrier(void);

#endif
