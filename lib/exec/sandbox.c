/* sandbox.c — namespaces, Landlock, seccomp, rlimits and supervision for
 * untrusted children. The design and what it does not cover: docs/SANDBOX.md. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include "exec/sandbox.h"
#include "base/strbuf.h"
#include "base/clock.h"

/* Outer uids of a zygote (U0, ns root) and of its children (U1): unprivileged,
 * never used by real accounts, distinct per worker. */
#define SBX_UID_BASE 1500000000u
#define SBX_SETUP_FAILED 125	/* the child's exit status when it could not sandbox itself */

/* Landlock, spelled out: Debian 12's <linux/landlock.h> predates ABI 4-6. */
#define LL_EXECUTE (1ull << 0)
#define LL_WRITE_FILE (1ull << 1)
#define LL_READ_FILE (1ull << 2)
#define LL_READ_DIR (1ull << 3)
#define LL_ABI1_ALL ((1ull << 13) - 1)
#define LL_REFER (1ull << 13)		/* ABI 2 */
#define LL_TRUNCATE (1ull << 14)	/* ABI 3 */
#define LL_IOCTL_DEV (1ull << 15)	/* ABI 5 */
#define LL_NET_BIND_TCP (1ull << 0)	/* ABI 4 */
#define LL_NET_CONNECT_TCP (1ull << 1)
#define LL_SCOPE_ABSTRACT_UNIX (1ull << 0)	/* ABI 6 */
#define LL_SCOPE_SIGNAL (1ull << 1)
struct ll_ruleset_attr { uint64_t handled_access_fs, handled_access_net, scoped; };
struct ll_path_beneath { uint64_t allowed_access; int32_t parent_fd; } __attribute__((packed));
#ifndef SYS_landlock_create_ruleset
#define SYS_landlock_create_ruleset 444
#define SYS_landlock_add_rule 445
#define SYS_landlock_restrict_self 446
#endif
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif

struct sbx {
	sbx_limits lim;
	unsigned flags;
	struct sock_fprog prog;		/* the seccomp program, built once */
	struct sock_fprog host_prog;	/* the same, less process creation: for hosts */
	int ll_abi;
	int ll_rs;			/* the Landlock ruleset children restrict themselves with, or -1 */
	int ll_errno;			/* why it could not be made */
	const char *ll_what;
	char *ll_key;			/* the read roots it was made for */
	int nested;			/* this process is a host (sbx_host_start) */
	int wd_mounted;			/* the working directory's tmpfs is mounted (once) */
	char workdir[256];
	pid_t init;			/* pid-namespace init, or 0 */
	int sweep, swept;		/* pipes to and from init: kill all but init */
	uid_t child_uid; gid_t child_gid;
	size_t as_base;			/* address space already mapped (ASan's shadow), else 0 */
};

/* U0 of a worker: distinct per worker and (modulo 16384 pids) per ls-exec
 * process, so no two sandboxes on the machine share a uid. */
static unsigned sbx_uid_base(int worker)
{
	return SBX_UID_BASE + 2u * (((unsigned)getpid() % 16384u) * 64u + (unsigned)worker % 64u);
}

/* Set in the zygote by sbx_spawn, read by sbx_new. */
static unsigned spawn_flags;
static int spawn_mapped;	/* 2: ns uids 0 and 1 mapped; 1: only 0; 0: none */
static unsigned spawn_uid1;	/* the children's outer uid */

