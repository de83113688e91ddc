/* hugemem.h — the zygote's Python objects in transparent huge pages.
 *
 * Every record's child is forked from a zygote that holds ~20 MB of Python
 * objects in CPython's arenas. fork copies one page-table entry per 4 KiB
 * page of them; in 2 MiB pages it is one entry per 512 pages. On the stdlib
 * doctests of bench/exec.sh that copy (copy_page_range) went from 9% to 4%
 * of all CPU in perf at -j 1. A child still copies only the 4 KiB pages it
 * writes: the kernel splits a shared huge page at its first write into it.
 *
 * Only the arenas: the malloc heap is written by the zygote's own C code
 * while a child lives, and each such write splits a shared huge page for
 * good. The arenas hold Python objects, which the zygote leaves alone until
 * the child is gone.
 *
 * It is advice to the kernel: where transparent huge pages are off, the
 * chunks are ordinary memory and nothing fails.
 */
#ifndef LS_HUGEMEM_H
#define LS_HUGEMEM_H

/* CPython's object arenas from 2 MiB-aligned chunks marked MADV_HUGEPAGE.
 * Call before Py_Initialize: no arena may exist yet. */
void hugemem_python_arenas(void);

/* In a forked child: arenas it adds are ordinary pages. A huge page would
 * cost the child a 2 MiB clear (and perhaps a compaction, in its CPU time)
 * for what is often a few pages of objects. */
void hugemem_forked(void);

/* Chunks taken so far: for tests and diagnostics. */
long hugemem_chunks(void);

#endif
