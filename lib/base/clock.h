/* clock.h — the monotonic clock, for durations and rates (never dates). */
#ifndef LS_CLOCK_H
#define LS_CLOCK_H

double ls_now(void);		/* seconds since an arbitrary fixed point */

#endif
