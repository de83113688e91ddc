/* testlink.h — which repository tests exercise a function, found statically.
 *
 * A test file (test_*.py, *_test.py, or under a test/ or tests/ directory)
 * is summarised once: its imports map local names to dotted module paths,
 * and each test function (test* at module level or in a class) gets the
 * set of dotted names it references, resolved through those imports
 * ("from pkg.mod import f" + "f(...)" -> "pkg.mod.f"; "import pkg as p" +
 * "p.mod.f" -> "pkg.mod.f"), plus the attribute names it uses (".m").
 *
 * A function pkg.mod.f is linked to a test that references pkg.mod.f, or
 * pkg.f (a re-export from a package above the module). A method
 * pkg.mod.C.m is linked to a test that references the class that way and
 * uses the attribute .m. Test ids look like "tests/test_mod.py::TestX::test_y".
 *
 * tl_scan_file works on one parsed file (any thread); a tl_index gathers
 * the files of one repository (one thread), then answers queries from any
 * thread.
 */
#ifndef LS_TESTLINK_H
#define LS_TESTLINK_H
#include <jv.h>
#include <tree_sitter/api.h>

typedef struct tl_file tl_file;
/* The tests of one parsed test file; NULL when it has none. */
tl_file *tl_scan_file(const char *path, TSTree *tree, const char *src);

/* The names a test function uses are gathered by a walk over its def. A
 * caller that walks the def anyway (the extractor builds its record) can
 * gather them in the same walk: it calls tl_names_visit for every named
 * node below the def down to TL_MAX_DEPTH, in order, skipping the nodes
 * under one for which it returned 1; then it hands them to
 * tl_scan_file_with, whose get() returns the names of a test function's
 * def (function_definition), or NULL to walk it there. */
#define TL_MAX_DEPTH 400
typedef struct tl_names tl_names;
tl_names *tl_names_new(void);
int tl_names_visit(tl_names *nm, TSNode n, TSSymbol sym, const char *src);
void tl_names_free(tl_names *nm);
typedef const tl_names *(*tl_names_fn)(void *ctx, TSNode def);
/* imports: the file's import statements that its walk for them would find
 * (import and from-import statements reached through module, block,
 * decorated, def and class bodies and the clauses of if, try, with, for,
 * while, match and ERROR, entering none deeper than TL_IMPORT_DEPTH), in
 * order; NULL to walk for them here. */
#define TL_IMPORT_DEPTH 100
tl_file *tl_scan_file_with(const char *path, TSTree *tree, const char *src, const TSNode *imports,
			   int nimports, tl_names_fn get, void *ctx);
void tl_file_free(tl_file *f);

typedef struct tl_index tl_index;
tl_index *tl_new(void);
/* Adds the file's tests (takes ownership of f). */
void tl_add(tl_index *x, tl_file *f);
/* Test ids linked to the function qualname in module, sorted; a jv array.
 * Read-only: once every file is added, any thread may ask. */
jv tl_tests_for(const tl_index *x, const char *module, const char *qualname);
size_t tl_ntests(const tl_index *x);
void tl_free(tl_index *x);

#endif
