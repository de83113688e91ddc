/* ls-infer — completions for records: a local Llama/Qwen3 model (+ LoRA
 * adapter) on the CPU, or an OpenAI-compatible endpoint; or tokens. */
#include <stdlib.h>
#include <curl/curl.h>
#include "model/infer.h"
#include "rec/tool.h"

static struct {
	const char *model, *adapter, *tokenizer, *input, *output, *system, *tpl;
	const char *endpoint, *key_env;
	const char *json_schema, *grammar, *schema_field, *validate_field;
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
	{ "template", 0, "NAME", LS_STR, &o.tpl, "chatml or raw (default: chatml when the tokenizer has <|im_start|>)" },
	{ "no-think", 0, NULL, LS_FLAG, &o.no_think, "chatml: an empty <think></think> block (Qwen3 without thinking)" },
	{ "max-tokens", 'n', "N", LS_INT, &o.max_tokens, "tokens to generate at most (default 256)" },
	{ "temperature", 't', "X", LS_DOUBLE, &o.temperature, "sampling temperature; 0 is greedy (default)" },
	{ "top-k", 0, "N", LS_INT, &o.top_k, "sample from the N most likely tokens (0: all)" },
	{ "top-p", 0, "X", LS_DOUBLE, &o.top_p, "sample from the smallest set with probability X (default 1)" },
	{ "stop", 0, "TEXT", LS_LIST, &o.stop, "end the completion at TEXT (repeatable; cut from the output)" },
	{ "json-schema", 0, "FILE", LS_STR, &o.json_schema, "constrain completions to documents valid against this JSON schema" },
	{ "grammar", 0, "FILE", LS_STR, &o.grammar, "constrain completions to this grammar (EBNF; see share/grammar/json.ebnf)" },
	{ "schema-field", 0, "FIELD", LS_STR, &o.schema_field, "constrain each record's completion to the JSON schema in its FIELD" },
	{ "validate-field", 0, "FIELD", LS_STR, &o.validate_field, "check FIELD against the schema or grammar instead of generating: adds validation" },
	{ "tokenize", 0, NULL, LS_FLAG, &o.tokenize, "add the token ids of --input-field (default text) as tokens" },
	{ "detokenize", 0, NULL, LS_FLAG, &o.detokenize, "add the text of the ids in --input-field (default tokens) as text" },
	{ "endpoint", 0, "URL", LS_STR, &o.endpoint, "an OpenAI-compatible server (e.g. http://host:8000/v1)" },
	{ "api-key-env", 0, "VAR", LS_STR, &o.key_env, "environment variable with the API key (default OPENAI_API_KEY)" },
	{ "concurrency", 0, "N", LS_INT, &o.concurrency, "requests in flight with --endpoint (default 4)" },
	{ "retries", 0, "N", LS_INT, &o.retries, "retries of a failed request, with backoff (default 5)" },
	{ "timeout", 0, "SEC", LS_DOUBLE, &o.timeout, "seconds per request (default 300)" },
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
	if (o.tokenize && o.detokenize)
		ls_die(EX_USAGE_, "--tokenize and --detokenize exclude each other");
	if (o.max_tokens < 0 || o.top_k < 0 || o.temperature < 0 || o.top_p <= 0 || o.top_p > 1 ||
	    o.concurrency < 1 || o.retries < 0 || o.timeout <= 0)
		ls_die(EX_USAGE_, "bad value: --max-tokens, --top-k, --temperature >= 0; 0 < --top-p <= 1; "
		       "--concurrency >= 1");
	if (!!o.json_schema + !!o.grammar + !!o.schema_field > 1)
		ls_die(EX_USAGE_, "--json-schema, --grammar and --schema-field exclude each other");
	if (o.validate_field && !o.json_schema && !o.grammar && !o.schema_field)
		ls_die(EX_USAGE_, "--validate-field needs --json-schema, --grammar or --schema-field");
	if ((o.json_schema || o.grammar || o.schema_field) && (o.endpoint || o.tokenize || o.detokenize) &&
	    !o.validate_field)
		ls_die(EX_USAGE_, "constrained decoding is for a local model (not --endpoint, --tokenize, --detokenize)");
	if (!o.model && !o.validate_field && !(o.tokenizer && (o.tokenize || o.detokenize)))
		ls_die(EX_USAGE_, "--model is required");
	infer_opts io = {
		.model = o.model, .adapter = o.adapter, .merge = o.merge, .tokenizer = o.tokenizer,
		.input_field = o.input, .output_field = o.output, .system = o.system,
		.template_name = o.tpl, .no_think = o.no_think, .tokenize = o.tokenize,
		.detokenize = o.detokenize, .max_tokens = o.max_tokens, .top_k = o.top_k,
		.temperature = o.temperature, .top_p = o.top_p, .stop = o.stop.v, .n_stop = o.stop.n,
		.seed = t.seed, .threads = t.jobs, .json_schema = o.json_schema, .grammar = o.grammar,
		.schema_field = o.schema_field, .validate_field = o.validate_field, .endpoint = o.endpoint,
		.api_key = getenv(o.key_env), .retries = o.retries, .backoff_s = 0.5,
		.timeout_s = o.timeout,
	};
	/* -j: threads for the model's math; records go one at a time through the
	 * model, --concurrency at a time to an endpoint, -j at a time to the tokenizer */
	if (o.endpoint && !o.validate_field)
		t.jobs = o.concurrency;
	else if (!o.tokenize && !o.detokenize)
		t.jobs = 1;	/* the grammars' caches are one thread's too */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	char err[1024];
	in = infer_open(&io, err, sizeof err);
	if (!in)
		ls_die(EX_DATAERR_, "%s", err);
	ls_stage st = { .worker_init = winit, .worker_free = infer_worker_free, .map = map, .ctx = in };
	int rc = ls_run(&t, &st);
	infer_close(in);
	curl_global_cleanup();
	return rc;
}
