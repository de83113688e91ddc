/* grammar/constrain.h — the grammars of one ls-infer run, for constrained
 * decoding and for checking text.
 *
 * A run has one grammar from a file (--json-schema, --grammar), or takes a
 * schema from each record (--schema-field): compiled schemas are kept by
 * their canonical text (the last GC_KEEP), so a run over mixed tasks
 * compiles each schema once and its masks stay cached. With a tokenizer,
 * grammars are compiled in the canonical form (grammar/schema.h) for
 * generation; without one (checking text), with any whitespace. Not
 * thread-safe. */
#ifndef LS_GRAMMAR_CONSTRAIN_H
#define LS_GRAMMAR_CONSTRAIN_H
#include <stddef.h>
#include <stdint.h>
#include <jv.h>
#include "model/tokenizer.h"

#define GC_KEEP 16

typedef struct gc gc;
typedef struct gc_grammar gc_grammar;

/* t NULL: only checking text (gc_check). */
gc *gc_new(const tokenizer *t);
void gc_free(gc *c);
/* The run's grammar: a JSON schema file, or EBNF (ebnf). 0, or -1 with err. */
int gc_set_file(gc *c, const char *path, int ebnf, char *err, size_t errsz);
/* The grammar for rec: the schema in its field (an object, or a string of
 * JSON) when field is set, else the run's. NULL with err set. */
gc_grammar *gc_for(gc *c, jv rec, const char *field, char *err, size_t errsz);

/* Checking text: -1 when text is a whole document, else the offset of the
 * first byte that cannot come next (len when it ends too early). */
long gc_check(gc_grammar *g, const char *text, size_t len);

/* One completion: the state as tokens are chosen. gc_allowed and gc_accept
 * have the shape of nn/generate.h's nn_constraint callbacks. When the
 * tokens left come within GC_MARGIN of the shortest completion, only tokens
 * along a shortest completion are allowed, so the output ends complete
 * within the budget (unless one token opens more than GC_MARGIN bytes of
 * required structure, or the budget is below the shortest document). */
#define GC_MARGIN 64
typedef struct { gc_grammar *g; int state; } gc_session;
void gc_start(gc_session *s, gc_grammar *g);
const uint64_t *gc_allowed(void *session, int left, int *complete);
int gc_accept(void *session, int32_t id);	/* 0, or -1 when id cannot come next */

#endif
