/* hugemem.h — CPython's memory in a zygote and in the children it forks.
 *
 * Every record's child is forked from a zygote that holds ~30 MB of Python
 * objects. Two costs follow, and this module is about both:
 *
 * fork copies one page-table entry per 4 KiB page. In 2 MiB pages it is one
 * entry per 512 pages, so the zygote's Python memory comes from 2 MiB-aligned
 * chunks marked for transparent huge pages. On the stdlib doctests of
 * bench/exec.sh that copy (copy_page_range) went from 9% to 4% of all CPU at
 * -j 1. A child still copies only the 4 KiB pages it writes: the kernel
 * splits a shared huge page at its first write into it.
 *
 * A child copies each page it writes. CPython's own allocations (objects of
 * up to 512 bytes, in arenas) are left to CPython. Its larger blocks (dict
 * tables, lists, big code objects, all of the "raw" domain) come from an
 * allocator here instead of malloc:
 *   - size classes carved from the chunks (16-byte steps up to 1 KiB, then
 *     four per doubling); blocks over 256 KiB get a mapping each;
 *   - after a fork the child carves new chunks of ordinary pages and never
 *     writes to what it inherited: freeing an inherited block does nothing
 *     (the child is short-lived, and the block is the zygote's too), and
 *     growing one copies it. Under malloc each free or allocation there
 *     wrote a chunk header or a bin next to the zygote's data, copying its
 *     page: a child copied ~94 heap pages a record, now ~5.
 * The malloc heap keeps only the C code's own allocations, and the zygote's
 * C code may write it while a child lives: that is why it is not in huge
 * pages (each such write would split one for good).
 *
 * Huge pages are advice to the kernel: where they are off, the chunks are
 * ordinary memory and nothing fails. The child's address-space limit
 * (RLIMIT_AS) holds as before: a chunk or mapping that does not fit fails,
 * and CPython raises MemoryError.
 */
#ifndef LS_HUGEMEM_H
#define LS_HUGEMEM_H

/* CPython's arenas and raw domain from here. Call before Py_Initialize: no
 * arena or raw block may exist yet. */
void hugemem_python(void);

/* In a forked child, before it runs Python code: its new chunks are
 * ordinary pages (a huge page would cost it a 2 MiB clear for what is often
 * a few pages of objects), and what it inherited is never written. A host
 * that forks children of its own calls it only in them. */
void hugemem_forked(void);

/* The zygote's (or a host's) heap made ready to be shared, after its
 * imports and before it forks. Needs the GIL.
 *   - gc.collect() and gc.freeze(): the collector never touches, and so
 *     copies, the shared objects in a child;
 *   - the free blocks left in pymalloc's partly used pools are filled, as
 *     many of each size class as CPython's own report counts
 *     (sys._debugmallocstats). A child's new objects then go into a fresh
 *     pool, a few pages it writes once, instead of one hole at a time into
 *     pages it shares with the zygote, each copied at its first write: a
 *     child of bench/exec.sh's stdlib doctests copied 592 pages, now 529.
 *     Where the report cannot be read, nothing is filled.
 * The filled blocks are kept for good, so call it after an import, not
 * before every fork. The report counts a pool's never-used tail with its
 * holes, so a call takes up to a pool (16 KiB) per class: on bench/exec.sh
 * a zygote settled 11 times and kept 3.96 MB. */
void hugemem_settle(void);

/* The free blocks in pymalloc's partly used pools, all size classes
 * together: -1 where CPython's report cannot be read. For tests. */
long hugemem_pool_holes(void);

/* Arena chunks taken so far: for tests and diagnostics. */
long hugemem_chunks(void);

#endif
