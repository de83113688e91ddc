/* sandbox.h — run untrusted code in a forked child, and supervise it.
 *
 * Two levels (docs/SANDBOX.md has the whole design and its limits):
 *
 *   sbx_spawn()  forks a long-lived host process (a "zygote") into new user,
 *                pid, net, mount, ipc and uts namespaces where the kernel
 *                allows; the caller's process maps the zygote's uids to
 *                unprivileged ones. sbx_new() then finishes the setup inside
 *                the zygote: a private /dev/shm, a pid-namespace init, the seccomp
 *                program (built once), the environment allow-list.
 *   sbx_run()    forks one child per example from the zygote. The child gets
 *                stdin from /dev/null, pipes for stdout/stderr, a result pipe
 *                on SBX_RESULT_FD, a fresh size-limited tmpfs as its working
 *                directory, rlimits, an unprivileged uid, a Landlock domain
 *                (write only in the working directory, read only under
 *                allowed roots, no signals out of the domain) and the seccomp
 *                filter; then it calls fn. The zygote enforces wall time and
 *                the output caps, kills the child's whole process group, and
 *                returns what happened in an sbx_outcome.
 *
 * Nothing here knows about Python: lib/exec/interp.c puts an interpreter behind fn.
 */
#ifndef LS_SANDBOX_H
#define LS_SANDBOX_H
#include <stddef.h>
#include <sys/types.h>

#define SBX_RESULT_FD 3		/* the child's end of the result channel */
#define SBX_WORKDIR "/dev/shm/ls-exec-work"	/* the child's cwd, HOME and TMPDIR */

typedef struct {
	int cpu_s;		/* RLIMIT_CPU soft limit (s); the hard limit is one more */
	int cpu_ms;		/* a finer CPU limit below cpu_s (ms): a CPU timer sends
				 * SIGPROF; code that catches or disarms it still meets
				 * RLIMIT_CPU. 0: none */
	double wall_s;		/* killed after this much wall time */
	size_t mem;		/* RLIMIT_AS, bytes */
	size_t fsize;		/* RLIMIT_FSIZE, bytes */
	size_t disk;		/* size of the working directory's tmpfs, bytes */
	size_t output;		/* stdout + stderr kept; more kills the child */
	size_t result;		/* result channel cap, bytes */
	int nofile, nproc;	/* RLIMIT_NOFILE, RLIMIT_NPROC (threads count) */
} sbx_limits;

void sbx_limits_default(sbx_limits *l);

/* What is in force; sbx_isolation() lists them for warnings and docs. */
enum {
	SBX_USERNS = 1 << 0, SBX_PIDNS = 1 << 1, SBX_NETNS = 1 << 2, SBX_MNTNS = 1 << 3,
	SBX_IPCNS = 1 << 4, SBX_UTSNS = 1 << 5, SBX_UIDDROP = 1 << 6, SBX_LANDLOCK = 1 << 7,
	SBX_LANDLOCK_SCOPE = 1 << 8, SBX_SECCOMP = 1 << 9,
};

/* Fork the zygote: in the child, fn(arg) runs and its return value is the
 * exit status; the parent gets the pid (or -1, errno set). worker selects the
 * unprivileged uids (distinct per worker so siblings cannot signal each
 * other). Call from a single-threaded process or before threads start. */
pid_t sbx_spawn(int worker, int (*fn)(void *), void *arg);

typedef struct sbx sbx;

/* Inside the zygote: finish the setup (see above). Never fails for lack of a
 * kernel feature: what is missing is left out of sbx_flags() and reported
 * once by the caller. NULL only when the seccomp program cannot be built. */
sbx *sbx_new(const sbx_limits *lim, char *err, size_t errsz);
unsigned sbx_flags(const sbx *s);
/* "user,pid,net,..." present (missing=0) or missing (missing=1) */
void sbx_isolation(unsigned flags, int missing, char *buf, size_t bufsz);
void sbx_free(sbx *s);

enum { SBX_KILL_NONE, SBX_KILL_WALL, SBX_KILL_OUTPUT, SBX_KILL_RESULT };

typedef struct {
	int exited, code, signo;	/* from the wait status */
	int killed;			/* SBX_KILL_* when the supervisor killed it */
	long cpu_ms, wall_ms, maxrss_kb;
	char *out; size_t outlen;	/* stdout and stderr, interleaved, capped */
	int out_truncated;
	char *result; size_t resultlen;	/* everything written on SBX_RESULT_FD */
	int stray;			/* processes of the child left after it (killed) */
} sbx_outcome;

/* Run fn(arg) in a sandboxed child (fn must not return normally: it _exit()s;
 * if it returns, the child exits with its value). read_roots: extra
 * directories the child may read (NULL-terminated; may be NULL). The caller
 * of sbx_run owns o and frees it with sbx_outcome_free. Returns 0, or -1 when
 * the child could not be started (message in err). */
int sbx_run(sbx *s, const char *const *read_roots, int (*fn)(void *), void *arg,
	    sbx_outcome *o, char *err, size_t errsz);
void sbx_outcome_free(sbx_outcome *o);

/* Hosts: a process forked from the zygote that enters the sandbox first
 * (uid drop, Landlock over read_roots, rlimits, and a seccomp filter that
 * still lets it fork but not make namespaces or run programs), then does
 * untrusted set-up work once (lib/exec/interp.c: imports a repository's package)
 * and serves sbx_run() requests itself: its children get the full filter
 * stacked on its own and share its working directory one at a time, emptied
 * after each. fn(arg, in, out) runs in the host (its set-up, then
 * sbx_host_ready, then serving) with its ends of the caller's pipes (in and out are moved to SBX_HOST_IN/OUT; every other fd is
 * closed). Only where the zygote has a mount namespace (sbx_can_host). */
#define SBX_HOST_IN 5
#define SBX_HOST_OUT 6
int sbx_can_host(const sbx *s);
pid_t sbx_host_start(sbx *s, const char *const *read_roots, int in, int out,
		     int (*fn)(void *, int, int), void *arg, char *err, size_t errsz);
/* In a host, when its set-up work is done. Until then it could create no
 * process or thread (RLIMIT_NPROC 1: no more than a child could); now it
 * can, and what the set-up wrote in the working directory is gone. -1 when
 * the set-up changed its process limit (the host must not serve). */
int sbx_host_ready(sbx *s);
/* In a host that is ready, before more set-up work (a record's own module):
 * process and thread creation refused again until the next sbx_host_ready. */
int sbx_host_unready(sbx *s);
/* Kill the host and everything it started; empty its working directory. */
void sbx_host_stop(sbx *s, pid_t host);

/* Environment allow-list: clears the environment and keeps LANG, LC_ALL, LC_CTYPE, TZ;
 * sets PATH, HOME and TMPDIR (to SBX_WORKDIR), PYTHONHASHSEED=0. */
void sbx_env_reset(void);

/* For tests: the seccomp program's size in instructions. */
int sbx_filter_len(const sbx *s);

#endif
