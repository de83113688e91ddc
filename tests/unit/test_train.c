/* test_train.c — lib/train: examples and masks, packing, schedule, the run.
 *
 * The data checks use the tiny tokenizer (tests/fixtures). The last check
 * trains a LoRA adapter through tr_run on a saved tiny model, loads the
 * adapter it wrote, and compares the logits of the unmerged and the merged
 * adapter (and of the base, which must differ). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include "nn/lora.h"
#include "nn/util.h"
#include "train/data.h"
#include "train/optim.h"
#include "train/trainer.h"

static char err[512];
static tokenizer *tok;
static const char *tok_path;

static tr_data_opts dopts(int seq_len, int truncate)
{
	return (tr_data_opts){ .tok = tok, .tpl = CHAT_CHATML, .seq_len = seq_len, .truncate = truncate,
			       .eos_id = 656, .vocab_size = 659 };
}

static int add(tr_data *d, const tr_data_opts *o, const char *json)
{
	jv rec = jv_parse(json);
	int rc = tr_data_add(d, o, rec, err, sizeof err);
	jv_free(rec);
	return rc;
}

static void check_examples(void)
{
	tr_data d = { 0 };
	tr_data_opts o = dopts(256, 0);
	T_OK(add(&d, &o, "{\"instruction\":\"Be brief.\",\"input\":\"add\",\"output\":\"a + b\"}") == 0,
	     "an instruction record is an example");
	/* the counted tokens decode to exactly the answer and <|im_end|> */
	const tr_example *x = &d.ex[0];
	int first = 0;
	while (first < x->n && !x->count[first])
		first++;
	char *ans = tok_decode(tok, x->ids + first, x->n - first, 0, NULL);
	T_EQ_STR(ans, "a + b<|im_end|>", "only the answer (and the end of the turn) is in the loss");
	char *prompt = tok_decode(tok, x->ids, first, 0, NULL);
	T_EQ_STR(prompt, "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nadd<|im_end|>\n"
		 "<|im_start|>assistant\n", "the prompt is rendered as ls-infer renders it");
	free(ans), free(prompt);
	T_OK(add(&d, &o, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"},"
		 "{\"role\":\"assistant\",\"content\":\"yo\"}]}") == 0 && d.n == 2, "a chat record");
	T_OK(add(&d, &o, "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}") < 0 &&
	     strstr(err, "nothing to train on"), "a chat without an answer is refused");
	T_OK(add(&d, &o, "{\"id\":1}") < 0 && d.n == 2, "a record without the fields is refused");
	/* text: every token counted, EOS appended, chunks of seq_len */
	tr_data_opts s = dopts(8, 0);
	T_OK(add(&d, &s, "{\"text\":\"def add(a, b):\\n    return a + b\\n\"}") == 0 && d.n > 3,
	     "a long text becomes several chunks");
	int ok = 1, total = 0;
	for (int i = 2; i < d.n; i++) {
		ok &= d.ex[i].n <= 8 && d.ex[i].count[0] == 0;
		for (int j = 1; j < d.ex[i].n; j++)
			ok &= d.ex[i].count[j];
		total += d.ex[i].n;
	}
	T_OK(ok && d.ex[d.n - 1].ids[d.ex[d.n - 1].n - 1] == 656, "chunks count every token, the last ends in EOS");
	/* too long: refused, or truncated and counted */
	tr_data_opts l = dopts(24, 0), lt = dopts(24, 1);
	const char *big = "{\"prompt\":\"p\",\"completion\":\"x x x x x x x x x x x x x x x x x x x x x x x x x\"}";
	T_OK(add(&d, &l, big) < 0 && strstr(err, "longer than --seq-len 24"), "a long example is refused");
	int n0 = d.n;
	T_OK(add(&d, &lt, big) == 0 && d.n == n0 + 1 && d.ex[n0].n == 24 && d.truncated == 1,
	     "or with --truncate cut to --seq-len and counted");
	tr_data_opts v = dopts(256, 0);
	v.vocab_size = 300;
	T_OK(add(&d, &v, "{\"prompt\":\"<|im_end|>\",\"completion\":\"a\"}") < 0 && strstr(err, "do not match"),
	     "a token id past the model's vocabulary is refused");
	tr_data_free(&d);
}

