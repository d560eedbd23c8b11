/* sim/check.h: assertions and throw, always on.
 *
 * Three tiers, after TigerBeetle and SQLite:
 *  SIM_ASSERT(x)   an invariant; checked in every build, aborts with file, line, expression.
 *  SIM_DASSERT(x)  an expensive whole-state check; only with -DSIM_HARD=1.
 *  ALWAYS(x)/NEVER(x) defensive branches believed always/never taken.
 * sim_throw("func: what") is the runtime's throw(): a broken scheduler invariant.
 * Errors in user input are never assertions: they return an error with a message.
 */
#ifndef SIM_CHECK_H
#define SIM_CHECK_H

#include <stdint.h>

void sim__assert_fail(const char *expr, const char *file, int line) __attribute__((noreturn));
void sim_throw(const char *msg) __attribute__((noreturn));

#define SIM_ASSERT(x) \
    (__builtin_expect(!!(x), 1) ? (void)0 : sim__assert_fail(#x, __FILE__, __LINE__))
#if defined(SIM_HARD) && SIM_HARD
#define SIM_DASSERT(x) SIM_ASSERT(x)
#else
#define SIM_DASSERT(x) ((void)0)
#endif
#define ALWAYS(x) ((x) ? 1 : (SIM_ASSERT(0 && #x), 0))
#define NEVER(x) ((x) ? (SIM_ASSERT(0 && #x), 1) : 0)

#endif
