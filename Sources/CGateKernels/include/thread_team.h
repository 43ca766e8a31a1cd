// A team of persistent threads for work that synchronizes many times a second: a GRU step
// split across the cores joins once per time step, every few microseconds, where waking a
// thread through the OS (Dispatch, a condition variable) costs tens of microseconds.
//
// The team's threads spin for a short while after each run before they sleep, and the parts
// of one run meet at a spinning barrier. One run at a time: a run asked for while another is
// under way, or from inside a run, goes on the caller alone (parts = 1), so callers must
// split their work by the `parts` they are given, not by the number they asked for.
#ifndef GRUKIT_THREAD_TEAM_H
#define GRUKIT_THREAD_TEAM_H

#include <stdint.h>

// One part of a run: part in 0..<parts.
typedef void (*gru_team_task)(void *context, intptr_t part, intptr_t parts);

// Runs task(context, p, parts) for every p in 0..<parts, part 0 on the calling thread, the
// others on the team's threads (started on first use), and returns when all are done.
// Returns the number of parts it ran with: `parts`, or 1 when the team was busy.
intptr_t gru_team_run(intptr_t parts, gru_team_task task, void *context);

// Waits until every part of the current run has reached this barrier; every part must call
// it the same number of times. A no-op in a run of one part.
void gru_team_barrier(void);

#endif
