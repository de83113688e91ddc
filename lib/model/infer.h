/* infer.h — ls-infer's work on one record: a completion from a local model
 * (with an optional LoRA adapter) or from an OpenAI-compatible endpoint, or
 * tokenizing / detokenizing a field.
 *
 * Fields added to a record: the completion (--output-field, default
 * "completion"), "model", "adapter" (null without one), "tokens_in",
 * "tokens_out", "finish_reason" ("stop" or "length"), "latency_ms".
 * With a grammar (json_schema, grammar or schema_field) completions are
 * constrained to it (grammar/constrain.h); with validate_field the field
 * is checked instead and "validation" {valid, offset} added (offset: the
 * first byte that cannot come next, or the length when the text ends early).
 * The seed of a record's sampler is a hash of --seed and the record's id, so
 * a record draws the same tokens whatever else is in the input. */
#ifndef LS_INFER_H
#define LS_INFER_H
#include <stddef.h>
#include <jv.h>

struct nn_ops;

typedef struct {
	const struct nn_ops *ops;	/* the math backend (cuda/ops_cuda.h); NULL: the CPU */
	const char *model;		/* a model directory; with endpoint, the remote model's name */
	const char *adapter;		/* PEFT adapter directory or NULL */
	int merge;			/* merge the adapter into the weights */
	const char *tokenizer;		/* NULL: MODEL/tokenizer.json */
	const char *input_field;	/* NULL: messages / instruction / prompt / text */
	const char *output_field;	/* NULL: completion, tokens or text by mode */
	const char *system;		/* a system message for records without one */
	const char *template_name;	/* "chatml", "raw" or NULL: chatml when the tokenizer has <|im_start|> */
	int no_think;			/* Qwen3: an empty <think></think> block */
	int tokenize, detokenize;
	int max_tokens, top_k;
	double temperature, top_p;
	const char *const *stop;
	int n_stop;
	unsigned long seed;
	int threads;			/* math threads (BLAS, OpenMP) */
	const char *json_schema;	/* constrain completions to this JSON schema file */
	const char *grammar;		/* or to this EBNF file */
	const char *schema_field;	/* or to the schema in each record's field */
	const char *validate_field;	/* check this field against it instead of generating */
	const char *endpoint;		/* OpenAI-compatible base URL */
	const char *api_key;
	int retries;
	double backoff_s, timeout_s;
} infer_opts;

typedef struct infer infer;

/* Load what the options need (model, adapter, tokenizer). NULL with err set. */
infer *infer_open(const infer_opts *o, char *err, size_t errsz);
void infer_close(infer *in);
/* Per-thread state (KV cache, sampler buffers, HTTP connection). */
void *infer_worker_new(infer *in);
void infer_worker_free(void *w);
/* One record in (consumed), the record with its new fields out, or ls_fail(). */
jv infer_record(infer *in, void *w, jv rec);

#endif
