/* Unit tests for lib/sandbox: a zygote without Python runs C children under
 * every limit and reports what it saw; the parent checks it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "t.h"
#include "exec/sandbox.h"

static int c_ret7(void *a) { (void)a; return 7; }
static int c_result(void *a) { (void)a; return write(SBX_RESULT_FD, "hello", 5) == 5 ? 0 : 1; }
static int c_print(void *a)
{
	(void)a;
	return write(1, "out.", 4) == 4 && write(2, "err.", 4) == 4 ? 0 : 1;
}
/* fork and execve are refused with EPERM (exit 5), not killed */
static int c_fork(void *a) { (void)a; pid_t p = fork(); if (p == 0) _exit(0); return p < 0 && errno == EPERM ? 5 : 3; }
static int c_execve(void *a)
{
	(void)a;
	char *argv[] = { "/bin/true", NULL };
	execve(argv[0], argv, NULL);
	return errno == EPERM ? 5 : 3;
}
static int c_inet(void *a) { (void)a; return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 3 : 4; }
static int c_unix(void *a) { (void)a; return socket(AF_UNIX, SOCK_STREAM, 0) >= 0 ? 0 : 1; }
static int c_spin(void *a) { (void)a; for (volatile unsigned long i = 0;; i++) ; return 0; }
static int c_sleep(void *a) { (void)a; sleep(100); return 0; }
static int c_flood(void *a)
{
	(void)a;
	static char buf[65536];
	memset(buf, 'x', sizeof buf);
	for (;;)
		if (write(1, buf, sizeof buf) < 0)
			return 1;
}
static int c_write_out(void *a)
{
	(void)a;
	int fd = open("/tmp/ls-sandbox-unit-test", O_CREAT | O_WRONLY, 0600);
	return fd < 0 && errno == EACCES ? 0 : 1;
}
static int c_uid(void *a) { (void)a; return getuid() != 0 && geteuid() != 0 ? 0 : 1; }
static int c_workdir(void *a)
{
	(void)a;
	char cwd[256];
	if (!getcwd(cwd, sizeof cwd) || strcmp(cwd, SBX_WORKDIR) || strcmp(getenv("HOME") ? getenv("HOME") : "", SBX_WORKDIR))
		return 1;
	if (open("left-behind", O_CREAT | O_WRONLY, 0600) < 0)	/* the next child must not see it */
		return 2;
	return 0;
}
static int c_empty(void *a) { (void)a; return access("left-behind", F_OK) == 0 ? 1 : 0; }
static int c_mem(void *a)
{
	(void)a;	/* mmap, not malloc: ASan's malloc would report, not fail */
	return mmap(NULL, 512ul << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED ? 0 : 1;
}
static int c_shadow(void *a) { (void)a; return open("/etc/shadow", O_RDONLY) < 0 ? 0 : 1; }
static int c_env(void *a) { (void)a; return getenv("LS_UNIT_SECRET") == NULL ? 0 : 1; }
static int c_read(void *a) { return open(a, O_RDONLY) >= 0 ? 0 : 1; }

/* A child with these read roots opens path: 0 it could, 1 it could not, -1 it did not run. */
static int read_as(sbx *s, const char *const *roots, const char *path)
{
	sbx_outcome o;
	char err[256];
	int r = sbx_run(s, roots, c_read, (void *)path, &o, err, sizeof err) == 0 && o.exited && !o.killed ? o.code : -1;
	sbx_outcome_free(&o);	/* sbx_run clears it first: safe either way */
	return r;
}

/* dir/f, made afresh (a new inode for dir). */
static void make_root(const char *dir)
{
	char f[300];
	snprintf(f, sizeof f, "%s/f", dir);
	unlink(f);
	rmdir(dir);
	mkdir(dir, 0755);
	int fd = open(f, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

/* One line per check on the pipe: "0 what" or "1 what" (or "S what" to skip). */
static int out_fd;
static void say(char c, const char *what)
{
	char line[256];
	int n = snprintf(line, sizeof line, "%c %s\n", c, what);
	if (write(out_fd, line, n) < 0)
		_exit(1);
}
#define CHECK(cond, what) say((cond) ? '0' : '1', what)

static int zygote(void *arg)
{
	out_fd = *(int *)arg;
	sbx_limits lim;
	sbx_limits_default(&lim);
	lim.cpu_s = 1;
	lim.wall_s = 1.5;
	lim.output = 64 << 10;
	lim.mem = 256ul << 20;
	char err[256] = "";
	sbx *s = sbx_new(&lim, err, sizeof err);
	CHECK(s != NULL, "sbx_new");
	if (!s)
		return 1;
	unsigned f = sbx_flags(s);
	CHECK(sbx_filter_len(s) > 20, "the seccomp program is built");
	sbx_outcome o;
#define RUN(fn) (sbx_run(s, NULL, fn, NULL, &o, err, sizeof err) == 0)
	CHECK(RUN(c_ret7) && o.exited && o.code == 7 && !o.killed, "exit status comes back");
	sbx_outcome_free(&o);
	CHECK(RUN(c_result) && o.resultlen == 5 && !memcmp(o.result, "hello", 5), "the result channel");
	sbx_outcome_free(&o);
	CHECK(RUN(c_print) && o.out && strstr(o.out, "out.") && strstr(o.out, "err."), "stdout and stderr captured");
	sbx_outcome_free(&o);
	CHECK(RUN(c_fork) && o.exited && o.code == 5, "fork is refused with EPERM");
	sbx_outcome_free(&o);
	CHECK(RUN(c_execve) && o.exited && o.code == 5, "execve is refused with EPERM");
	sbx_outcome_free(&o);
	CHECK(RUN(c_inet) && o.signo == SIGSYS, "an AF_INET socket is a violation");
	sbx_outcome_free(&o);
	CHECK(RUN(c_unix) && o.exited && o.code == 0, "an AF_UNIX socket is allowed");
	sbx_outcome_free(&o);
	char msg[128];
	int ran = RUN(c_spin);
	snprintf(msg, sizeof msg, "a CPU loop ends on RLIMIT_CPU (signal %d, %ld ms CPU, killed %d)", o.signo, o.cpu_ms, o.killed);
	CHECK(ran && (o.signo == SIGXCPU || o.signo == SIGKILL) && !o.killed && o.cpu_ms >= 500, msg);
	sbx_outcome_free(&o);
	CHECK(RUN(c_sleep) && o.killed == SBX_KILL_WALL && o.signo == SIGKILL, "a sleeper is killed at the wall limit");
	sbx_outcome_free(&o);
	CHECK(RUN(c_flood) && o.killed == SBX_KILL_OUTPUT && o.outlen == (size_t)lim.output && o.out_truncated,
	      "an output flood is cut at the cap");
	sbx_outcome_free(&o);
	if (f & SBX_LANDLOCK) {
		CHECK(RUN(c_write_out) && o.exited && o.code == 0, "writing outside the working directory is refused");
		sbx_outcome_free(&o);
		/* Read roots: the ruleset is kept between children, and made anew
		 * when the roots change or a root is a new directory at the same path. */
		char top[] = "/tmp/ls-unit-roots.XXXXXX", a[300], b[300], af[310], bf[310];
		if (mkdtemp(top) && chmod(top, 0755) == 0) {
			snprintf(a, sizeof a, "%s/a", top);
			snprintf(b, sizeof b, "%s/b", top);
			snprintf(af, sizeof af, "%s/f", a);
			snprintf(bf, sizeof bf, "%s/f", b);
			make_root(a);
			make_root(b);
			const char *ra[] = { a, NULL }, *rb[] = { b, NULL };
			CHECK(read_as(s, ra, af) == 0 && read_as(s, ra, af) == 0 && read_as(s, ra, bf) == 1,
			      "a read root is readable, another directory not");
			CHECK(read_as(s, rb, bf) == 0 && read_as(s, rb, af) == 1, "with other roots, the other directory");
			make_root(b);
			CHECK(read_as(s, rb, bf) == 0, "a root made again at the same path is readable");
			CHECK(read_as(s, NULL, bf) == 1, "without roots, neither");
			make_root(a);
			unlink(af);
			unlink(bf);
			rmdir(a);
			rmdir(b);
			rmdir(top);
		} else
			CHECK(0, "mkdtemp for the read roots");
	} else
		say('S', "no landlock on this kernel");
	if (f & SBX_UIDDROP) {
		CHECK(RUN(c_uid) && o.exited && o.code == 0, "the child is not root");
		sbx_outcome_free(&o);
		CHECK(RUN(c_shadow) && o.exited && o.code == 0, "/etc/shadow is unreadable");
		sbx_outcome_free(&o);
	} else
		say('S', "running unprivileged: no uid to drop to");
	CHECK(RUN(c_workdir) && o.exited && o.code == 0, "cwd, HOME are the working directory");
	sbx_outcome_free(&o);
	CHECK(RUN(c_empty) && o.exited && o.code == 0, "the next child gets an empty working directory");
	sbx_outcome_free(&o);
	CHECK(RUN(c_mem) && o.exited && o.code == 0, "RLIMIT_AS refuses a large allocation");
	sbx_outcome_free(&o);
	CHECK(RUN(c_env) && o.exited && o.code == 0, "the environment is an allow-list");
	sbx_outcome_free(&o);
	char iso[256];
	sbx_isolation(f, 1, iso, sizeof iso);
	if (*iso) {
		char msg[300];
		snprintf(msg, sizeof msg, "kernel refused: %s", iso);
		say('S', msg);
	}
	sbx_free(s);
	return 0;
}

int main(void)
{
	setenv("LS_UNIT_SECRET", "x", 1);
	int p[2];
	if (pipe(p) < 0)
		return 1;
	pid_t z = sbx_spawn(0, zygote, &p[1]);
	T_OK(z > 0, "sbx_spawn");
	close(p[1]);
	FILE *f = fdopen(p[0], "r");
	char line[512];
	int n = 0;
	while (f && fgets(line, sizeof line, f)) {
		line[strcspn(line, "\n")] = 0;
		if (line[0] == 'S')
			T_SKIP(line + 2);
		else
			T_OK(line[0] == '0', line + 2);
		n++;
	}
	int st;
	waitpid(z, &st, 0);
	T_OK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the zygote exits cleanly");
	T_OK(n >= 15, "every check reported");
	return t_done();
}
