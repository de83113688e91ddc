/* diag.h — the program's name, its messages, exit codes, and the one
 * out-of-memory policy.
 *
 * Every layer reports through these: "ls-x: message" on stderr, exit codes
 * from sysexits. Running out of memory is not an error a caller can handle
 * usefully in these tools, so, as git's xmalloc does, the x* allocators
 * print "ls-x: out of memory" and exit 70; nothing else checks for NULL. */
#ifndef LS_DIAG_H
#define LS_DIAG_H
#include <stddef.h>

/* sysexits (as in DESIGN.md's record contract) */
enum { EX_OK_ = 0, EX_USAGE_ = 64, EX_DATAERR_ = 65, EX_NOINPUT_ = 66,
       EX_UNAVAILABLE_ = 69, EX_SOFTWARE_ = 70, EX_CANTCREAT_ = 73, EX_IOERR_ = 74 };

extern const char *ls_progname;		/* set by ls_parse; "ls" until then */

void ls_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ls_die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void ls_oom(void) __attribute__((noreturn));	/* "out of memory", exit 70 */

void *xmalloc(size_t n) __attribute__((returns_nonnull, malloc));
void *xcalloc(size_t n, size_t size) __attribute__((returns_nonnull, malloc));
void *xrealloc(void *p, size_t n) __attribute__((returns_nonnull));
char *xstrdup(const char *s) __attribute__((returns_nonnull, malloc));

#endif
