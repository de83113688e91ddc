/* models.h — models by name: the models file behind ls-infer --use.
 *
 * A JSON file (docs/EVALUATION.md has the format) names each model:
 *
 *	{"default": "ft",
 *	 "models": {
 *	   "base":   {"path": "models/base"},
 *	   "ft":     {"path": "models/base", "adapter": "adapters/v1", "merge": true},
 *	   "remote": {"endpoint": "http://gpu:8000/v1", "model": "Qwen/Qwen3-8B",
 *	              "api_key_env": "VLLM_API_KEY"}}}
 *
 * A local model has "path" (a Hugging Face directory) and optionally
 * "adapter", "merge", "tokenizer", "template", "no_think"; an endpoint has
 * "endpoint" and "model", optionally "api_key_env" (default OPENAI_API_KEY).
 * Relative paths are taken from the file's directory. Keys the format does not know are errors, never ignored.
 * The file is $LS_MODELS, else models.json in the working directory, unless
 * named explicitly. */
#ifndef LS_MODELS_H
#define LS_MODELS_H
#include <stddef.h>
#include "model/infer.h"

typedef struct {
	char *name;
	char *path, *adapter, *tokenizer, *template_name;	/* local */
	char *endpoint, *model, *key_env;			/* endpoint */
	int merge, no_think;
} model_spec;

/* Which model to use: name, or when name is NULL and use_default is set, the
 * file's "default". file NULL: $LS_MODELS, else ./models.json.
 * Returns 1 with *m filled (model_spec_free it), 0 when there is nothing to
 * use (no name, and no file or no default), or -1 with err set and *status
 * the exit status it calls for (64 unknown name, 66 no file, 65 bad file). */
int models_pick(const char *file, const char *name, int use_default, model_spec *m, int *status,
		char *err, size_t errsz);
void model_spec_free(model_spec *m);

/* Point io at the model: its paths, adapter, template, endpoint and key.
 * An endpoint is probed first; a model whose key variable is named but not
 * set, or an endpoint that cannot be reached, is an error (-1, err set). */
int models_apply(const model_spec *m, infer_opts *io, char *err, size_t errsz);

/* Can url be reached at all? Any HTTP answer to GET url/models counts:
 * 0, or -1 with the connection's error in err. */
int models_probe(const char *url, double timeout_s, char *err, size_t errsz);

#endif
