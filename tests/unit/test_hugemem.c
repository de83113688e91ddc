/* Unit tests for lib/hugemem: CPython's arenas come from aligned chunks,
 * marked for huge pages in the zygote and not in a forked child; freed
 * arenas are reused; Python runs on them. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include "t.h"
#include "hugemem.h"

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

int main(void)
{
	hugemem_python_arenas();
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