void sbx_limits_default(sbx_limits *l)
{
	*l = (sbx_limits){ .cpu_s = 10, .wall_s = 30, .mem = 1024ul << 20, .fsize = 16ul << 20,
		.disk = 64ul << 20, .output = 1ul << 20, .result = 8ul << 20,
		.nofile = 256, .nproc = 64 };
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int full_read(int fd, void *buf, size_t n)
{
	size_t got = 0;
	while (got < n) {
		ssize_t r = read(fd, (char *)buf + got, n - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		got += r;
	}
	return 0;
}

pid_t sbx_spawn(int worker, int (*fn)(void *), void *arg)
{
	int ready[2], go[2];
	spawn_uid1 = sbx_uid_base(worker) + 1;	/* computed here: in the parent's pid */
	if (pipe2(ready, O_CLOEXEC) < 0 || pipe2(go, O_CLOEXEC) < 0)
		return -1;
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(ready[0]);
		close(go[1]);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		unsigned f = 0;
		if (geteuid() == 0)
			setgroups(0, NULL);	/* root's supplementary groups stay behind */
		int all = CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC |
			  CLONE_NEWUTS | CLONE_NEWPID;
		if (unshare(all) == 0)
			f = SBX_USERNS | SBX_MNTNS | SBX_NETNS | SBX_IPCNS | SBX_UTSNS | SBX_PIDNS;
		else {
			/* No user namespaces (or not allowed): take each one alone. */
			static const struct { int clone, flag; } one[] = {
				{ CLONE_NEWNS, SBX_MNTNS }, { CLONE_NEWNET, SBX_NETNS },
				{ CLONE_NEWIPC, SBX_IPCNS }, { CLONE_NEWUTS, SBX_UTSNS },
				{ CLONE_NEWPID, SBX_PIDNS } };
			for (size_t i = 0; i < sizeof one / sizeof one[0]; i++)
				if (unshare(one[i].clone) == 0)
					f |= one[i].flag;
		}
		int mapped = 0;
		if (write(ready[1], &f, sizeof f) != sizeof f || full_read(go[0], &mapped, sizeof mapped) < 0)
			_exit(70);
		close(ready[1]);
		close(go[0]);
		if ((f & SBX_USERNS) && !mapped) {
			/* The parent could not map for us: map our own uid as ns root. */
			char m[64];
			uid_t u = getuid(); gid_t g = getgid();
			write_file("/proc/self/setgroups", "deny");
			snprintf(m, sizeof m, "0 %u 1\n", (unsigned)u);
			if (write_file("/proc/self/uid_map", m) == 0) {
				snprintf(m, sizeof m, "0 %u 1\n", (unsigned)g);
				write_file("/proc/self/gid_map", m);
				mapped = 1;
			}
		}
		if (f & SBX_USERNS) {
			if (!mapped)
				f &= ~SBX_USERNS;
			else if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
				_exit(70);
		}
		spawn_flags = f;
		spawn_mapped = mapped;
		_exit(fn(arg));
	}
	close(ready[1]);
	close(go[0]);
	unsigned f = 0;
	int mapped = 0;
	if (full_read(ready[0], &f, sizeof f) == 0 && (f & SBX_USERNS)) {
		char path[64], m[128];
		unsigned u0 = sbx_uid_base(worker);
		snprintf(path, sizeof path, "/proc/%d/setgroups", (int)pid);
		write_file(path, "deny");
		snprintf(m, sizeof m, "0 %u 1\n1 %u 1\n", u0, u0 + 1);
		snprintf(path, sizeof path, "/proc/%d/uid_map", (int)pid);
		if (write_file(path, m) == 0) {
			snprintf(path, sizeof path, "/proc/%d/gid_map", (int)pid);
			mapped = write_file(path, m) == 0 ? 2 : 0;
		}
	}
	if (write(go[1], &mapped, sizeof mapped) != sizeof mapped) {
		/* the zygote died; the caller sees it on its pipes */
	}
	close(ready[0]);
	close(go[1]);
	return pid;
}

/* ---- seccomp ---------------------------------------------------------- */

/* Killed on sight (the verdict is "violation"): debugging other processes,
 * mounts and namespaces, keyrings, bpf, io_uring and the rest of the
 * kernel's administrative surface. */
static const char *const deny_kill[] = {
	"ptrace", "process_vm_readv",
	"process_vm_writev", "pidfd_getfd", "kcmp", "mount", "umount2", "pivot_root", "chroot",
	"unshare", "setns", "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount",
	"fspick", "mount_setattr", "keyctl", "add_key", "request_key", "bpf",
	"perf_event_open", "io_uring_setup", "io_uring_enter", "io_uring_register",
	"kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
	"reboot", "swapon", "swapoff", "acct", "name_to_handle_at", "open_by_handle_at",
	"userfaultfd", "iopl", "ioperm", "quotactl", "lookup_dcookie", "settimeofday",
	"clock_settime", "clock_adjtime", "adjtimex", "syslog", "vhangup", "nfsservctl",
	"uselib", "personality",
};
/* Refused with EPERM: System V and POSIX message IPC would outlive the child in
 * the zygote's ipc namespace and carry state to the next example. */
static const char *const deny_eperm[] = {
	"shmget", "msgget", "semget", "mq_open",
};
/* Refused with EPERM too, not killed: program execution and process
 * creation. Libraries that try a helper program and fall back when it
 * cannot start (fc-list, uname, git) then go on working; the harness counts
 * the attempts (exec.denied). A host (which forks its children) may fork. */
static const char *const deny_proc[] = { "execve", "execveat", "fork", "vfork" };

static int add_rule(scmp_filter_ctx c, uint32_t act, const char *name, unsigned n, const struct scmp_arg_cmp *a)
{
	int nr = seccomp_syscall_resolve_name(name);
	if (nr == __NR_SCMP_ERROR)
		return 0;	/* unknown to this libseccomp: nothing to deny */
	return seccomp_rule_add_array(c, act, nr, n, a);
}

/* host: the filter of a host process (sbx_host_start), which must fork the
 * children it serves: process creation stays allowed, new namespaces do not. */
static int build_filter(struct sock_fprog *prog, int host, char *err, size_t errsz)
{
	scmp_filter_ctx c = seccomp_init(SCMP_ACT_ALLOW);
	int rc = 0, fd = -1;
	if (!c) {
		snprintf(err, errsz, "seccomp_init failed");
		return -1;
	}
	/* Foreign ABIs (i386, x32) would bypass a filter written for x86_64. */
	rc |= seccomp_attr_set(c, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
	rc |= seccomp_attr_set(c, SCMP_FLTATR_CTL_NNP, 0);
	/* A binary tree over syscall numbers, not a linear list: the filter runs
	 * on every system call the tested code makes. */
	seccomp_attr_set(c, SCMP_FLTATR_CTL_OPTIMIZE, 2);
	for (size_t i = 0; i < sizeof deny_kill / sizeof deny_kill[0]; i++)
		rc |= add_rule(c, SCMP_ACT_KILL_PROCESS, deny_kill[i], 0, NULL);
	for (size_t i = 0; i < sizeof deny_proc / sizeof deny_proc[0]; i++)
		if (!host || !strstr(deny_proc[i], "fork"))
			rc |= add_rule(c, SCMP_ACT_ERRNO(EPERM), deny_proc[i], 0, NULL);
	for (size_t i = 0; i < sizeof deny_eperm / sizeof deny_eperm[0]; i++)
		rc |= add_rule(c, SCMP_ACT_ERRNO(EPERM), deny_eperm[i], 0, NULL);
	/* Network: only AF_UNIX sockets (the net namespace has no interfaces anyway). */
	struct scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
	rc |= add_rule(c, SCMP_ACT_KILL_PROCESS, "socket", 1, &not_unix);
	rc |= add_rule(c, SCMP_ACT_KILL_PROCESS, "socketpair", 1, &not_unix);
	/* Threads only: clone without CLONE_THREAD is a new process. clone3 passes
	 * its flags in memory the filter cannot read: ENOSYS makes glibc fall back
	 * to clone. */
	struct scmp_arg_cmp no_thread = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0);
	if (!host)
		rc |= add_rule(c, SCMP_ACT_ERRNO(EPERM), "clone", 1, &no_thread);
	static const int newns[] = { CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET,
		CLONE_NEWIPC, CLONE_NEWUTS, CLONE_NEWCGROUP };
	for (size_t i = 0; host && i < sizeof newns / sizeof newns[0]; i++) {
		struct scmp_arg_cmp ns = SCMP_A0(SCMP_CMP_MASKED_EQ, newns[i], newns[i]);
		rc |= add_rule(c, SCMP_ACT_KILL_PROCESS, "clone", 1, &ns);
	}
	rc |= add_rule(c, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
	if (rc) {
		snprintf(err, errsz, "seccomp rule rejected: %s", strerror(-rc));
		seccomp_release(c);
		return -1;
	}
	fd = memfd_create("sbx-bpf", MFD_CLOEXEC);
	if (fd < 0 || seccomp_export_bpf(c, fd) < 0) {
		snprintf(err, errsz, "cannot export the seccomp program");
		seccomp_release(c);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	seccomp_release(c);
	off_t size = lseek(fd, 0, SEEK_END);
	prog->filter = malloc(size);
	prog->len = size / sizeof(struct sock_filter);
	if (!prog->filter || pread(fd, prog->filter, size, 0) != size) {
		snprintf(err, errsz, "cannot read the seccomp program back");
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int sbx_filter_len(const sbx *s) { return s->prog.len; }

/* ---- zygote setup ------------------------------------------------------- */

static void env_reset(const char *workdir)
{
	static const char *const keep[] = { "LANG", "LC_ALL", "LC_CTYPE", "TZ" };
	char *saved[4] = { 0 };
	for (int i = 0; i < 4; i++) {
		const char *v = getenv(keep[i]);
		saved[i] = v ? strdup(v) : NULL;
	}
	clearenv();
	for (int i = 0; i < 4; i++)
		if (saved[i]) {
			setenv(keep[i], saved[i], 1);
			free(saved[i]);
		}
	if (!getenv("LANG"))
		setenv("LANG", "C.UTF-8", 1);
	setenv("PATH", "/usr/bin:/bin", 1);
	setenv("HOME", workdir, 1);
	setenv("TMPDIR", workdir, 1);
	setenv("PYTHONHASHSEED", "0", 1);
	setenv("PYTHONDONTWRITEBYTECODE", "1", 1);
}

void sbx_env_reset(void) { env_reset(SBX_WORKDIR); }

/* pid 1 of the zygote's pid namespace: mounts a /proc that shows only the
 * namespace, then reaps orphans. Signals from inside the namespace cannot
 * kill it (it has no handlers), and when the zygote dies it dies, taking
 * every process of the namespace with it. */
/* In init: does /proc show any process but pid 1? */
static int others_left(void)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	int n = 0;
	while (d && (e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9' && strcmp(e->d_name, "1"))
			n++;
	if (d)
		closedir(d);
	return n > 0;
}

static void pid_init(int ready, int cmd, int ack)
{
	int ok = mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) == 0;
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (write(ready, &ok, sizeof ok) != sizeof ok)
		_exit(0);
	if (dup2(cmd, 0) < 0 || dup2(ack, 1) < 0)
		_exit(0);
	syscall(SYS_close_range, 2, ~0u, 0);
	/* Reap orphans; on a byte from the zygote, kill every other process of
	 * the namespace (what a host may have left running) and answer. */
	for (;;) {
		struct pollfd p = { 0, POLLIN, 0 };
		int n = poll(&p, 1, 1000);
		while (waitpid(-1, NULL, WNOHANG) > 0)
			;
		if (n <= 0)
			continue;
		char c;
		if (read(0, &c, 1) != 1)
			_exit(0);
		/* Answer once they are gone from /proc, not just signalled: a
		 * zombie waiting for its reaping is still there. */
		kill(-1, SIGKILL);
		for (int i = 0; ok && i < 2000 && others_left(); i++) {
			while (waitpid(-1, NULL, WNOHANG) > 0)
				;
			usleep(1000);
		}
		if (write(1, &c, 1) != 1)
			_exit(0);
	}
}

sbx *sbx_new(const sbx_limits *lim, char *err, size_t errsz)
{
	sbx *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	s->lim = *lim;
	s->flags = spawn_flags;
	s->ll_rs = -1;
#if defined(__SANITIZE_ADDRESS__)
	/* ASan maps terabytes of shadow memory at start: the limit counts from there. */
	FILE *sf = fopen("/proc/self/statm", "r");
	unsigned long pages = 0;
	if (sf && fscanf(sf, "%lu", &pages) == 1)
		s->as_base = pages * (size_t)sysconf(_SC_PAGESIZE);
	if (sf)
		fclose(sf);
#endif
	if (build_filter(&s->prog, 0, err, errsz) < 0) {
		free(s);
		return NULL;
	}
	if (build_filter(&s->host_prog, 1, err, errsz) < 0) {
		free(s->prog.filter);
		free(s);
		return NULL;
	}
	s->flags |= SBX_SECCOMP;
	snprintf(s->workdir, sizeof s->workdir, "%s", SBX_WORKDIR);
	if (s->flags & SBX_MNTNS) {
		/* Nothing we mount may propagate back to the host. A private
		 * /dev/shm holds the working directory's mount point (and keeps
		 * POSIX shared memory from outliving a child); /tmp stays the
		 * host's, readable only where Landlock allows. */
		if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
		    mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755") < 0 ||
		    mkdir(s->workdir, 0755) < 0)
			s->flags &= ~SBX_MNTNS;
	}
	if (!(s->flags & SBX_MNTNS)) {
		snprintf(s->workdir, sizeof s->workdir, "/tmp/ls-exec-%d-XXXXXX", (int)getpid());
		if (!mkdtemp(s->workdir)) {
			snprintf(err, errsz, "cannot make a working directory: %s", strerror(errno));
			free(s->prog.filter);
			free(s->host_prog.filter);
			free(s);
			return NULL;
		}
		rmdir(s->workdir);	/* made again, empty, for each child */
	}
	/* Which uid the children drop to. */
	unsigned outer1 = spawn_uid1;
	if ((s->flags & SBX_USERNS) && spawn_mapped == 2) {
		s->child_uid = 1; s->child_gid = 1;
		s->flags |= SBX_UIDDROP;
	} else if (!(s->flags & SBX_USERNS) && geteuid() == 0) {
		s->child_uid = outer1; s->child_gid = outer1;
		s->flags |= SBX_UIDDROP;
	} else {
		s->child_uid = geteuid(); s->child_gid = getegid();
	}
	s->sweep = s->swept = -1;
	if (s->flags & SBX_PIDNS) {
		int p[2], c[2], a[2], ok = 0;
		if (pipe2(p, O_CLOEXEC) == 0 && pipe2(c, O_CLOEXEC) == 0 && pipe2(a, O_CLOEXEC) == 0) {
			s->init = fork();
			if (s->init == 0)
				pid_init(p[1], c[0], a[1]);
			close(p[1]);
			close(c[0]);
			close(a[1]);
			s->sweep = c[1];
			s->swept = a[0];
			if (s->init < 0 || full_read(p[0], &ok, sizeof ok) < 0)
				s->flags &= ~SBX_PIDNS;
			close(p[0]);
		}
		(void)ok;	/* without our /proc, children still see only uid-protected entries */
	}
	long abi = syscall(SYS_landlock_create_ruleset, NULL, 0, 1u /* VERSION */);
	s->ll_abi = abi > 0 ? (int)abi : 0;
	if (s->ll_abi >= 1)
		s->flags |= SBX_LANDLOCK;
	if (s->ll_abi >= 6)
		s->flags |= SBX_LANDLOCK_SCOPE;
	env_reset(s->workdir);
	return s;
}

unsigned sbx_flags(const sbx *s) { return s->flags; }

void sbx_isolation(unsigned flags, int missing, char *buf, size_t bufsz)
{
	static const struct { unsigned f; const char *name; } names[] = {
		{ SBX_USERNS, "user-ns" }, { SBX_PIDNS, "pid-ns" }, { SBX_NETNS, "net-ns" },
		{ SBX_MNTNS, "mount-ns" }, { SBX_IPCNS, "ipc-ns" }, { SBX_UTSNS, "uts-ns" },
		{ SBX_UIDDROP, "uid-drop" }, { SBX_LANDLOCK, "landlock" },
		{ SBX_LANDLOCK_SCOPE, "landlock-scope" }, { SBX_SECCOMP, "seccomp" } };
	size_t n = 0;
	buf[0] = 0;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!(flags & names[i].f) == !!missing && n < bufsz)
			n += snprintf(buf + n, bufsz - n, "%s%s", n ? "," : "", names[i].name);
}

void sbx_free(sbx *s)
{
	if (!s)
		return;
	if (s->init > 0) {
		kill(s->init, SIGKILL);
		waitpid(s->init, NULL, 0);
	}
	if (s->sweep >= 0)
		close(s->sweep);
	if (s->swept >= 0)
		close(s->swept);
	if (!(s->flags & SBX_MNTNS))
		rmdir(s->workdir);
	if (s->ll_rs >= 0)
		close(s->ll_rs);
	free(s->ll_key);
	free(s->prog.filter);
	free(s->host_prog.filter);
	free(s);
}

/* ---- the child ---------------------------------------------------------- */

static void child_fail(const char *what)
{
	char msg[256];
	int n = snprintf(msg, sizeof msg, "sandbox: %s: %s\n", what, strerror(errno));
	if (write(2, msg, n) < 0) {
		/* nothing left to tell */
	}
	_exit(SBX_SETUP_FAILED);
}

static int ll_allow(int rs, const char *path, uint64_t access)
{
	struct ll_path_beneath pb = { .allowed_access = access };
	pb.parent_fd = open(path, O_PATH | O_CLOEXEC);
	if (pb.parent_fd < 0)
		return 0;	/* a root that does not exist here needs no rule */
	struct stat st;
	if (fstat(pb.parent_fd, &st) == 0 && !S_ISDIR(st.st_mode))
		pb.allowed_access &= LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV;
	int rc = syscall(SYS_landlock_add_rule, rs, 1 /* PATH_BENEATH */, &pb, 0);
	close(pb.parent_fd);
	return rc;
}

/* Writes only in the working directory (and /dev/null), reads only under the
 * system's directories and the caller's roots, no signals or abstract unix
 * sockets out of the domain. The ruleset's fd, or -1 with errno and *what. */
static int ll_build(const sbx *s, const char *const *roots, const char **what)
{
	uint64_t all = LL_ABI1_ALL;
	if (s->ll_abi >= 2) all |= LL_REFER;
	if (s->ll_abi >= 3) all |= LL_TRUNCATE;
	if (s->ll_abi >= 5) all |= LL_IOCTL_DEV;
	struct ll_ruleset_attr a = { .handled_access_fs = all };
	size_t asz = sizeof(uint64_t);
	if (s->ll_abi >= 4) {
		a.handled_access_net = LL_NET_BIND_TCP | LL_NET_CONNECT_TCP;
		asz = 2 * sizeof(uint64_t);
	}
	if (s->ll_abi >= 6) {
		a.scoped = LL_SCOPE_ABSTRACT_UNIX | LL_SCOPE_SIGNAL;
		asz = sizeof a;
	}
	*what = "landlock_create_ruleset";
	int rs = syscall(SYS_landlock_create_ruleset, &a, asz, 0);	/* close-on-exec */
	if (rs < 0)
		return -1;
	*what = "landlock_add_rule";
	uint64_t rd = LL_READ_FILE | LL_READ_DIR | LL_EXECUTE;
	static const char *const sys_roots[] = { "/usr", "/lib", "/lib64", "/lib32", "/bin",
		"/etc", "/proc", "/sys/devices/system/cpu", "/dev/urandom", "/dev/random" };
	int bad = 0;
	for (size_t i = 0; i < sizeof sys_roots / sizeof sys_roots[0] && !bad; i++)
		bad = ll_allow(rs, sys_roots[i], rd) < 0;
	for (int i = 0; roots && roots[i] && !bad; i++)
		bad = ll_allow(rs, roots[i], rd) < 0;
	if (bad || ll_allow(rs, "/dev/null", LL_READ_FILE | LL_WRITE_FILE | (s->ll_abi >= 3 ? LL_TRUNCATE : 0)) < 0 ||
	    ll_allow(rs, "/dev/zero", LL_READ_FILE) < 0 ||
	    ll_allow(rs, s->workdir, all) < 0) {
		int e = errno;
		close(rs);
		errno = e;
		return -1;
	}
	return rs;
}

/* Before a fork: the ruleset for these roots. It is made once and kept
 * while the roots and the working directory are the same files (a rule
 * holds the inode, not the path), so that a child only restricts itself
 * with it: made in each child it was ~40 system calls a record. A failure
 * is kept too, and the child reports it. */
static void ll_prepare(sbx *s, const char *const *roots)
{
	if (!(s->flags & SBX_LANDLOCK) || s->nested)
		return;
	sb key = { 0 };
	for (int i = -1; i < 0 || (roots && roots[i]); i++) {
		const char *p = i < 0 ? s->workdir : roots[i];
		struct stat st;
		char id[64];
		if (stat(p, &st) < 0)
			st.st_dev = st.st_ino = 0;
		snprintf(id, sizeof id, "\t%lx:%lx\n", (unsigned long)st.st_dev, (unsigned long)st.st_ino);
		sb_puts(&key, p);
		sb_puts(&key, id);
	}
	if (s->ll_rs >= 0 && s->ll_key && !strcmp(s->ll_key, key.b)) {
		free(key.b);
		return;
	}
	if (s->ll_rs >= 0)
		close(s->ll_rs);
	free(s->ll_key);
	s->ll_key = key.b;
	s->ll_rs = ll_build(s, roots, &s->ll_what);
	s->ll_errno = errno;
}

static void set_limit(int res, rlim_t soft, rlim_t hard)
{
	struct rlimit r = { soft, hard };
	if (setrlimit(res, &r) < 0)
		child_fail("setrlimit");
}

static void set_limits(const sbx *s, int cpu_s)
{
	const sbx_limits *l = &s->lim;
	set_limit(RLIMIT_CPU, cpu_s, cpu_s + 1);	/* SIGXCPU, then SIGKILL */
	set_limit(RLIMIT_AS, s->as_base + l->mem, s->as_base + l->mem);
	set_limit(RLIMIT_FSIZE, l->fsize, l->fsize);
	set_limit(RLIMIT_NOFILE, l->nofile, l->nofile);
	set_limit(RLIMIT_NPROC, l->nproc, l->nproc);
	set_limit(RLIMIT_CORE, 0, 0);
	set_limit(RLIMIT_MEMLOCK, 0, 0);
	set_limit(RLIMIT_MSGQUEUE, 0, 0);
}

/* The uid drop and Landlock (ll_prepare): once, in a child of the zygote
 * (a host's children are already in its domain). */
static void drop_privileges(const sbx *s)
{
	if (s->flags & SBX_UIDDROP) {
		if ((geteuid() == 0 && !(s->flags & SBX_USERNS) && setgroups(0, NULL) < 0) ||
		    setresgid(s->child_gid, s->child_gid, s->child_gid) < 0 ||
		    setresuid(s->child_uid, s->child_uid, s->child_uid) < 0)
			child_fail("setresuid");
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		child_fail("no_new_privs");
	if (s->flags & SBX_LANDLOCK) {
		if (s->ll_rs < 0) {
			errno = s->ll_errno;	/* why ll_prepare could not make it */
			child_fail(s->ll_what ? s->ll_what : "landlock");
		}
		if (syscall(SYS_landlock_restrict_self, s->ll_rs, 0) < 0)
			child_fail("landlock_restrict_self");
	}
}

static void child_enter(const sbx *s, int outw, int resw)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setsid();	/* its own process group: the supervisor kills the group */
	int null = open("/dev/null", O_RDONLY);
	if (null < 0 || dup2(null, 0) < 0 || dup2(outw, 1) < 0 || dup2(outw, 2) < 0 ||
	    dup2(resw, SBX_RESULT_FD) < 0)
		child_fail("dup2");
	if (chdir(s->workdir) < 0)
		child_fail("chdir");
	set_limits(s, s->lim.cpu_s);
	if (s->lim.cpu_ms > 0 && s->lim.cpu_ms < s->lim.cpu_s * 1000) {
		struct itimerval t = { .it_value = { s->lim.cpu_ms / 1000, s->lim.cpu_ms % 1000 * 1000 } };
		if (setitimer(ITIMER_PROF, &t, NULL) < 0)
			child_fail("setitimer");
	}
	if (!s->nested)
		drop_privileges(s);
	/* Landlock does not reach fds opened before it: close them all (the
	 * ruleset's among them) before the tested code runs. */
	if (syscall(SYS_close_range, SBX_RESULT_FD + 1, ~0u, 0) < 0)
		for (int fd = SBX_RESULT_FD + 1; fd < 1024; fd++)
			close(fd);
	/* A host's children stack this filter on the host's own. */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &s->prog) < 0)
		child_fail("seccomp");
}

/* ---- supervision -------------------------------------------------------- */

/* Read what is there; 1 at EOF. Keeps at most cap bytes in *buf; *over is set
 * when more came. */
static int drain(int fd, char **buf, size_t *len, size_t cap, int *over)
{
	char tmp[65536];
	for (;;) {
		ssize_t n = read(fd, tmp, sizeof tmp);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 0;	/* EAGAIN */
		if (n == 0)
			return 1;
		size_t keep = *len < cap ? cap - *len : 0;
		if ((size_t)n > keep)
			*over = 1;
		if (keep > (size_t)n)
			keep = n;
		if (keep) {
			char *nb = realloc(*buf, *len + keep + 1);
			if (!nb) {
				*over = 1;
				return 0;
			}
			*buf = nb;
			memcpy(*buf + *len, tmp, keep);
			*len += keep;
			(*buf)[*len] = 0;
		}
	}
}

static int rm_entry(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st; (void)flag;
	if (ftw->level > 0)
		remove(p);
	return 0;
}

/* Directories a child made unreadable or unwritable are opened up first, so
 * that nothing it wrote survives it. */
static int open_up(const char *p, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		chmod(p, (st->st_mode & 07777) | S_IRWXU);
	return 0;
}

static void empty_dir(const char *dir)
{
	nftw(dir, open_up, 16, FTW_PHYS);
	nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* The working directory is one tmpfs, mounted for the zygote's first child
 * (or host) and then emptied after each: an unmount waits for an expedited
 * RCU grace period, and with one per child 2,000 one-line doctests at -j 2
 * took 3.65/3.30 s against 3.07/2.88 s (docs/BENCHMARKS.md). Emptying makes
 * it as the mount left it: no entries, mode 0700, no extended attributes
 * (or ACL) on the directory itself. No process outlives a child to write
 * there later: children cannot fork, and a host's are killed with it
 * (sbx_host_stop). A host inherits wd_mounted from the zygote. */
static int workdir_make(sbx *s)
{
	if (s->wd_mounted)
		return 0;
	if (s->flags & SBX_MNTNS) {
		char opts[128];
		snprintf(opts, sizeof opts, "size=%zu,nr_inodes=4096,mode=0700,uid=%u,gid=%u",
			 s->lim.disk, (unsigned)s->child_uid, (unsigned)s->child_gid);
		if (mount("tmpfs", s->workdir, "tmpfs", MS_NOSUID | MS_NODEV, opts) < 0)
			return -1;
		s->wd_mounted = 1;
		return 0;
	}
	if (mkdir(s->workdir, 0700) < 0)
		return -1;
	return chown(s->workdir, s->child_uid, s->child_gid);
}

/* The directory itself back as made: its mode, and no attributes. */
static void workdir_reset(const sbx *s)
{
	ssize_t n = llistxattr(s->workdir, NULL, 0);
	char *names = n > 0 ? malloc((size_t)n) : NULL;
	n = names ? llistxattr(s->workdir, names, (size_t)n) : 0;
	for (ssize_t i = 0; i < n; i += (ssize_t)strlen(names + i) + 1)
		lremovexattr(s->workdir, names + i);
	free(names);
	chmod(s->workdir, 0700);
}

static void workdir_drop(sbx *s)
{
	empty_dir(s->workdir);
	if (s->wd_mounted)
		workdir_reset(s);
	else
		rmdir(s->workdir);
}

int sbx_run(sbx *s, const char *const *roots, int (*fn)(void *), void *arg,
	    sbx_outcome *o, char *err, size_t errsz)
{
	memset(o, 0, sizeof *o);
	int out[2], res[2];
	if (workdir_make(s) < 0) {
		snprintf(err, errsz, "cannot make the working directory: %s", strerror(errno));
		return -1;
	}
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(res, O_CLOEXEC) < 0) {
		snprintf(err, errsz, "pipe: %s", strerror(errno));
		workdir_drop(s);
		return -1;
	}
	ll_prepare(s, roots);
	double t0 = ls_now();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errsz, "fork: %s", strerror(errno));
		close(out[0]); close(out[1]); close(res[0]); close(res[1]);
		workdir_drop(s);
		return -1;
	}
	if (pid == 0) {
		child_enter(s, out[1], res[1]);
		_exit(fn(arg));
	}
	close(out[1]);
	close(res[1]);
	fcntl(out[0], F_SETFL, O_NONBLOCK);
	fcntl(res[0], F_SETFL, O_NONBLOCK);
	int pidfd = syscall(SYS_pidfd_open, pid, 0);
	int out_eof = 0, res_eof = 0, dead = 0, over = 0, rover = 0, extended = 0;
	double deadline = t0 + s->lim.wall_s, last_cpu = 0;
	clockid_t cpu_clock;
	int have_clock = clock_getcpuclockid(pid, &cpu_clock) == 0;
	while (!dead) {
		int left = (int)((deadline - ls_now()) * 1000);
		if (left <= 0) {
			/* The wall limit is for children that do not compute (sleep,
			 * block). One that used at least 5% of the period's CPU is
			 * starved by a busy machine, not stuck: give it another period,
			 * up to 10, and let RLIMIT_CPU decide. So a CPU-bound test gets
			 * the same verdict however loaded the machine is. */
			struct timespec ts;
			double cpu = have_clock && clock_gettime(cpu_clock, &ts) == 0 ? ts.tv_sec + ts.tv_nsec / 1e9 : 0;
			if (have_clock && extended < 9 && cpu - last_cpu >= 0.05 * s->lim.wall_s) {
				extended++;
				last_cpu = cpu;
				deadline += s->lim.wall_s;
				continue;
			}
			o->killed = SBX_KILL_WALL;
			break;
		}
		struct pollfd p[3];
		int n = 0, io = -1, ir = -1, ip = -1;
		if (!out_eof) { p[n] = (struct pollfd){ out[0], POLLIN, 0 }; io = n++; }
		if (!res_eof) { p[n] = (struct pollfd){ res[0], POLLIN, 0 }; ir = n++; }
		if (pidfd >= 0) { p[n] = (struct pollfd){ pidfd, POLLIN, 0 }; ip = n++; }
		int tmo = pidfd >= 0 ? left : (left < 10 ? left : 10);
		if (poll(p, n, tmo) < 0 && errno != EINTR)
			break;
		if (io >= 0 && p[io].revents)
			out_eof = drain(out[0], &o->out, &o->outlen, s->lim.output, &over);
		if (ir >= 0 && p[ir].revents)
			res_eof = drain(res[0], &o->result, &o->resultlen, s->lim.result, &rover);
		if (over) {
			o->killed = SBX_KILL_OUTPUT;
			break;
		}
		if (rover) {
			o->killed = SBX_KILL_RESULT;
			break;
		}
		if (pidfd >= 0 ? (ip >= 0 && p[ip].revents) : waitpid(pid, NULL, WNOHANG | WNOWAIT) == pid)
			dead = 1;
	}
	if (o->killed) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	int st = 0;
	struct rusage ru;
	while (wait4(pid, &st, 0, &ru) < 0 && errno == EINTR)
		;
	kill(-pid, SIGKILL);	/* anything left in its group (there should be none) */
	o->wall_ms = (long)((ls_now() - t0) * 1000);
	drain(out[0], &o->out, &o->outlen, s->lim.output, &over);
	drain(res[0], &o->result, &o->resultlen, s->lim.result, &rover);
	o->out_truncated = over;
	close(out[0]);
	close(res[0]);
	if (pidfd >= 0)
		close(pidfd);
	o->exited = WIFEXITED(st);
	o->code = WIFEXITED(st) ? WEXITSTATUS(st) : 0;
	o->signo = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	o->cpu_ms = ru.ru_utime.tv_sec * 1000L + ru.ru_utime.tv_usec / 1000 +
		    ru.ru_stime.tv_sec * 1000L + ru.ru_stime.tv_usec / 1000;
	o->maxrss_kb = ru.ru_maxrss;
	workdir_drop(s);
	if (o->exited && o->code == SBX_SETUP_FAILED && !o->result) {
		snprintf(err, errsz, "the child could not sandbox itself: %.*s",
			 (int)(o->outlen > 200 ? 200 : o->outlen), o->out ? o->out : "");
		return -1;
	}
	return 0;
}

