/* Unit tests for lib/hugemem: CPython's arenas come from aligned chunks,
 * marked for huge pages in the zygote and not in a forked child; freed
 * arenas are reused; Python runs on them. The raw domain's blocks keep
 * their contents through every size class, malloc and realloc, are reused
 * when freed, and a forked child never writes to a block it inherited.
 * Filling pymalloc's pools leaves no partly used one. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
#include "t.h"
#include "exec/hugemem.h"

/* The THPeligible line of the mapping that holds p: 1, 0, or -1 if none. */
static int thp_eligible(const void *p)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	if (!f)
		return -1;
	char line[512];
	int in = 0, v, got = -1;
	unsigned long lo, hi;
	while (fgets(line, sizeof line, f)) {
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2)	/* a mapping's first line */
			in = (uintptr_t)p >= lo && (uintptr_t)p < hi;
		else if (in && sscanf(line, "THPeligible: %d", &v) == 1)
			got = v;
	}
	fclose(f);
	return got;
}

/* "madvise" when huge pages come only where asked for: then the test can
 * tell a marked chunk from an ordinary one. */
static int thp_madvise_mode(void)
{
	FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
	char buf[128] = "";
	if (!f)
		return 0;
	if (!fgets(buf, sizeof buf, f))
		buf[0] = 0;
	fclose(f);
	return strstr(buf, "[madvise]") != NULL;
}

/* A block of n bytes filled from seed, and its check. */
static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 31 + i * 7);
}

static int filled(const unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != (unsigned char)(seed * 31 + i * 7))
			return 0;
	return 1;
}

/* Many blocks of mixed sizes (every class, and mappings), grown, shrunk and
 * freed at random: each keeps its own contents, so none overlaps another. */
static int shuffle_blocks(unsigned rounds)
{
	enum { N = 512 };
	unsigned char *b[N] = { 0 };
	size_t len[N] = { 0 };
	unsigned seed[N] = { 0 };
	unsigned x = 12345;
	int ok = 1;
	for (unsigned r = 0; r < rounds && ok; r++) {
		x = x * 1103515245 + 12345;
		unsigned i = (x >> 8) % N;
		size_t n = (x >> 4) % 7 == 0 ? (x >> 3) % (600u << 10) : (x >> 5) % 3000;
		if (b[i] && !filled(b[i], len[i], seed[i]))
			ok = 0;
		if (!b[i]) {
			b[i] = PyMem_RawMalloc(n);
		} else if (r & 1) {
			b[i] = PyMem_RawRealloc(b[i], n);
			ok &= b[i] && filled(b[i], n < len[i] ? n : len[i], seed[i]);
		} else {
			PyMem_RawFree(b[i]);
			b[i] = PyMem_RawMalloc(n);
		}
		ok &= b[i] != NULL && ((uintptr_t)b[i] & 15) == 0;
		len[i] = n;
		seed[i] = r;
		if (b[i])
			fill(b[i], n, r);
	}
	for (unsigned i = 0; i < N; i++) {
		ok &= !b[i] || filled(b[i], len[i], seed[i]);
		PyMem_RawFree(b[i]);
	}
	return ok;
}

