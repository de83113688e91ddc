/* Unit tests for lib/base's small modules: diag (x-allocators, messages,
 * the out-of-memory exit), fs, clock, utf8 and rng. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "t.h"
#include "base/clock.h"
#include "base/diag.h"
#include "base/fs.h"
#include "base/rng.h"
#include "base/strbuf.h"
#include "base/utf8.h"

#ifdef __SANITIZE_ADDRESS__
/* Let the huge allocation fail as malloc does, so the x-allocators' own
 * policy is what is tested. */
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }
#endif

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Run f in a child with stderr in a pipe: its exit status and first message. */
static int child_status(void (*f)(void), char *msg, size_t n)
{
	int fd[2];
	if (pipe(fd) < 0)
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 2);
		f();
		_exit(0);
	}
	close(fd[1]);
	size_t got = 0;
	ssize_t k;
	while (got < n - 1 && (k = read(fd[0], msg + got, n - 1 - got)) > 0)
		got += (size_t)k;
	msg[got] = 0;
	close(fd[0]);
	int st;
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void run_oom(void) { ls_progname = "ls-t"; (void)xmalloc(SIZE_MAX / 2); }
static void run_die(void) { ls_progname = "ls-t"; ls_die(EX_NOINPUT_, "cannot open '%s'", "x"); }

static void test_diag(void)
{
	char msg[256];
	T_EQ_INT(child_status(run_oom, msg, sizeof msg), 70, "out of memory exits 70");
	/* (ASan warns of the failed allocation first) */
	size_t ml = strlen(msg), wl = strlen("ls-t: out of memory\n");
	T_OK(ml >= wl && !strcmp(msg + ml - wl, "ls-t: out of memory\n") && (ml == wl || msg[ml - wl - 1] == '\n'),
	     "and says so with the program's name");
	T_EQ_INT(child_status(run_die, msg, sizeof msg), 66, "ls_die exits with its status");
	T_EQ_STR(msg, "ls-t: cannot open 'x'\n", "ls_die's message");
	char *s = xstrdup("abc");
	s = xrealloc(s, 100);
	T_EQ_STR(s, "abc", "xrealloc keeps the contents");
	free(s);
	int *z = xcalloc(4, sizeof *z);
	T_OK(z[0] == 0 && z[3] == 0, "xcalloc zeroes");
	free(z);
}

static void test_fs(void)
{
	char tmpl[] = "/tmp/test_base.XXXXXX", p[256], f[300];
	T_OK(mkdtemp(tmpl) != NULL, "a temporary directory");
	snprintf(p, sizeof p, "%s/a/b/c", tmpl);
	T_EQ_INT(fs_mkdirs(p, 0755), 0, "mkdirs makes every level");
	T_OK(is_dir(p), "the deepest exists");
	T_EQ_INT(fs_mkdirs(p, 0755), 0, "mkdirs of an existing directory is fine");
	snprintf(f, sizeof f, "%s/a/file", tmpl);
	FILE *fp = fopen(f, "w");
	fputs("hello\n", fp);
	fclose(fp);
	snprintf(p, sizeof p, "%s/a/file/sub", tmpl);
	errno = 0;
	T_OK(fs_mkdirs(p, 0755) < 0 && errno == ENOTDIR, "a file in the way: -1, ENOTDIR");
	sb b = { 0 };
	sb_puts(&b, ">");
	T_OK(sb_read_file(&b, f) == 0 && !strcmp(b.b, ">hello\n"), "sb_read_file appends the whole file");
	T_OK(sb_read_file(&b, p) < 0 && !strcmp(b.b, ">hello\n"), "a missing file: -1, buffer unchanged");
	free(b.b);
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpl);
	T_OK(system(cmd) == 0, "cleaned up");
}

static void test_clock(void)
{
	double a = ls_now();
	usleep(20000);
	double b = ls_now();
	T_OK(b - a >= 0.019 && b - a < 5, "ls_now measures a 20 ms sleep in seconds");
}

static void test_utf8(void)
{
	T_OK(utf8_valid("abc\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 12), "valid UTF-8");
	T_OK(utf8_valid("0123456789abcdef\xc3\xa9", 18), "valid after the ASCII fast path");
	T_OK(!utf8_valid("0123456789abcdef\xc3", 17), "truncated after the fast path");
	T_OK(!utf8_valid("\xc0\xaf", 2), "overlong rejected");
	T_OK(!utf8_valid("\xed\xa0\x80", 3), "surrogate rejected");
	T_OK(!utf8_valid("\xf4\x90\x80\x80", 4), "above U+10FFFF rejected");
	T_OK(!utf8_valid("\xff", 1), "0xFF rejected");
	uint32_t cp;
	T_EQ_INT(utf8_next((const unsigned char *)"\xe2\x82\xac", 3, &cp), 3, "euro sign is 3 bytes");
	T_EQ_INT(cp, 0x20AC, "and decodes to U+20AC");
	T_EQ_INT(utf8_next((const unsigned char *)"\xe2\x82x", 3, &cp), -2, "ill-formed after 2 bytes: -2");
	T_EQ_INT(utf8_next((const unsigned char *)"\x80", 1, &cp), 0, "a lone continuation byte: 0");
	char o[4];
	uint32_t cps[] = { 0x41, 0xE9, 0x20AC, 0x1F600 };
	int ok = 1;
	for (int i = 0; i < 4; i++) {
		size_t k = utf8_put(o, cps[i]);
		ok &= utf8_next((const unsigned char *)o, k, &cp) == (int)k && cp == cps[i];
	}
	T_OK(ok, "utf8_put and utf8_next round-trip 1- to 4-byte code points");
}

static void test_rng(void)
{
	ls_rng r;
	rng_seed(&r, 0);
	T_OK(rng_next(&r) == 0x99ec5f36cb75f2b4ull, "xoshiro256** from seed 0: the same stream everywhere");
	uint64_t s = 0;
	T_OK(splitmix64(&s) == 0xe220a8397b1dcdafull, "splitmix64's first output from 0");
	rng_seed(&r, 7);
	double sum = 0;
	int in = 1;
	for (int i = 0; i < 10000; i++) {
		float u = rng_float(&r);
		in &= u >= 0 && u < 1;
		sum += u;
	}
	T_OK(in && sum / 10000 > 0.48 && sum / 10000 < 0.52, "rng_float is uniform in [0,1)");
}

int main(void)
{
	test_diag();
	test_fs();
	test_clock();
	test_utf8();
	test_rng();
	return t_done();
}
