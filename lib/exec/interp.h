/* interp.h — a warm embedded CPython ("zygote") that runs one sandboxed child per request.
 *
 * interp_start() forks the zygote through sbx_spawn(): it initialises Debian's
 * libpython3.11 once (isolated config, hash seed 0, usual modules imported,
 * gc frozen), compiles the harness, and then serves requests on a pipe. For
 * each request it decodes it (the harness's json.loads) and forks a child
 * with sbx_run(); the child calls the harness's run(request, report).
 * report() is a C function: it writes a random per-request token and the
 * verdict to SBX_RESULT_FD and _exit()s at once, so nothing the tested code
 * prints, and no exit status, can stand for a verdict.
 *
 * The protocol (both ways): a 4-byte length, then that many bytes of JSON.
 * An interp belongs to one thread at a time.
 */
#ifndef LS_PYRUN_H
#define LS_PYRUN_H
#include <jv.h>
#include "exec/sandbox.h"

typedef struct interp interp;

typedef struct {
	sbx_limits lim;
	const char *harness;		/* Python source of the harness */
	const char *harness_name;	/* its file name, for tracebacks */
	const char *const *preload;	/* modules the zygote imports (NULL-terminated), may be NULL */
	int hosts;			/* import a repository's package once per run of its records (see interp.c) */
	int pin;			/* keep worker i's zygote and children on the i-th allowed CPU (for -j > 1) */
} interp_opts;

/* Call first in main(): re-executes the program with LD_BIND_NOW=1 unless
 * it is set. Each child calls library functions the zygote never did (the
 * sandbox's set-up, Python's after-fork hooks); bound lazily, every child
 * resolves them again, ~16 page faults a record. Bound at start, once. */
void interp_bind_now(char **argv);

/* Fork and start a zygote; waits until it is ready. NULL with err on failure. */
interp *interp_start(int worker, const interp_opts *o, char *err, size_t errsz);
/* The sandbox features in force in this zygote (SBX_* flags). */
unsigned interp_flags(const interp *z);

/* Run one request (consumed). The request is passed to the harness as JSON;
 * its "read_roots" (array of directories) are opened to the child's reads.
 * Returns the zygote's answer: {"exited","code","signal","killed","cpu_ms",
 * "wall_ms","maxrss_kb","output","output_bytes","report"} where report is the
 * harness's verdict object or null; or jv_invalid_with_msg when the zygote is
 * gone (the caller may interp_stop and start another). */
jv interp_exec(interp *z, jv request);

void interp_stop(interp *z);

#endif
