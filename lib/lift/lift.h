/* lift.h — reverse mode: a Python function's source lifted into the IR.
 *
 * The IR is defined in docs/IR.md and docs/schema/ir.schema.json. Everything
 * here is static analysis over the tree-sitter syntax tree of the record's
 * `code` (nothing is executed), plus the record's own fields when present
 * (docstring, doctests, path, qualname, lineno, class).
 *
 * Use: one lift_ctx per thread (it owns the TSParser); per record
 * lift_fn_open (parse the def and its docstring), lift_ir, lift_fn_close.
 * ls-prompt uses the same lift_fn for signatures and body lines.
 */
#ifndef LS_LIFT_H
#define LS_LIFT_H
#include <stddef.h>
#include <stdint.h>
#include <jv.h>
#include "py/docstring.h"
#include "py/pyparse.h"

typedef struct { const char *s; uint32_t n; } lift_span;	/* text in the source; n == 0: absent */

typedef enum { LP_POSONLY, LP_POS, LP_VARPOS, LP_KWONLY, LP_VARKW } lift_pkind;

typedef struct {
	lift_span name;		/* without the stars of *args / **kwargs */
	lift_span annotation;	/* as written */
	lift_span dflt;		/* default value source text */
	TSNode dflt_node;	/* valid when dflt.n */
	lift_pkind kind;
	int line;		/* line within code, from 1 */
} lift_param;

typedef struct lift_fn {
	const char *src;	/* the record's code (borrowed from the record, or own) */
	char *own;		/* the code with its docstring elided, when the record has the docstring */
	size_t len;
	TSTree *tree;
	TSNode def, body;	/* function_definition and its block */
	lift_span name, returns;
	int is_async, is_generator;
	lift_param *params;
	int nparams;
	char *doc;		/* cleaned docstring, malloc'd; NULL when none */
	size_t doclen;
	ds_doc ds;		/* doc parsed (ds_parse; empty when there is no doc) */
	int doc_line;		/* line within code of the docstring statement; 0 if none */
	uint32_t body_start;	/* byte offset of the first statement after the docstring */
	int line_base;		/* add to a code line for the file line (record lineno - 1) */
	char err[200];
} lift_fn;

typedef struct lift_ctx lift_ctx;

lift_ctx *lift_ctx_new(char *err, size_t errsz);
void lift_ctx_free(lift_ctx *c);
/* ls_stage worker hooks for ls-lift and ls-prompt: one lift_ctx per worker
 * (exits with EX_SOFTWARE_ when the grammar is refused). */
struct ls_tool;
void *lift_worker_init(struct ls_tool *t, void *ctx, int worker);
void lift_worker_free(void *w);

/* Parse rec.code (rec is borrowed and must outlive f). The docstring is
 * rec.docstring when that is a string, else the one in the code; f->ds is it
 * parsed. Returns 0,
 * or -1 with f->err set and *code the error code: "missing_field",
 * "bad_field", "syntax", "no_function". Call lift_fn_close either way. */
int lift_fn_open(lift_ctx *c, jv rec, lift_fn *f, const char **code);
void lift_fn_close(lift_fn *f);

/* The signature as Python writes it, on one line: "name(a: int, b=1) -> str". malloc'd. */
char *lift_signature(const lift_fn *f);
/* Words of an identifier, for derived text: "getUserName" / "get_user_name" -> "get user name". malloc'd. */
char *lift_name_words(const char *s, size_t n);

enum { LIFT_PROFILE_FULL, LIFT_PROFILE_LIFTSYS };

/* The IR of a parsed function. rec is borrowed (path, qualname, lineno,
 * class, doctests are read from it); the docstring's parts from f->ds. */
jv lift_ir(lift_ctx *c, const lift_fn *f, jv rec, int profile);

/* The lift-sys core of a full-profile IR (consumed): only the published
 * fields, holes moved into their clauses, names in lift-sys's pattern. */
jv lift_core(jv ir);

/* The quality score of an IR in the full profile (ir.quality.score), or -1. Borrows ir. */
double lift_score(jv ir);

#endif
