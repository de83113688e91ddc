/* tsalloc.c — see tsalloc.h. */
#include "py/tsalloc.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <tree_sitter/api.h>

/* Chunks double in size, so even a huge file needs few of them, and the
 * address check (is this pointer ours?) stays a short loop. They are kept
 * from file to file, up to TSA_KEEP bytes. */
enum { TSA_FIRST = 1 << 20, TSA_KEEP = 64 << 20, TSA_HDR = 16 };

typedef struct chunk {
	struct chunk *next;
	char *mem;
	size_t cap, used;
} chunk;

enum { TSA_CLASSES = 64 };	/* freed blocks up to 64 * 16 bytes are reused */

static __thread struct {
	chunk *head, *cur;	/* cur: the chunk being filled; those before it are full */
	int active;
	void *freed[TSA_CLASSES + 1];	/* by usable size / 16: reused, so memory stays warm */
} A;

static chunk *owner(const void *p)
{
	for (chunk *c = A.head; c; c = c->next)
		if ((const char *)p >= c->mem && (const char *)p < c->mem + c->cap)
			return c;
	return NULL;
}

static void *bump(size_t n)
{
	n = (n + TSA_HDR + 15) & ~(size_t)15;
	size_t cl = (n - TSA_HDR) / 16;
	if (cl <= TSA_CLASSES && A.freed[cl]) {
		void *p = A.freed[cl];
		A.freed[cl] = *(void **)p;
		return p;
	}
	chunk *c = A.cur;
	while (c && c->used + n > c->cap) {	/* the next kept chunk, rewound */
		c = c->next;
		if (c)
			c->used = 0;
	}
	if (!c) {
		size_t cap = A.cur ? A.cur->cap * 2 : TSA_FIRST;
		while (cap < n)
			cap *= 2;
		c = malloc(sizeof *c);
		if (!c || !(c->mem = malloc(cap)))
			abort();
		c->cap = cap;
		c->used = 0;
		c->next = NULL;
		chunk **tail = &A.head;
		while (*tail)
			tail = &(*tail)->next;
		*tail = c;
	}
	A.cur = c;
	char *p = c->mem + c->used;
	c->used += n;
	*(size_t *)p = n - TSA_HDR;	/* usable size, for realloc */
	return p + TSA_HDR;
}

static void *tsa_malloc(size_t n)
{
	return A.active ? bump(n) : malloc(n);
}

static void *tsa_calloc(size_t k, size_t n)
{
	if (!A.active)
		return calloc(k, n);
	void *p = bump(k * n);
	memset(p, 0, k * n);
	return p;
}

static void tsa_free(void *p)
{
	if (!p)
		return;
	if (!owner(p)) {
		free(p);
		return;
	}
	size_t cl = *(size_t *)((char *)p - TSA_HDR) / 16;
	if (A.active && cl <= TSA_CLASSES) {
		*(void **)p = A.freed[cl];
		A.freed[cl] = p;
	}
}

static void *tsa_realloc(void *p, size_t n)
{
	if (!p)
		return tsa_malloc(n);
	if (!owner(p))
		return realloc(p, n);
	if (!A.active)	/* arena memory outside tsa_begin/tsa_end: the rule was broken */
		abort();
	size_t old = *(size_t *)((char *)p - TSA_HDR);
	if (n <= old)
		return p;
	void *q = bump(n);
	memcpy(q, p, old);
	tsa_free(p);
	return q;
}

static void install(void)
{
	ts_set_allocator(tsa_malloc, tsa_calloc, tsa_realloc, tsa_free);
}

#if defined(__SANITIZE_ADDRESS__)
#define TSA_ON 0
#else
#define TSA_ON 1
#endif

void tsa_install(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	if (TSA_ON)
		pthread_once(&once, install);
}

void tsa_begin(void)
{
	A.active = TSA_ON;
	memset(A.freed, 0, sizeof A.freed);
	A.cur = A.head;
	if (A.cur)
		A.cur->used = 0;
}

void tsa_end(void)
{
	A.active = 0;
	memset(A.freed, 0, sizeof A.freed);
	/* keep the first chunks for the next file, up to TSA_KEEP bytes */
	size_t kept = 0;
	for (chunk **c = &A.head; *c;) {
		kept += (*c)->cap;
		if (kept <= TSA_KEEP || *c == A.head) {
			c = &(*c)->next;
			continue;
		}
		chunk *d = *c;
		*c = d->next;
		free(d->mem);
		free(d);
	}
	A.cur = A.head;
}

void tsa_release(void)
{
	while (A.head) {
		chunk *d = A.head;
		A.head = d->next;
		free(d->mem);
		free(d);
	}
	A.cur = NULL;
	A.active = 0;
}

int tsa_active(void)
{
	return A.active;
}