int main(void)
{
	hugemem_python();
	Py_InitializeEx(0);
	long c0 = hugemem_chunks();
	T_OK(c0 > 0, "starting Python took arenas from the chunks");
	/* ~40 MB of small objects: many arenas, then all freed. */
	T_OK(PyRun_SimpleString("x = [str(i) for i in range(400000)]") == 0, "Python runs on them");
	long c1 = hugemem_chunks();
	T_OK(c1 > c0 + 4, "a big list of small objects took more chunks");
	T_OK(PyRun_SimpleString("del x; import gc; gc.collect()") == 0, "and gave its arenas back");
	T_OK(PyRun_SimpleString("y = [str(i) for i in range(400000)]") == 0, "the same again");
	T_OK(hugemem_chunks() <= c1 + 1, "reuses the freed arenas instead of new chunks");
	T_OK(PyRun_SimpleString("assert sum(map(len, y)) == 2288890") == 0,
	     "objects in reused arenas hold their values");
	T_OK(PyRun_SimpleString("del y; gc.collect()") == 0, "freed again");

	/* pymalloc's pools: holes made, then filled. */
	T_OK(PyRun_SimpleString("h = [bytes(i % 480) for i in range(30000)]; del h[::3]") == 0,
	     "objects of every size freed here and there");
	long holes = hugemem_pool_holes();
	T_OK(holes > 10000, "CPython's report counts the holes");
	hugemem_settle();
	T_EQ_INT(hugemem_pool_holes(), 0, "after hugemem_settle() no used pool has a free block");
	/* (Where the next block of a class then goes, a fresh pool or an emptied
	 * one with its old free list, is pymalloc's choice: not checked here.) */
	T_OK(PyRun_SimpleString("del h") == 0, "Python runs on");

	/* The raw domain. */
	T_OK(shuffle_blocks(20000), "raw blocks of every size keep their contents through malloc, realloc and free");
	char *a1 = PyMem_RawMalloc(100);
	PyMem_RawFree(a1);
	T_OK(PyMem_RawMalloc(100) == a1, "a freed raw block is given again for its size");
	memset(a1, 0xff, 100);
	PyMem_RawFree(a1);
	unsigned char *z = PyMem_RawCalloc(10, 10);
	int zeroed = z == (unsigned char *)a1;
	for (int i = 0; i < 100 && z; i++)
		zeroed &= z[i] == 0;
	T_OK(zeroed, "calloc clears a reused block");
	unsigned char *zb = PyMem_RawCalloc(1, 3u << 20);
	T_OK(zb && zb[0] == 0 && zb[(3u << 20) - 1] == 0 && ((uintptr_t)zb & ((2ul << 20) - 1)) == 16,
	     "a big block is a mapping of its own, zeroed, 16 bytes past a 2 MiB boundary");
	PyMem_RawFree(zb);
	T_OK(PyMem_RawMalloc((size_t)1 << 62) == NULL && PyMem_RawCalloc((size_t)1 << 40, (size_t)1 << 40) == NULL,
	     "sizes past the address space or overflowing fail with NULL");
	if (thp_madvise_mode())
		T_EQ_INT(thp_eligible(z), 1, "the zygote's raw chunks are marked for huge pages");
	else
		T_SKIP("transparent huge pages are not in madvise mode here");
	PyMem_RawFree(z);

	/* A forked child leaves what it inherited as it was. */
	enum { SMALL = 200, LARGE = 400u << 10 };
	unsigned char *inh = PyMem_RawMalloc(SMALL), *inhbig = PyMem_RawMalloc(LARGE);
	fill(inh, SMALL, 7);
	fill(inhbig, LARGE, 8);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		hugemem_forked();
		int bits = 0;
		PyMem_RawFree(inh);
		bits |= !filled(inh, SMALL, 7) << 0;		/* free wrote no link into it */
		unsigned char *n1 = PyMem_RawMalloc(SMALL);
		bits |= (n1 == inh) << 1;			/* and does not hand it out */
		unsigned char *g = PyMem_RawRealloc(inhbig, LARGE + 4096);
		bits |= (g == inhbig || !filled(g, LARGE, 8) || !filled(inhbig, LARGE, 8)) << 2;
		bits |= (thp_madvise_mode() && thp_eligible(n1) != 0) << 3;
		bits |= !shuffle_blocks(5000) << 4;
		bits |= (PyRun_SimpleString("d = {str(i): list(range(i % 50)) for i in range(20000)}\n"
					    "assert sum(map(len, d.values())) == 490000") != 0) << 5;
		_exit(bits);
	}
	int status = 0;
	T_OK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status), "the forked child ran");
	int bits = WIFEXITED(status) ? WEXITSTATUS(status) : 0xff;
	T_OK(!(bits & 1), "freeing an inherited block writes nothing into it");
	T_OK(!(bits & 2), "nor gives it out again");
	T_OK(!(bits & 4), "growing an inherited block copies it and leaves the old one as it was");
	T_OK(!(bits & 8), "the child's own chunks are not marked for huge pages");
	T_OK(!(bits & 16), "the child's blocks keep their contents through malloc, realloc and free");
	T_OK(!(bits & 32), "Python runs in the child");
	T_OK(filled(inh, SMALL, 7) && filled(inhbig, LARGE, 8), "the parent's blocks are as they were");
	PyMem_RawFree(inh);
	PyMem_RawFree(inhbig);

	/* The allocator itself: two arenas to a 2 MiB-aligned chunk. */
	PyObjectArenaAllocator a;
	PyObject_GetArenaAllocator(&a);
	enum { N = 64 };
	void *p[N];
	int aligned = 1;
	for (int i = 0; i < N; i++) {
		p[i] = a.alloc(a.ctx, 1ul << 20);
		aligned &= p[i] && ((uintptr_t)p[i] & ((1ul << 20) - 1)) == 0;
		if (p[i])
			memset(p[i], i, 1ul << 20);
	}
	T_OK(aligned, "arenas are 1 MiB-aligned halves of 2 MiB chunks");
	int fresh = 0;
	for (int i = 0; i < N && !fresh; i++)
		for (int j = 0; j < N; j++)
			if (p[j] == (char *)p[i] + (1ul << 20) && ((uintptr_t)p[i] & ((2ul << 20) - 1)) == 0)
				fresh = 1;
	T_OK(fresh, "the two halves of a chunk are neighbours");
	int kept = 1;
	for (int i = 0; i < N; i++)
		kept &= ((unsigned char *)p[i])[0] == (unsigned char)i && ((unsigned char *)p[i])[(1ul << 20) - 1] == (unsigned char)i;
	T_OK(kept, "no two arenas overlap");
	void *odd = a.alloc(a.ctx, 3 << 20);
	T_OK(odd != NULL, "another size is an ordinary mapping");
	a.free(a.ctx, odd, 3 << 20);
	if (thp_madvise_mode())
		T_EQ_INT(thp_eligible(p[N - 1]), 1, "the zygote's chunks are marked for huge pages");
	else
		T_SKIP("transparent huge pages are not in madvise mode here");
	for (int i = 0; i < N; i++)
		a.free(a.ctx, p[i], 1ul << 20);
	long c2 = hugemem_chunks();
	void *q = a.alloc(a.ctx, 1ul << 20);
	T_OK(q == p[N - 1] && hugemem_chunks() == c2, "the last arena freed is the first given again");
	a.free(a.ctx, q, 1ul << 20);

	/* In a forked child new chunks are ordinary pages. */
	hugemem_forked();
	void *r[N + 2];
	for (int i = 0; i < N + 2; i++)
		r[i] = a.alloc(a.ctx, 1ul << 20);	/* the freed ones, then new chunks */
	T_OK(hugemem_chunks() > c2, "past the freed arenas, new chunks are taken");
	if (thp_madvise_mode())
		T_EQ_INT(thp_eligible(r[N + 1]), 0, "after hugemem_forked() they are not marked");
	else
		T_SKIP("transparent huge pages are not in madvise mode here");
	for (int i = 0; i < N + 2; i++)
		a.free(a.ctx, r[i], 1ul << 20);
	Py_FinalizeEx();
	return t_done();
}
