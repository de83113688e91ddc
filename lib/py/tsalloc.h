/* tsalloc.h — per-file memory for tree-sitter.
 *
 * A parse allocates and frees a small node or two per token, and deleting
 * a tree visits every node again to free it: with libc malloc that is about
 * an eighth of the parse. Between tsa_begin() and tsa_end() on a thread,
 * tree-sitter allocates from that thread's arena instead (a bump pointer;
 * free does nothing) and tsa_end() takes it all back at once.
 *
 * The rule: every tree-sitter object made between tsa_begin() and tsa_end()
 * is deleted before tsa_end(), or dropped: a tree or a cursor may be left
 * to tsa_end(); a parser must be deleted (its scanner uses libc memory). Objects made outside
 * (with libc memory) may still be used and freed inside: the allocator
 * tells the two apart by address. Our own allocations are not affected.
 * Under AddressSanitizer the arena is off (libc memory throughout), so that
 * a node used after its tree is gone is still caught.
 */
#ifndef LS_TSALLOC_H
#define LS_TSALLOC_H

/* Install the allocator in tree-sitter; call once, before threads parse. */
void tsa_install(void);
void tsa_begin(void);
void tsa_end(void);
/* 1 between tsa_begin() and tsa_end() when the arena is on: a tree need
 * not be deleted then (deleting visits every node; tsa_end() takes it back). */
int tsa_active(void);
/* Free this thread's arena (a thread that parsed calls it before it exits). */
void tsa_release(void);

#endif
