/* pyfunc.h — the functions of one Python file, as function records.
 *
 * pyf_scan parses a file once and finds every def (qualname, kind, lines)
 * by walking statements only: a def cannot sit inside an expression, so the
 * walk never enters one. pyf_record_json then writes the full record of
 * one function (code, docstring, signature, doctests, globals, ...) as
 * JSON, with one cursor walk over that function's subtree (pyf_record is
 * the same as a jv object). Qualified names follow Python's
 * __qualname__: "C.m", "f.<locals>.g", "f.<locals>.C.m". Lambdas are not
 * functions here. A def whose subtree holds an ERROR or MISSING node, or
 * that sits inside one, is marked has_error: callers do not emit it.
 *
 * The pure helpers (cleandoc, doctest split) follow CPython 3.11's
 * inspect.cleandoc and doctest.DocTestParser exactly, so they are exposed
 * for tests.
 */
#ifndef LS_PYFUNC_H
#define LS_PYFUNC_H
#include <stddef.h>
#include <jv.h>
#include <tree_sitter/api.h>
#include "base/strbuf.h"

enum pyf_kind { PYF_FUNCTION, PYF_METHOD, PYF_STATICMETHOD, PYF_CLASSMETHOD, PYF_PROPERTY, PYF_ASYNC };
extern const char *const pyf_kind_name[];

typedef struct pyf_info {
	const char *qualname, *name;	/* owned by the pyf_file */
	enum pyf_kind kind;
	int is_async;
	int nested;		/* inside another function */
	int in_class;		/* directly in a class body: a method */
	int has_error;		/* ERROR/MISSING inside, or the def sits in an ERROR node */
	int has_docstring;
	int lineno, end_lineno;	/* of the def line (decorators excluded), as ast */
	int lines;		/* end_lineno - lineno + 1 */
	unsigned def_byte;	/* where the def starts (decorators excluded) */
} pyf_info;

typedef struct pyf_file pyf_file;

/* Parse src[0..len) with p (one parser per thread) and find its functions.
 * src must stay valid until pyf_free. NULL on allocation failure. */
pyf_file *pyf_scan(TSParser *p, const char *src, size_t len);
int pyf_count(const pyf_file *f);
const pyf_info *pyf_get(const pyf_file *f, int i);
int pyf_root_has_error(const pyf_file *f);	/* any ERROR/MISSING in the file */
TSTree *pyf_tree(const pyf_file *f);
/* The import statements test linking reads in a test file, in order,
 * found by the scan (testlink.h, tl_scan_file_with); NULL when the scan
 * cannot tell (testlink then walks the file itself). */
const TSNode *pyf_tl_imports(const pyf_file *f, int *n);

/* The fields of function i set on the object r (consumed; returned):
 * qualname, name, kind, is_async, is_generator, lineno, end_lineno, code,
 * decorators, docstring, body, signature, class, imports, globals, doctests. */
jv pyf_record(pyf_file *f, int i, jv r);
/* The same fields written straight as JSON members (",\"qualname\":...", in
 * the same order, the bytes rec_write would write), appended to o: the
 * extractor builds records without jv. code gets the "code" text (for
 * dedup). With names, the walk over the def also gathers what test linking
 * needs of it (testlink.h), so that a test function is walked once.
 * Returns the number of doctests. */
struct tl_names;
int pyf_record_json(pyf_file *f, int i, sb *o, sb *code, struct tl_names *names);
/* A JSON string (rec_put_string) appended to o. */
void pyf_put_string(sb *o, const char *s, size_t n);
void pyf_free(pyf_file *f);

/* All module-level imports, one line per name bound ("import a.b", "from a import b as c").
 * A record's "imports" holds those that bind a name the function uses. */
jv pyf_imports(pyf_file *f);

/* "pkg/mod.py" -> "pkg.mod", "pkg/__init__.py" -> "pkg", "src/pkg/m.py" -> "pkg.m".
 * malloc'd. */
char *pyf_module_name(const char *path);

/* inspect.cleandoc of s[0..n): malloc'd, NUL-terminated. */
char *pyf_cleandoc(const char *s, size_t n);
/* doctest.DocTestParser().get_examples(doc) as [{"source","want","lineno"}],
 * lineno = first_line + the example's 0-based line in doc. A docstring that
 * DocTestParser rejects (inconsistent indentation) gives []. */
jv pyf_doctests(const char *doc, size_t n, int first_line);

#endif