static void check_batches(void)
{
	tr_data d = { 0 };
	tr_data_opts o = dopts(16, 0);
	const char *recs[] = { "{\"text\":\"a b c\"}", "{\"text\":\"import os, sys\"}", "{\"text\":\"x = 1\"}",
			       "{\"text\":\"def f(): pass\"}", "{\"text\":\"y\"}", "{\"text\":\"return 0\"}" };
	for (int i = 0; i < 6; i++)
		add(&d, &o, recs[i]);
	tr_epoch e, e2, e3;
	tr_epoch_plan(&e, &d, 7, 0, 1, 12);
	tr_epoch_plan(&e2, &d, 7, 0, 1, 12);
	tr_epoch_plan(&e3, &d, 7, 1, 1, 12);
	T_OK(!memcmp(e.order, e2.order, d.n * sizeof(int)), "the same seed and epoch, the same order");
	T_OK(memcmp(e.order, e3.order, d.n * sizeof(int)), "the next epoch, another order");
	int ok = 1, seen = 0;
	for (int i = 0; i < e.n_mb; i++) {
		int tokens = 0;
		for (int j = e.mb[i]; j < e.mb[i + 1]; j++)
			tokens += d.ex[e.order[j]].n, seen++;
		ok &= tokens <= 12 || e.mb[i + 1] - e.mb[i] == 1;
	}
	T_OK(ok && seen == d.n, "micro-batches hold whole examples within the token budget");
	tr_batch b = { 0 };
	tr_batch_fill(&b, &d, e.order + e.mb[0], e.mb[1] - e.mb[0]);
	const tr_example *x0 = &d.ex[e.order[e.mb[0]]];
	ok = b.b.nseg == e.mb[1] - e.mb[0] && b.b.seg[0] == 0 && b.b.seg[1] == x0->n;
	for (int j = 0; j < x0->n; j++)
		ok &= b.pos[j] == j && b.targets[j] == (j + 1 < x0->n ? x0->ids[j + 1] : -1);
	T_OK(ok && b.b.N == b.b.seg[b.b.nseg], "a batch: segments, positions from 0, next-token targets");
	tr_batch_free(&b);
	tr_epoch_free(&e), tr_epoch_free(&e2), tr_epoch_free(&e3);
	tr_data_free(&d);
}

static void check_schedule(void)
{
	tr_optim_opts o = { .lr = 1, .min_lr = 0.1f, .warmup = 4, .total = 13 };
	T_OK(fabsf(tr_lr(&o, 1) - 0.25f) < 1e-6 && fabsf(tr_lr(&o, 4) - 1) < 1e-6, "linear warmup");
	T_OK(tr_lr(&o, 5) == 1 && fabsf(tr_lr(&o, 9) - 0.55f) < 1e-6 && fabsf(tr_lr(&o, 13) - 0.1f) < 1e-6,
	     "cosine from lr to min_lr");
	unsigned tg;
	T_OK(tr_parse_targets("q,k_proj,down", &tg) == 0 && tg == ((1u << NN_Q) | (1u << NN_K) | (1u << NN_DOWN)),
	     "--targets names, with or without _proj");
	T_OK(tr_parse_targets("q,zz", &tg) < 0 && tr_parse_targets("all", &tg) == 0 && tg == 127,
	     "unknown names refused, all");
	/* clipping scales the gradient to the norm, and the step zeroes it */
	float p[2] = { 0, 0 }, g[2] = { 3, 4 };
	tr_optim s;
	tr_optim_opts oo = { .lr = 0.1f, .b1 = 0.9f, .b2 = 0.999f, .eps = 1e-8f, .clip = 1, .total = 1 };
	tr_optim_init(&s, &oo, &nn_cpu_ops, p, g, 2);
	tr_optim_range(&s, 0, 2, 1);
	double norm = tr_optim_step(&s, NULL);
	T_OK(norm == 5 && fabsf(s.m[0] - 0.1f * 0.6f) < 1e-7 && g[0] == 0 && p[0] < 0,
	     "clipping to norm 1, then AdamW, then a zero gradient");
	tr_optim_free(&s);
}

static void emit(void *ctx, jv m)
{
	double *loss = ctx;	/* first, last */
	loss[1] = jv_number_value(jv_object_get(m, jv_string("loss")));
	if (loss[0] == 0)
		loss[0] = loss[1];
}