void sbx_outcome_free(sbx_outcome *o)
{
	free(o->out);
	free(o->result);
	o->out = o->result = NULL;
}

/* ---- hosts -------------------------------------------------------------- */

int sbx_can_host(const sbx *s) { return (s->flags & SBX_MNTNS) && !s->nested; }

pid_t sbx_host_start(sbx *s, const char *const *roots, int in, int out,
		     int (*fn)(void *, int, int), void *arg, char *err, size_t errsz)
{
	if (!sbx_can_host(s)) {
		snprintf(err, errsz, "hosts need a mount namespace");
		return -1;
	}
	if (workdir_make(s) < 0) {
		snprintf(err, errsz, "cannot make the working directory: %s", strerror(errno));
		return -1;
	}
	ll_prepare(s, roots);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errsz, "fork: %s", strerror(errno));
		workdir_drop(s);
		return -1;
	}
	if (pid > 0)
		return pid;
	/* The host: only its two pipes stay open (not the zygote's channel to
	 * the tool, not init's). It keeps a working directory that its children
	 * share one at a time, emptied after each. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	setsid();
	int i2 = dup3(in, 1010, O_CLOEXEC), o2 = dup3(out, 1011, O_CLOEXEC);
	int null = open("/dev/null", O_RDWR);
	if (i2 < 0 || o2 < 0 || null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0 ||
	    dup3(i2, SBX_HOST_IN, O_CLOEXEC) < 0 || dup3(o2, SBX_HOST_OUT, O_CLOEXEC) < 0)
		child_fail("dup2");
	if (chdir(s->workdir) < 0)
		child_fail("chdir");
	s->nested = 1;
	s->init = 0;		/* a pid of the zygote's view: not ours to kill */
	s->sweep = s->swept = -1;
	/* The host's own CPU time is its import (bounded by the zygote's wall
	 * deadline) and then forking for many children (a few ms each for a
	 * large package): its limit must not end a long run. Each child gets
	 * the per-example limit. */
	set_limits(s, s->lim.cpu_s * 360);
	set_limit(RLIMIT_NPROC, 1, s->lim.nproc);	/* until sbx_host_ready */
	drop_privileges(s);
	syscall(SYS_close_range, 3, SBX_HOST_IN - 1, 0);	/* after it, as in child_enter */
	syscall(SYS_close_range, SBX_HOST_OUT + 1, ~0u, 0);
	s->ll_rs = -1;		/* closed with the rest */
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &s->host_prog) < 0)
		child_fail("seccomp");
	_exit(fn(arg, SBX_HOST_IN, SBX_HOST_OUT));
}

int sbx_host_ready(sbx *s)
{
	struct rlimit r;
	if (getrlimit(RLIMIT_NPROC, &r) < 0 || r.rlim_cur != 1)
		return -1;
	empty_dir(s->workdir);
	r.rlim_cur = s->lim.nproc;
	return setrlimit(RLIMIT_NPROC, &r);
}

int sbx_host_unready(sbx *s)
{
	(void)s;
	struct rlimit r;
	if (getrlimit(RLIMIT_NPROC, &r) < 0)
		return -1;
	r.rlim_cur = 1;
	return setrlimit(RLIMIT_NPROC, &r);
}

void sbx_host_stop(sbx *s, pid_t pid)
{
	kill(-pid, SIGKILL);
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
	/* Whatever the host started (it may fork) goes with it. */
	char c = 'k';
	if (s->sweep >= 0 && write(s->sweep, &c, 1) == 1)
		full_read(s->swept, &c, 1);
	workdir_drop(s);
}
