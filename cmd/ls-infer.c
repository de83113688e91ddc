/* ls-infer — completions for records: a local Llama/Qwen3 model (+ LoRA
 * adapter) on the CPU, or an OpenAI-compatible endpoint; or tokens. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include "cuda/ops_cuda.h"
#include "model/infer.h"
#include "model/models.h"
#include "rec/tool.h"

static struct {
	const char *model, *adapter, *tokenizer, *input, *output, *system, *tpl;
	const char *endpoint, *key_env, *use, *models, *device;
	const char *json_schema, *grammar, *schema_field, *validate_field;
	int self_test;
	int merge, no_think, tokenize, detokenize, max_tokens, top_k, retries, concurrency;
	double temperature, top_p, timeout;
	ls_strlist stop;
} o = { .max_tokens = 256, .top_p = 1, .retries = 5, .concurrency = 4, .timeout = 300,
	.key_env = "OPENAI_API_KEY" };

static const ls_opt opts[] = {
	{ "model", 'm', "DIR", LS_STR, &o.model, "model directory (Hugging Face layout); with --endpoint, the model's name" },
	{ "adapter", 0, "DIR", LS_STR, &o.adapter, "LoRA adapter directory (PEFT layout)" },
	{ "merge", 0, NULL, LS_FLAG, &o.merge, "merge the adapter into the weights before generating" },
	{ "tokenizer", 0, "FILE", LS_STR, &o.tokenizer, "tokenizer.json (default: the model's)" },
	{ "input-field", 0, "FIELD", LS_STR, &o.input, "the prompt (string or messages; default: messages, instruction+input, prompt, text)" },
	{ "output-field", 0, "FIELD", LS_STR, &o.output, "where the result goes (default completion; tokens/text with --tokenize/--detokenize)" },
	{ "system", 0, "TEXT", LS_STR, &o.system, "a system message for records without one" },
	{ "template", 0, "chatml|raw", LS_ENUM, &o.tpl, "chatml or raw (default: chatml when the tokenizer has <|im_start|>)" },
	{ "no-think", 0, NULL, LS_FLAG, &o.no_think, "chatml: an empty <think></think> block (Qwen3 without thinking)" },
	{ "max-tokens", 'n', "N", LS_COUNT, &o.max_tokens, "tokens to generate at most (default 256)" },
	{ "temperature", 't', "X", LS_DOUBLE, &o.temperature, "sampling temperature; 0 is greedy (default)" },
	{ "top-k", 0, "N", LS_COUNT, &o.top_k, "sample from the N most likely tokens (0: all)" },
	{ "top-p", 0, "X", LS_DOUBLE, &o.top_p, "sample from the smallest set with probability X (default 1)" },
	{ "stop", 0, "TEXT", LS_LIST, &o.stop, "end the completion at TEXT (repeatable; cut from the output)" },
	{ "json-schema", 0, "FILE", LS_STR, &o.json_schema, "constrain completions to documents valid against this JSON schema" },
	{ "grammar", 0, "FILE", LS_STR, &o.grammar, "constrain completions to this grammar (EBNF; see share/grammar/json.ebnf)" },
	{ "schema-field", 0, "FIELD", LS_STR, &o.schema_field, "constrain each record's completion to the JSON schema in its FIELD" },
	{ "validate-field", 0, "FIELD", LS_STR, &o.validate_field, "check FIELD against the schema or grammar instead of generating: adds validation" },
	{ "tokenize", 0, NULL, LS_FLAG, &o.tokenize, "add the token ids of --input-field (default text) as tokens" },
	{ "detokenize", 0, NULL, LS_FLAG, &o.detokenize, "add the text of the ids in --input-field (default tokens) as text" },
	{ "device", 0, "NAME", LS_STR, &o.device, "cpu (default), cuda, or auto: the GPU when one works" },
	{ "self-test", 0, NULL, LS_FLAG, &o.self_test, "check every op of --device against the CPU's and exit" },
	{ "endpoint", 0, "URL", LS_STR, &o.endpoint, "an OpenAI-compatible server (e.g. http://host:8000/v1)" },
	{ "api-key-env", 0, "VAR", LS_STR, &o.key_env, "environment variable with the API key (default OPENAI_API_KEY)" },
	{ "concurrency", 0, "N", LS_INT, &o.concurrency, "requests in flight with --endpoint (default 4)" },
	{ "retries", 0, "N", LS_COUNT, &o.retries, "retries of a failed request, with backoff (default 5)" },
	{ "timeout", 0, "SEC", LS_DOUBLE, &o.timeout, "seconds per request (default 300)" },
	{ "use", 0, "NAME", LS_STR, &o.use, "the model NAME of the models file (default: its default, when no --model)" },
	{ "models", 0, "FILE", LS_STR, &o.models, "the models file (default $LS_MODELS, else models.json)" },
	{ 0 }
};

static infer *in;

static void *winit(ls_tool *t, void *ctx, int i) { (void)t, (void)i; return infer_worker_new(ctx); }
static jv map(void *w, jv rec, ls_tool *t) { (void)t; return infer_record(in, w, rec); }

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-infer", .synopsis = "[options] --model DIR [FILE ...]",
		      .about = "generate completions for records with a local model or an endpoint",
		      .opts = opts, .cacheable = 1,
		      .examples = "  ls-infer --model models/tiny --max-tokens 64 < suite.jsonl\n"
				  "  ls-infer --endpoint http://localhost:8000/v1 --model qwen3 < suite.jsonl\n"
				  "  ls-infer --tokenize --tokenizer tokenizer.json < texts.jsonl\n"
				  "  ls-infer --model models/tiny --json-schema docs/schema/ir.schema.json < tasks.jsonl\n"
				  "  ls-infer --json-schema docs/schema/ir.schema.json --validate-field completion < out.jsonl\n" };
	ls_parse(&t, argc, argv);
	/* the math backend, for a local model (and the self-test) */
	const nn_ops *ops = NULL;
	char err[1024], notice[512];
	if (o.self_test || (!o.endpoint && !o.tokenize && !o.detokenize && !o.validate_field)) {
		if (!(ops = nn_device_open(o.device ? o.device : "cpu", err, sizeof err, notice, sizeof notice))) {
			if (o.self_test && strstr(err, "no CUDA device"))
				printf("skipped: %s\n", strstr(err, "no CUDA device"));
			ls_die(strstr(err, "unknown device") ? EX_USAGE_ : EX_UNAVAILABLE_, "%s", err);
		}
		if (notice[0] && o.device)	/* quiet when auto is only the default */
			ls_warn("%s", notice);
		if (o.self_test) {
			int bad = nn_self_test(ops, t.seed, stdout);
			ls_parse_free(&t);
			return bad ? EX_SOFTWARE_ : 0;
		}
	}
	if (o.tokenize && o.detokenize)
		ls_usage_error(&t, "--tokenize and --detokenize exclude each other");
	if (o.temperature < 0)
		ls_usage_error(&t, "--temperature: must not be negative: '%g'", o.temperature);
	if (o.top_p <= 0 || o.top_p > 1)
		ls_usage_error(&t, "--top-p: want 0 < X <= 1: '%g'", o.top_p);
	if (o.concurrency < 1)
		ls_usage_error(&t, "--concurrency: must be at least 1: '%d'", o.concurrency);
	if (o.timeout <= 0)
		ls_usage_error(&t, "--timeout: must be above 0: '%g'", o.timeout);
	if (!!o.json_schema + !!o.grammar + !!o.schema_field > 1)
		ls_usage_error(&t, "--json-schema, --grammar and --schema-field exclude each other");
	if (o.validate_field && !o.json_schema && !o.grammar && !o.schema_field)
		ls_usage_error(&t, "--validate-field needs --json-schema, --grammar or --schema-field");
	if ((o.json_schema || o.grammar || o.schema_field) && (o.endpoint || o.tokenize || o.detokenize) &&
	    !o.validate_field)
		ls_usage_error(&t, "constrained decoding is for a local model (not --endpoint, --tokenize, --detokenize)");
	/* --use NAME, or the models file's default when no model is named */
	model_spec use;
	int ust, picked = models_pick(o.models, o.use, !o.model && !o.endpoint && !o.tokenize && !o.detokenize && !o.validate_field,
				      &use, &ust, err, sizeof err);
	if (picked < 0)
		ls_die(ust, "%s", err);
	if (picked && (o.model || o.adapter || o.endpoint))
		ls_usage_error(&t, "--use excludes --model, --adapter and --endpoint");
	if (!o.model && !picked && !o.validate_field && !(o.tokenizer && (o.tokenize || o.detokenize)))
		ls_usage_error(&t, "--model is required (or --use NAME, or a default in the models file)");
	infer_opts io = {
		.ops = ops, .model = o.model, .adapter = o.adapter, .merge = o.merge, .tokenizer = o.tokenizer,
		.input_field = o.input, .output_field = o.output, .system = o.system,
		.template_name = o.tpl, .no_think = o.no_think, .tokenize = o.tokenize,
		.detokenize = o.detokenize, .max_tokens = o.max_tokens, .top_k = o.top_k,
		.temperature = o.temperature, .top_p = o.top_p, .stop = o.stop.v, .n_stop = o.stop.n,
		.seed = t.seed, .threads = t.jobs, .json_schema = o.json_schema, .grammar = o.grammar,
		.schema_field = o.schema_field, .validate_field = o.validate_field, .endpoint = o.endpoint,
		.api_key = getenv(o.key_env), .retries = o.retries, .backoff_s = 0.5,
		.timeout_s = o.timeout,
	};
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (picked && models_apply(&use, &io, err, sizeof err) < 0)
		ls_die(EX_UNAVAILABLE_, "%s", err);
	/* -j: threads for the model's math; records go one at a time through the
	 * model, --concurrency at a time to an endpoint, -j at a time to the tokenizer */
	if (io.endpoint && !o.validate_field)
		t.jobs = o.concurrency;
	else if (!o.tokenize && !o.detokenize)
		t.jobs = 1;	/* the grammars' caches are one thread's too */
	in = infer_open(&io, err, sizeof err);
	if (!in)
		ls_die(EX_DATAERR_, "%s", err);
	ls_stage st = { .worker_init = winit, .worker_free = infer_worker_free, .map = map, .ctx = in };
	int rc = ls_run(&t, &st);
	infer_close(in);
	model_spec_free(&use);
	curl_global_cleanup();
	return rc;
}