static void check_run(void)
{
	char dir[] = "/tmp/test_train.XXXXXX", path[256], adir[300];
	if (!mkdtemp(dir)) {
		T_SKIP("no temporary directory");
		return;
	}
	nn_config c = { .arch = NN_QWEN3, .dim = 32, .n_layers = 2, .n_heads = 4, .n_kv_heads = 2,
			.head_dim = 8, .hidden_dim = 48, .vocab_size = 659, .max_seq = 128, .rope_theta = 10000,
			.norm_eps = 1e-6f, .tied = 1, .qk_norm = 1, .bos_id = -1, .n_eos = 1, .eos_ids = { 658 } };
	nn_model *m = nn_model_new(&c, &nn_cpu_ops, err, sizeof err);
	nn_model_init_random(m, 1, 0.1f);
	nn_model_save(m, dir, 11 /* F32 */, 0, err, sizeof err);
	snprintf(path, sizeof path, "cp %s %s/tokenizer.json", tok_path, dir);
	T_OK(system(path) == 0, "a saved tiny model");
	snprintf(adir, sizeof adir, "%s/adapter", dir);
	tr_opts o = { .base = dir, .out = adir, .targets = 127, .lora_r = 4, .lora_alpha = 8, .seq_len = 64,
		      .batch = 1, .shuffle = 1, .epochs = 40, .grad_accum = 1, .lr = 1e-2f, .b1 = 0.9f,
		      .b2 = 0.999f, .eps = 1e-8f, .clip = 1, .threads = 1, .seed = 3 };
	tr_trainer *t = tr_open(&o, err, sizeof err);
	jv r1 = jv_parse("{\"prompt\":\"add\",\"completion\":\"a + b\"}");
	jv r2 = jv_parse("{\"prompt\":\"neg\",\"completion\":\"-a\"}");
	T_OK(t && !tr_add(t, r1, 0, err, sizeof err) && !tr_add(t, r2, 0, err, sizeof err), "tr_open and tr_add");
	double loss[2] = { 0, 0 };
	int rc = tr_run(t, emit, loss, err, sizeof err);
	char buf[160];
	snprintf(buf, sizeof buf, "tr_run: LoRA lowers the loss of two examples from %.2f to %.2f", loss[0], loss[1]);
	T_OK(rc == 0 && loss[1] < loss[0] * 0.6, buf);
	tr_close(t);
	jv_free(r1), jv_free(r2);

	nn_lora *a = nn_lora_load(m, adir, err, sizeof err);
	T_OK(a != NULL, "the adapter it wrote loads");
	int ids[6] = { 657, 872 % 659, 20, 30, 40, 50 }, T = 6, V = 659;
	float *base = malloc(sizeof(float) * T * V), *unm = malloc(sizeof(float) * T * V),
	      *mrg = malloc(sizeof(float) * T * V);
	nn_state *s = nn_state_new(m, 0);
	nn_forward(m, s, ids, T, base, 1, err, sizeof err);
	m->lora = a;
	nn_state_reset(s);
	nn_forward(m, s, ids, T, unm, 1, err, sizeof err);
	m->lora = NULL;
	nn_lora_merge(m, a);
	nn_state_free(m, s);
	s = nn_state_new(m, 0);	/* scratch sized without the adapter */
	nn_forward(m, s, ids, T, mrg, 1, err, sizeof err);
	double d_um = 0, d_base = 0;
	for (int i = 0; i < T * V; i++) {
		d_um = fmax(d_um, fabs(unm[i] - mrg[i]));
		d_base = fmax(d_base, fabs(unm[i] - base[i]));
	}
	snprintf(buf, sizeof buf, "merged and unmerged logits agree (max diff %.1e; %.2f from the base)",
		 d_um, d_base);
	T_OK(d_um < 1e-4 && d_base > 1e-2, buf);
	nn_state_free(m, s);
	free(base), free(unm), free(mrg);
	nn_lora_free(a);
	nn_model_free(m);
	snprintf(path, sizeof path, "rm -rf %s", dir);
	if (system(path))
		T_OK(0, "cleanup");
}

int main(void)
{
	tok_path = getenv("TOP") ? NULL : "tests/fixtures/tiny-tokenizer.json";
	static char p[4096];
	if (!tok_path) {
		snprintf(p, sizeof p, "%s/tests/fixtures/tiny-tokenizer.json", getenv("TOP"));
		tok_path = p;
	}
	tok = tok_load(tok_path, err, sizeof err);
	if (!tok) {
		printf("# %s\n", err);
		T_OK(0, "the tiny tokenizer loads");
		return t_done();
	}
	check_examples();
	check_batches();
	check_schedule();
	check_run();
	tok_free(tok);
	return t_done();
}
