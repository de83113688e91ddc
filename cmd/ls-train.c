/* ls-train — LoRA fine-tuning, full fine-tuning and training from scratch of
 * Llama/Qwen3 decoders on the CPU; metrics JSONL on stdout. */
#include <stdlib.h>
#include <string.h>
#include "rec/tool.h"
#include "nn/util.h"
#include "train/bpe.h"
#include "train/trainer.h"

static struct {
	const char *base, *init, *tokenizer, *out, *resume, *targets, *tpl, *input, *output, *text;
	const char *system, *val;
	int full, rslora, no_think, truncate, no_shuffle, lora_r, seq_len, batch, epochs, max_steps;
	int grad_accum, warmup, val_every, ckpt_every, train_tok;
	double lora_alpha, lora_dropout, lr, min_lr, wd, b1, b2, eps, clip, init_std;
} o = { .targets = "q,k,v,o", .lora_r = 16, .lora_alpha = 32, .seq_len = 512, .batch = 4,
	.epochs = 1, .grad_accum = 1, .lr = 2e-4, .b1 = 0.9, .b2 = 0.999, .eps = 1e-8, .clip = 1.0,
	.init_std = 0.02 };

static const ls_opt opts[] = {
	{ "base", 'm', "DIR", LS_STR, &o.base, "model directory to fine-tune (Hugging Face layout)" },
	{ "init", 0, "CONFIG", LS_STR, &o.init, "train a new model with this config.json from scratch (needs --tokenizer)" },
	{ "tokenizer", 0, "FILE", LS_STR, &o.tokenizer, "tokenizer.json (default: the base model's)" },
	{ "out", 'o', "DIR", LS_STR, &o.out, "where the adapter (or model) and checkpoints go" },
	{ "resume", 0, "DIR", LS_STR, &o.resume, "continue from a checkpoint (or the latest one in DIR)" },
	{ "full", 0, NULL, LS_FLAG, &o.full, "train every weight of --base instead of a LoRA adapter" },
	{ "targets", 0, "LIST", LS_STR, &o.targets, "LoRA on these linears: q,k,v,o,gate,up,down or all (default q,k,v,o)" },
	{ "lora-r", 'r', "N", LS_INT, &o.lora_r, "LoRA rank (default 16)" },
	{ "lora-alpha", 0, "X", LS_DOUBLE, &o.lora_alpha, "LoRA alpha: the update is scaled by alpha/r (default 32)" },
	{ "lora-dropout", 0, "P", LS_DOUBLE, &o.lora_dropout, "dropout on the LoRA input (default 0)" },
	{ "rslora", 0, NULL, LS_FLAG, &o.rslora, "scale by alpha/sqrt(r) (rank-stabilised LoRA)" },
	{ "template", 0, "NAME", LS_STR, &o.tpl, "chatml or raw (default: chatml when the tokenizer has <|im_start|>)" },
	{ "input-field", 0, "FIELD", LS_STR, &o.input, "the prompt, as ls-infer reads it (default: messages, instruction+input, prompt)" },
	{ "output-field", 0, "FIELD", LS_STR, &o.output, "the answer (default: last assistant message, output, completion, response)" },
	{ "text-field", 0, "FIELD", LS_STR, &o.text, "plain text to train on every token of (default text)" },
	{ "system", 0, "TEXT", LS_STR, &o.system, "a system message for records without one" },
	{ "no-think", 0, NULL, LS_FLAG, &o.no_think, "chatml: an empty <think></think> block, as ls-infer --no-think" },
	{ "seq-len", 0, "N", LS_INT, &o.seq_len, "tokens per example at most (default 512)" },
	{ "truncate", 0, NULL, LS_FLAG, &o.truncate, "cut longer examples to --seq-len (default: refuse them)" },
	{ "batch", 'b', "N", LS_INT, &o.batch, "micro-batch of N * --seq-len tokens, examples packed (default 4)" },
	{ "grad-accum", 0, "N", LS_INT, &o.grad_accum, "micro-batches per optimizer step (default 1)" },
	{ "epochs", 'e', "N", LS_INT, &o.epochs, "passes over the data (default 1)" },
	{ "max-steps", 0, "N", LS_INT, &o.max_steps, "stop after N optimizer steps (overrides --epochs)" },
	{ "no-shuffle", 0, NULL, LS_FLAG, &o.no_shuffle, "keep the input order (default: shuffle each epoch by --seed)" },
	{ "lr", 0, "X", LS_DOUBLE, &o.lr, "peak learning rate (default 2e-4)" },
	{ "min-lr", 0, "X", LS_DOUBLE, &o.min_lr, "learning rate at the end of the cosine (default 0)" },
	{ "warmup", 0, "N", LS_INT, &o.warmup, "steps of linear warmup (default 0)" },
	{ "weight-decay", 0, "X", LS_DOUBLE, &o.wd, "AdamW weight decay on matrices (default 0)" },
	{ "beta1", 0, "X", LS_DOUBLE, &o.b1, "AdamW beta1 (default 0.9)" },
	{ "beta2", 0, "X", LS_DOUBLE, &o.b2, "AdamW beta2 (default 0.999)" },
	{ "adam-eps", 0, "X", LS_DOUBLE, &o.eps, "AdamW epsilon (default 1e-8)" },
	{ "clip", 0, "X", LS_DOUBLE, &o.clip, "clip the global gradient norm to X; 0: off (default 1)" },
	{ "init-std", 0, "X", LS_DOUBLE, &o.init_std, "--init: weights ~ N(0, X^2) (default 0.02)" },
	{ "val", 0, "FILE", LS_STR, &o.val, "validation records: val_loss every --val-every steps and at the end" },
	{ "val-every", 0, "N", LS_INT, &o.val_every, "steps between validations (default: only at the end)" },
	{ "ckpt-every", 0, "N", LS_INT, &o.ckpt_every, "write a checkpoint every N steps (default: none)" },
	{ "train-tokenizer", 0, "N", LS_INT, &o.train_tok, "instead: learn a byte-level BPE of N tokens from the texts into DIR/tokenizer.json" },
	{ 0 }
};

