/* hugemem.c — CPython's memory in a zygote and in the children it forks (see hugemem.h). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <malloc.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include "exec/hugemem.h"

#define UNIT_SHIFT 21
#define UNIT (1ul << UNIT_SHIFT)	/* a huge page: chunks are this, and aligned to it */
#define ARENA (1ul << 20)	/* CPython 3.11's arena on 64-bit (USE_LARGE_ARENAS) */

static int forked;	/* in a child: new chunks in ordinary pages, inherited blocks left alone */

/* len bytes starting at a UNIT boundary, over-allocated by one UNIT and
 * trimmed; NULL when the address space is spent. */
static char *map_aligned(size_t len)
{
	char *p = mmap(NULL, len + UNIT, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	char *a = (char *)(((uintptr_t)p + UNIT - 1) & ~(UNIT - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (a + len < p + len + UNIT)
		munmap(a + len, (size_t)(p + len + UNIT - (a + len)));
	return a;
}

/* ---- CPython's arenas ---------------------------------------------------
 * Arenas come two to a chunk. Freed ones are kept on a list (linked through
 * their first word) and handed out again; CPython frees an arena only when
 * it is wholly empty, which is rare in a zygote. */

static long chunks;
static void *spare;		/* the second half of the last chunk */
static void *freed;		/* freed arenas */

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
	char *c = map_aligned(UNIT);
	if (!c)
		return NULL;
	if (!forked)
		madvise(c, UNIT, MADV_HUGEPAGE);
	chunks++;
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

/* ---- CPython's raw domain ------------------------------------------------
 * Blocks from size classes, each with a header. Which chunk or mapping a
 * block lies in, and the fork generation that made it, comes from a table
 * of the UNITs that are ours. */

#define HDR 16ul			/* keeps blocks 16-byte aligned, as malloc's are */
#define BIG (256ul << 10)		/* blocks over this get a mapping each */
#define NCLASS 96
#define MAGIC 0x6c736668u		/* "lsfh" */

/* Before each block: its usable size and class (BIGCLASS: a mapping). */
typedef struct {
	size_t size;
	uint32_t cls;
	uint32_t magic;
} hdr;
#define BIGCLASS 0xffffffffu

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;	/* the child may run threads */
static char *cur, *end;			/* the chunk being carved */
static void *freelist[NCLASS];
static uintptr_t gen;			/* forks since install: blocks of an older one are inherited */

/* ---- which UNITs are ours -----------------------------------------------
 * An open-addressed set of UNIT numbers. A chunk owns its whole unit; a big
 * mapping starts at a unit boundary but may share its last unit with other
 * mappings, so a pointer is one of its blocks only at base + HDR. */

enum { CHUNK = 1, MAPPING = 2, KIND = 3 };	/* kind | gen << 2 */
typedef struct {
	uintptr_t unit;
	uintptr_t kind;
} slot;
static slot *tab;
static size_t tabcap, tabn;

static size_t slot_of(uintptr_t unit, size_t cap)
{
	return (size_t)((unit * 0x9e3779b97f4a7c15ull) >> 20) & (cap - 1);
}

static slot *tab_find(uintptr_t unit)
{
	if (!tab)
		return NULL;
	for (size_t i = slot_of(unit, tabcap);; i = (i + 1) & (tabcap - 1)) {
		if (tab[i].unit == unit)
			return &tab[i];
		if (!tab[i].unit)
			return NULL;
	}
}

static int tab_add(uintptr_t unit, uintptr_t kind)
{
	if (2 * (tabn + 1) > tabcap) {
		size_t ncap = tabcap ? 2 * tabcap : 256;
		slot *n = mmap(NULL, ncap * sizeof *n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (n == MAP_FAILED)
			return -1;
		for (size_t i = 0; i < tabcap; i++) {
			if (!tab[i].unit)
				continue;
			size_t j = slot_of(tab[i].unit, ncap);
			while (n[j].unit)
				j = (j + 1) & (ncap - 1);
			n[j] = tab[i];
		}
		if (tab)
			munmap(tab, tabcap * sizeof *tab);
		tab = n;
		tabcap = ncap;
	}
	size_t i = slot_of(unit, tabcap);
	while (tab[i].unit)
		i = (i + 1) & (tabcap - 1);
	tab[i].unit = unit;
	tab[i].kind = kind;
	tabn++;
	return 0;
}

/* Linear probing's deletion: move later entries of the run back into the gap. */
static void tab_del(slot *s)
{
	size_t i = (size_t)(s - tab);
	for (size_t j = (i + 1) & (tabcap - 1); tab[j].unit; j = (j + 1) & (tabcap - 1)) {
		size_t h = slot_of(tab[j].unit, tabcap);
		/* Entry j may fill the gap at i unless its home lies in (i, j]. */
		if ((j > i && (h <= i || h > j)) || (j < i && (h <= i && h > j))) {
			tab[i] = tab[j];
			i = j;
		}
	}
	tab[i].unit = 0;
	tabn--;
}

/* ---- blocks ------------------------------------------------------------ */

/* Class of a block of total bytes (header included), and the block's size:
 * 16-byte steps up to 1 KiB, then four steps per doubling up to BIG. */
static unsigned size_class(size_t total, size_t *bsz)
{
	if (total <= 1024) {
		unsigned c = (unsigned)((total + 15) / 16) - 1;
		*bsz = (c + 1) * 16ul;
		return c;
	}
	unsigned k = 63 - (unsigned)__builtin_clzl(total - 1);	/* 2^k < total <= 2^(k+1) */
	size_t step = 1ul << (k - 2);
	size_t q = (total - 1 - (1ul << k)) / step;
	*bsz = (1ul << k) + (q + 1) * step;
	return 64 + (k - 10) * 4 + (unsigned)q;
}

/* A mapping of len bytes at a UNIT boundary, entered in the table as kind. */
static char *map_ours(size_t len, uintptr_t kind)
{
	char *a = map_aligned(len);
	if (a && tab_add((uintptr_t)a >> UNIT_SHIFT, kind | gen << 2) < 0) {
		munmap(a, len);
		a = NULL;
	}
	return a;
}

/* The block whose header is at at. */
static void *block(char *at, size_t size, uint32_t cls)
{
	*(hdr *)at = (hdr){ size - HDR, cls, MAGIC };
	return at + HDR;
}

static void *big_alloc(size_t n)
{
	size_t len = (n + HDR + 4095) & ~4095ul;
	char *a = map_ours(len, MAPPING);
	return a ? block(a, len, BIGCLASS) : NULL;
}

static void *small_alloc(size_t n)
{
	size_t bsz;
	unsigned c = size_class(n + HDR > 32 ? n + HDR : 32, &bsz);	/* room for the free list's link */
	char *b = freelist[c];
	if (b) {
		freelist[c] = *(void **)b;
		return b;
	}
	if ((size_t)(end - cur) < bsz) {
		/* The rest of the old chunk is given up: at most BIG of 2 MiB. */
		char *a = map_ours(UNIT, CHUNK);
		if (!a)
			return NULL;
		if (!forked)
			madvise(a, UNIT, MADV_HUGEPAGE);
		cur = a;
		end = a + UNIT;
	}
	cur += bsz;
	return block(cur - bsz, bsz, c);
}

/* p's header if p is one of its blocks; *old: from before the last fork. */
static hdr *ours(const void *p, int *old)
{
	uintptr_t base = (uintptr_t)p - HDR;
	slot *s = tab_find(base >> UNIT_SHIFT);
	if (!s || ((s->kind & KIND) == MAPPING && (base & (UNIT - 1))))
		return NULL;
	hdr *h = (hdr *)base;
	*old = (s->kind >> 2) != gen;
	return h->magic == MAGIC ? h : NULL;
}

static void release(hdr *h)
{
	if (h->cls == BIGCLASS) {
		tab_del(tab_find((uintptr_t)h >> UNIT_SHIFT));
		munmap(h, h->size + HDR);
		return;
	}
	void *b = (char *)h + HDR;
	*(void **)b = freelist[h->cls];
	freelist[h->cls] = b;
}

/* ---- the allocator ----------------------------------------------------- */

static void *raw_malloc(void *ctx, size_t n)
{
	(void)ctx;
	if (n > PTRDIFF_MAX - UNIT)
		return NULL;
	pthread_mutex_lock(&lock);
	void *p = n + HDR > BIG ? big_alloc(n) : small_alloc(n);
	pthread_mutex_unlock(&lock);
	return p;
}

static void *raw_calloc(void *ctx, size_t nelem, size_t elsize)
{
	size_t n;
	if (__builtin_mul_overflow(nelem, elsize, &n))
		return NULL;
	void *p = raw_malloc(ctx, n);
	if (p && n + HDR <= BIG)	/* a fresh mapping is zeroed already */
		memset(p, 0, n);
	return p;
}

static void raw_free(void *ctx, void *p)
{
	(void)ctx;
	if (!p)
		return;
	pthread_mutex_lock(&lock);
	int old;
	hdr *h = ours(p, &old);
	if (h && !old)
		release(h);
	else if (!h && !gen)
		free(p);	/* malloc's: CPython made it under its default allocator */
	/* else: the parent's, left as it is (hugemem.h) */
	pthread_mutex_unlock(&lock);
}

static void *raw_realloc(void *ctx, void *p, size_t n)
{
	if (!p)
		return raw_malloc(ctx, n);
	pthread_mutex_lock(&lock);
	int old = 1;
	hdr *h = ours(p, &old);
	size_t size = h ? h->size : malloc_usable_size(p);
	pthread_mutex_unlock(&lock);
	/* Keep a block of this generation where n fits and wastes under half. */
	if (h && !old && n <= size && (h->cls == BIGCLASS ? n > size / 2 : n + HDR > size / 2))
		return p;
	void *q = raw_malloc(ctx, n);
	if (!q)
		return NULL;
	memcpy(q, p, n < size ? n : size);
	raw_free(ctx, p);
	return q;
}

/* ---- pymalloc's pools ----------------------------------------------------
 * How many free blocks each size class has left in its partly used pools,
 * read from CPython's own report (what sys._debugmallocstats() prints):
 * "class size pools blocks-in-use avail-blocks" rows, one per class. */

#define NPOOLCLASS 32	/* 16-byte classes up to 512 (CPython 3.11, 64-bit) */

/* Exported by libpython; declared only in its internal headers (pycore_pymem.h). */
PyAPI_FUNC(int) _PyObject_DebugMallocStats(FILE *out);

static int pool_avail(long avail[NPOOLCLASS])
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	if (!f)
		return -1;
	_PyObject_DebugMallocStats(f);
	fclose(f);
	int rows = 0;
	memset(avail, 0, NPOOLCLASS * sizeof *avail);
	for (char *line = buf, *nl; line && *line; line = nl ? nl + 1 : NULL) {
		nl = strchr(line, '\n');
		unsigned c, size;
		long pools, used, av;
		if (sscanf(line, "%u %u %ld %ld %ld", &c, &size, &pools, &used, &av) == 5 &&
		    c < NPOOLCLASS && size == (c + 1) * 16 && av >= 0) {
			avail[c] = av;
			rows++;
		}
	}
	free(buf);
	return rows ? 0 : -1;
}

long hugemem_pool_holes(void)
{
	long avail[NPOOLCLASS], n = 0;
	if (pool_avail(avail) < 0)
		return -1;
	for (int c = 0; c < NPOOLCLASS; c++)
		n += avail[c];
	return n;
}

/* The free blocks that pool_avail() counts, taken and kept for good. */
static void fill_pools(void)
{
	long avail[NPOOLCLASS];
	if (pool_avail(avail) < 0)
		return;		/* not pymalloc, or its report changed: nothing to fill */
	for (int c = 0; c < NPOOLCLASS; c++)
		for (long i = 0; i < avail[c]; i++)
			if (!PyObject_Malloc((size_t)(c + 1) * 16))	/* kept for good */
				return;
}

void hugemem_settle(void)
{
	/* gc.collect() as Python code calls it: with PyGC_Collect() instead a
	 * child copied ~7 more pages (measured; cause not looked into). */
	PyObject *gc = PyImport_ImportModule("gc");
	PyObject *c = gc ? PyObject_CallMethod(gc, "collect", NULL) : NULL;
	PyObject *r = gc ? PyObject_CallMethod(gc, "freeze", NULL) : NULL;
	Py_XDECREF(c);
	Py_XDECREF(r);
	Py_XDECREF(gc);
	PyErr_Clear();
	fill_pools();
}

void hugemem_python(void)
{
	PyObjectArenaAllocator a = { NULL, arena_alloc, arena_free };
	PyObject_SetArenaAllocator(&a);
	PyMemAllocatorEx r = { NULL, raw_malloc, raw_calloc, raw_realloc, raw_free };
	PyMem_SetAllocator(PYMEM_DOMAIN_RAW, &r);
}

void hugemem_forked(void)
{
	forked = 1;
	pthread_mutex_init(&lock, NULL);	/* held by no thread here */
	gen++;
	cur = end = NULL;
	memset(freelist, 0, sizeof freelist);
}

long hugemem_chunks(void) { return chunks; }
