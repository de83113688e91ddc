/* hugemem.c — the zygote's Python objects in transparent huge pages (see hugemem.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <sys/mman.h>
#include "hugemem.h"

#define HUGE (2ul << 20)
#define ARENA (1ul << 20)	/* CPython 3.11's arena on 64-bit (USE_LARGE_ARENAS) */

static long chunks;
static int forked;	/* in a child: new chunks in ordinary pages */

/* ---- CPython's arenas ---------------------------------------------------
 * Arenas come two to an aligned 2 MiB chunk. Freed ones are kept on a list
 * (linked through their first word) and handed out again; CPython frees an
 * arena only when it is wholly empty, which is rare in a zygote. */

static void *spare;		/* the second half of the last chunk */
static void *freed;		/* freed arenas */

static void *chunk_new(void)
{
	/* Over-allocate by one huge page and trim, for alignment. */
	char *p = mmap(NULL, 2 * HUGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *a = (char *)(((uintptr_t)p + HUGE - 1) & ~(HUGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + HUGE < p + 2 * HUGE)
		munmap(a + HUGE, (size_t)(p + 2 * HUGE - (a + HUGE)));
	if (!forked)
		madvise(a, HUGE, MADV_HUGEPAGE);
	chunks++;
	return a;
}

static void *arena_alloc(void *ctx, size_t size)
{
	(void)ctx;
	if (size != ARENA) {
		void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		return p == MAP_FAILED ? NULL : p;
	}
	void *a = freed;
	if (a) {
		freed = *(void **)a;
		return a;
	}
	if (spare) {
		a = spare;
		spare = NULL;
		return a;
	}
	char *c = chunk_new();
	if (!c)
		return NULL;
	spare = c + ARENA;
	return c;
}

static void arena_free(void *ctx, void *p, size_t size)
{
	(void)ctx;
	if (size != ARENA) {
		munmap(p, size);
		return;
	}
	*(void **)p = freed;
	freed = p;
}

void hugemem_python_arenas(void)
{
	PyObjectArenaAllocator a = { NULL, arena_alloc, arena_free };
	PyObject_SetArenaAllocator(&a);
}

void hugemem_forked(void) { forked = 1; }

long hugemem_chunks(void) { return chunks; }