static tr_trainer *tr;
static tr_bpe *bpe;
static long bpe_texts;

static jv map(void *w, jv rec, ls_tool *t)
{
	(void)w, (void)t;
	char err[512];
	if (tr_add(tr, rec, 0, err, sizeof err))
		return ls_fail(rec, "refused", "%s", err);
	jv_free(rec);
	return jv_array();
}

/* --train-tokenizer: texts in, tokenizer.json out */
static jv map_bpe(void *w, jv rec, ls_tool *t)
{
	(void)w, (void)t;
	jv v = rec_path(rec, o.text ? o.text : "text");
	int bad = jv_get_kind(v) != JV_KIND_STRING ||
		  tr_bpe_add(bpe, jv_string_value(v), jv_string_length_bytes(jv_copy(v)));
	jv_free(v);
	if (bad)
		return ls_fail(rec, "refused", "no '%s' string of valid UTF-8", o.text ? o.text : "text");
	bpe_texts++;
	jv_free(rec);
	return jv_array();
}

static jv finish_bpe(void *ctx, ls_tool *t)
{
	(void)ctx, (void)t;
	char err[1024], path[4096];
	snprintf(path, sizeof path, "%s/tokenizer.json", o.out);
	if (nn_mkdirs(o.out) || tr_bpe_write(bpe, o.train_tok, path, err, sizeof err))
		ls_die(EX_IOERR_, "%s", nn_mkdirs(o.out) ? "cannot create the --out directory" : err);
	return jv_array();
}

static void bpe_summary(FILE *f, void *ctx)
{
	(void)ctx;
	fprintf(f, ", %ld texts, %d merges", bpe_texts, tr_bpe_merges(bpe));
}

static void emit(void *ctx, jv metrics)
{
	ls_emit(ctx, metrics);
	fflush(stdout);	/* a step's metrics as soon as it ends: tail -f, plots */
}

static jv finish(void *ctx, ls_tool *t)
{
	(void)ctx;
	char err[1024];
	if (tr_run(tr, emit, t, err, sizeof err))
		ls_die(EX_SOFTWARE_, "%s", err);
	return jv_array();
}

