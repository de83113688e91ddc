/* progress.h — a live one-line progress bar on stderr: count, rate, ETA.
 * Redrawn at most 10 times a second; the caller decides whether it is on
 * (default: stderr is a tty; --progress forces it, --no-progress/--quiet off). */
#ifndef LS_PROGRESS_H
#define LS_PROGRESS_H
#include <stddef.h>

typedef struct progress progress;

progress *progress_start(const char *label, int enabled);
/* done and total in records or bytes; total 0 = unknown (no ETA). */
void progress_update(progress *p, size_t count, size_t done, size_t total);
void progress_end(progress *p);	/* clears the line */
/* Take the bar off its line before other output goes to the same terminal;
 * the next update draws it again. */
void progress_clear(progress *p);

#endif
