/* t.h — a minimal TAP producer for unit tests.
 *
 *   T_OK(cond, "what")          one check
 *   T_EQ_STR(got, want, "what") string equality, prints both on failure
 *   T_EQ_INT(got, want, "what")
 *   T_SKIP("why")               one skipped check (the machine cannot)
 *   T_SKIP_DEP("what")          one skipped for a missing dependency
 *   return t_done();            exit status: 0 when nothing failed
 *
 * tests/run counts "ok"/"not ok" lines across every test program. */
#ifndef T_H
#define T_H
#include <stdio.h>
#include <string.h>

static int t_n, t_failed;

static inline int t_ok(int cond, const char *file, int line, const char *what)
{
	t_n++;
	if (cond)
		printf("ok %d - %s\n", t_n, what);
	else {
		t_failed++;
		printf("not ok %d - %s (%s:%d)\n", t_n, what, file, line);
	}
	fflush(stdout);
	return cond;
}

#define T_OK(c, what) t_ok(!!(c), __FILE__, __LINE__, (what))
#define T_EQ_STR(got, want, what) do { \
	const char *g_ = (got), *w_ = (want); \
	if (!t_ok(g_ && w_ && !strcmp(g_, w_), __FILE__, __LINE__, (what))) \
		printf("#   got:  %s\n#   want: %s\n", g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
} while (0)
#define T_EQ_INT(got, want, what) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (!t_ok(g_ == w_, __FILE__, __LINE__, (what))) \
		printf("#   got:  %lld\n#   want: %lld\n", g_, w_); \
} while (0)
#define T_SKIP(why) do { t_n++; printf("ok %d # SKIP %s\n", t_n, (why)); } while (0)
/* A dependency (a package, a reference file) is missing: tests/run fails
 * this under CI=true. */
#define T_SKIP_DEP(what) do { t_n++; printf("ok %d # SKIP missing dependency: %s\n", t_n, (what)); } while (0)

static inline int t_done(void)
{
	printf("1..%d\n", t_n);
	return t_failed ? 1 : 0;
}
#endif