/* The validation records, read before training; a refused one is reported. */
static void read_val(const char *path)
{
	char *files[1] = { (char *)path }, err[512];
	rec_reader *r = rec_reader_open(files, 1, 0);
	jv rec;
	long bad = 0;
	while (rec_next(r, &rec)) {
		if (tr_add(tr, rec, 1, err, sizeof err) && bad++ < 5)
			ls_warn("%s:%ld: validation record refused: %s", path, rec_line(r), err);
		jv_free(rec);
	}
	int fail = rec_unreadable(r) || rec_malformed(r);
	rec_reader_close(r);
	if (fail)
		ls_die(EX_NOINPUT_, "cannot read all of '%s'", path);
	if (bad)
		ls_warn("%ld validation records refused", bad);
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-train", .synopsis = "[options] --base DIR | --init CONFIG --out DIR [FILE ...]",
		      .about = "fine-tune a model with LoRA (or train one) on instruction, chat or text records",
		      .opts = opts, .summary = tr_summary,
		      .examples = "  ls-train --base models/base --out adapters/v1 --epochs 2 < sft.jsonl\n"
				  "  ls-train --init config.json --tokenizer tokenizer.json --out models/small < code.jsonl\n" };
	ls_parse(&t, argc, argv);
	if (o.train_tok) {
		if (!o.out || o.base || o.init || o.train_tok < 259 || o.train_tok > 65536)
			ls_die(EX_USAGE_, "--train-tokenizer N (259..65536) needs --out and no --base or --init");
		char err[512];
		if (!(bpe = tr_bpe_new(err, sizeof err)))
			ls_die(EX_SOFTWARE_, "%s", err);
		t.summary = bpe_summary;
		t.jobs = 1;
		ls_stage st = { .map = map_bpe, .finish = finish_bpe };
		int rc = ls_run(&t, &st);
		tr_bpe_free(bpe);
		return rc;
	}
	if (!o.out || !!o.base == !!o.init)
		ls_die(EX_USAGE_, "--out and one of --base or --init are required");
	unsigned targets;
	if (tr_parse_targets(o.targets, &targets))
		ls_die(EX_USAGE_, "bad --targets '%s' (q,k,v,o,gate,up,down or all)", o.targets);
	if (o.lora_r < 1 || o.lora_alpha <= 0 || o.lora_dropout < 0 || o.lora_dropout >= 1 || o.seq_len < 2 ||
	    o.batch < 1 || o.grad_accum < 1 || o.epochs < 1 || o.max_steps < 0 || o.warmup < 0 || o.lr <= 0 ||
	    o.min_lr < 0 || o.clip < 0 || o.val_every < 0 || o.ckpt_every < 0 || o.init_std <= 0)
		ls_die(EX_USAGE_, "bad value: --lora-r, --seq-len, --batch, --grad-accum, --epochs >= 1; "
		       "0 <= --lora-dropout < 1; --lr, --lora-alpha > 0; others >= 0");
	tr_opts to = {
		.base = o.base, .init = o.init, .tokenizer = o.tokenizer, .out = o.out, .resume = o.resume,
		.full = o.full || o.init, .targets = targets, .lora_r = o.lora_r, .lora_alpha = o.lora_alpha,
		.lora_dropout = o.lora_dropout, .rslora = o.rslora, .template_name = o.tpl,
		.input_field = o.input, .output_field = o.output, .text_field = o.text, .system = o.system,
		.no_think = o.no_think, .truncate = o.truncate, .seq_len = o.seq_len, .batch = o.batch,
		.shuffle = !o.no_shuffle, .epochs = o.epochs, .max_steps = o.max_steps,
		.grad_accum = o.grad_accum, .warmup = o.warmup, .lr = o.lr, .min_lr = o.min_lr, .wd = o.wd,
		.b1 = o.b1, .b2 = o.b2, .eps = o.eps, .clip = o.clip, .init_std = o.init_std,
		.val_every = o.val_every, .ckpt_every = o.ckpt_every, .threads = t.jobs, .seed = t.seed,
		.progress = t.progress,
	};
	t.jobs = 1;	/* -j: threads for the math; records are read one at a time */
	char err[1024];
	if (!(tr = tr_open(&to, err, sizeof err)))
		ls_die(EX_DATAERR_, "%s", err);
	t.summary_ctx = tr;
	if (o.val)
		read_val(o.val);
	ls_stage st = { .map = map, .finish = finish };
	int rc = ls_run(&t, &st);
	tr_close(tr);
	return rc;
}
