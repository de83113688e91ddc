/* ls-split — deterministic grouped train/val/test split, balancing, fine-tuning formats.
 *
 * Without --max-per-group records stream through one at a time; balancing
 * holds every record until the end, since a group's kept set needs the whole
 * group. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "rec/tool.h"
#include "base/hash.h"
#include "rec/jqexpr.h"
#include "dataset/split.h"
#include "dataset/instruct.h"

#define DEFAULT_BY ".repo.name? // .repo // .id"

static struct {
	const char *by, *ratios, *out[SPLIT_N], *balance_by, *stats, *format, *task, *input, *instruction;
	int max_per_group, resplit;
} o = { .by = DEFAULT_BY, .ratios = "0.8,0.1,0.1", .max_per_group = -1,
	.format = "record", .task = "code", .input = "prompt" };

static const ls_opt opts[] = {
	{ "by", 0, "EXPR", LS_STR, &o.by, "jq expression for the group kept in one split (default: the repository name)" },
	{ "ratios", 0, "T,V,T", LS_STR, &o.ratios, "shares of train, val and test (default 0.8,0.1,0.1)" },
	{ "train", 0, "FILE", LS_OUT, &o.out[SPLIT_TRAIN], "write train records to FILE" },
	{ "val", 0, "FILE", LS_OUT, &o.out[SPLIT_VAL], "write val records to FILE" },
	{ "test", 0, "FILE", LS_OUT, &o.out[SPLIT_TEST], "write test records to FILE" },
	{ "resplit", 0, NULL, LS_FLAG, &o.resplit, "assign again records that already have a split field" },
	{ "balance-by", 0, "EXPR", LS_STR, &o.balance_by, "jq expression for the balance group (default: --by)" },
	{ "max-per-group", 0, "N", LS_COUNT, &o.max_per_group, "keep at most N records per balance group" },
	{ "stats", 0, "FILE", LS_OUT, &o.stats, "write the table per split and group to FILE, not stderr" },
	{ "format", 0, "record|instruction|chat", LS_ENUM, &o.format, "record (default), instruction or chat" },
	{ "task", 0, "ir|code|repair", LS_ENUM, &o.task, "what the formatted example teaches: ir, code (default) or repair" },
	{ "input", 0, "prompt|ir", LS_ENUM, &o.input, "input of the code task: prompt (default) or ir" },
	{ "instruction", 0, "TEXT", LS_STR, &o.instruction, "the instruction (or system message) text" },
	{ 0 }
};

static struct {
	ls_tool *t;
	jqx *by, *balance_by;
	double ratios[SPLIT_N];
	instruct_opts fmt;
	FILE *out[SPLIT_N];
	split_stats *stats;
	split_balance *balance;
	jv held;		/* with balancing: [record, split, group] in input order */
	long nout;		/* records written, to stdout and files: for --limit */
	long nfile[SPLIT_N];	/* of them, to each split's file */
	long seen, ungrouped;	/* records taken; of them, with no value for --by */
} S;

/* The summary line counts stdout only: add the files. */
static void summary(FILE *f, void *ctx)
{
	(void)ctx;
	for (int i = 0; i < SPLIT_N; i++)
		if (o.out[i])
			fprintf(f, ", %ld to %s", S.nfile[i], split_names[i]);
}

/* The value of x on rec as a key; NULL with *err set when it raises an error;
 * NULL without it when there is no value (null or no output). */
static char *eval_key(jqx *x, jv rec, char **err)
{
	jv v = jqx_first(x, jv_copy(rec));
	if (!jv_is_valid(v) && jv_invalid_has_msg(jv_copy(v))) {
		jv m = jv_invalid_get_msg(v);
		*err = strdup(jv_string_value(m));
		jv_free(m);
		return NULL;
	}
	return jqx_key(v);
}

/* The record's identity for ranks and missing groups: its id, else a hash of
 * its canonical text. */
static char *identity(jv rec)
{
	const char *id = rec_str(rec, "id");
	if (id)
		return strdup(id);
	size_t len;
	char *c = rec_canonical(jv_copy(rec), &len), *h = malloc(33);
	hash_hex128(c, len, h);
	free(c);
	return h;
}

/* A record that cannot be split or formatted: through --on-error as ls_run does it. */
static void fail(jv rec, const char *code, const char *msg)
{
	ls_take(S.t, ls_fail(rec, code, "%s", msg));
}

static void put(jv rec, int split)
{
	rec = jv_object_set(rec, jv_string("split"), jv_string(split_names[split]));
	jv out = instruct_make(&S.fmt, jv_copy(rec));
	if (!jv_is_valid(out)) {
		jv m = jv_invalid_get_msg(out);
		fail(rec, "missing-field", jv_string_value(m));
		jv_free(m);
		return;
	}
	jv_free(rec);
	if (S.t->limit >= 0 && S.nout >= S.t->limit) {
		jv_free(out);
		return;
	}
	S.nout++;
	if (!S.out[split]) {
		ls_emit(S.t, out);
		return;
	}
	S.nfile[split]++;
	if (rec_write(S.out[split], out) < 0)
		ls_die(EX_IOERR_, "cannot write '%s': %s", o.out[split], strerror(errno));
}

/* One input record: find its group and split; emit it now, or hold it for
 * balancing. */
static void take(jv rec)
{
	char *err = NULL, *group = eval_key(S.by, rec, &err), *bgroup = NULL;
	if (err) {
		fail(rec, "by", err);
		free(err);
		return;
	}
	char *id = identity(rec);
	S.seen++;
	if (!group) {
		group = strdup(id);	/* no group: the record is its own */
		S.ungrouped++;
	}
	int split = o.resplit ? -1 : split_index(rec_str(rec, "split"));
	if (split < 0)
		split = split_assign(S.ratios, S.t->seed, group);
	if (S.balance) {
		bgroup = S.balance_by ? eval_key(S.balance_by, rec, &err) : strdup(group);
		if (err) {
			fail(rec, "balance-by", err);
			free(err);
			free(group);
			free(id);
			return;
		}
		if (!bgroup)
			bgroup = strdup("null");
		if (split_balance_add(S.balance, bgroup, split_hash(S.t->seed, id)) < 0)
			ls_die(EX_SOFTWARE_, "out of memory");
		S.held = jv_array_append(S.held, JV_ARRAY(rec, jv_number(split), jv_string(bgroup)));
	} else {
		split_stats_add(S.stats, split, group, 1);
		put(rec, split);
	}
	free(group);
	free(bgroup);
	free(id);
}

/* Balancing: emit the kept records in input order, reject the others. */
static void flush_held(void)
{
	split_balance_finish(S.balance);
	jv_array_foreach(S.held, i, h) {
		jv rec = jv_array_get(jv_copy(h), 0);
		int split = (int)jv_number_value(jv_array_get(jv_copy(h), 1));
		jv g = jv_array_get(h, 2);
		int kept = split_balance_kept(S.balance, i);
		split_stats_add(S.stats, split, jv_string_value(g), kept);
		if (kept)
			put(rec, split);
		else {
			char msg[128];
			snprintf(msg, sizeof msg, "more than %d records in its balance group", o.max_per_group);
			ls_reject(S.t, rec, "balanced", msg, 0);
		}
		jv_free(g);
	}
}

/* A split by group only keeps groups apart when there are groups: say when
 * --by found none, or when one group is most of the data (every bare clone
 * named "repo" once made one group of everything). */
static void warn_groups(void)
{
	if (S.seen > 0 && S.ungrouped == S.seen)
		ls_warn("warning: --by '%s' has no value for any of the %ld records: each record is its own group",
			o.by, S.seen);
	const char *g;
	double n, total;
	split_stats_largest(S.stats, &g, &n, &total);
	if (g && total >= 4 && n > total / 2) {
		char q[512];
		ls_warn("warning: group '%s' holds %.0f of %.0f records (%.0f%%): the split cannot keep "
			"the shares asked for; is --by right?", rec_quote(q, sizeof q, g, strlen(g), 200), n, total,
			100 * n / total);
	}
}

static jqx *compile(const char *flag, const char *expr)
{
	char err[256];
	jqx *x = jqx_compile(expr, err, sizeof err);
	if (!x)
		ls_die(EX_USAGE_, "bad --%s expression: %s: '%s'", flag, err, expr);
	return x;
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "ls-split", .synopsis = "[options] [FILE ...]",
		      .about = "deterministic grouped train/val/test split and fine-tuning formats",
		      .opts = opts, .summary = summary,
		      .examples = "  ls-split --train train.jsonl --val val.jsonl --test test.jsonl < validated.jsonl\n"
				  "  ls-split --format chat --task code < train.jsonl > sft.jsonl\n" };
	ls_parse(&t, argc, argv);
	S.t = &t;
	if (split_parse_ratios(o.ratios, S.ratios) < 0)
		ls_usage_error(&t, "--ratios: want three non-negative numbers like 0.8,0.1,0.1: '%s'", o.ratios);
	/* the option table checked these */
	S.fmt = (instruct_opts){ instruct_format_parse(o.format), instruct_task_parse(o.task),
				 instruct_input_parse(o.input), o.instruction };
	if (o.balance_by && o.max_per_group < 0)
		ls_usage_error(&t, "--balance-by needs --max-per-group");
	S.by = compile("by", o.by);
	if (o.balance_by)
		S.balance_by = compile("balance-by", o.balance_by);
	if (o.max_per_group >= 0) {
		S.balance = split_balance_new(o.max_per_group);
		S.held = jv_array();
	}
	S.stats = split_stats_new();
	for (int i = 0; i < SPLIT_N; i++)
		if (o.out[i])
			S.out[i] = ls_open_out(&t, o.out[i]);

	ls_begin(&t);
	jv rec;
	while ((t.limit < 0 || S.nout < t.limit) && ls_next(&t, &rec, NULL))
		take(rec);
	if (S.balance && !ls_failed(&t))
		flush_held();
	warn_groups();

	for (int i = 0; i < SPLIT_N; i++)
		if (S.out[i] && (fflush(S.out[i]) || ferror(S.out[i]) || fclose(S.out[i])))
			ls_die(EX_IOERR_, "cannot write '%s'", o.out[i]);
	FILE *sf = o.stats ? ls_open_out(&t, o.stats) : t.quiet ? NULL : stderr;
	if (sf && (split_stats_write(S.stats, sf, o.balance_by ? "group" : "by") < 0 ||
		   (sf != stderr && fclose(sf))))
		ls_die(EX_IOERR_, "cannot write '%s'", o.stats);
	int status = ls_end(&t);	/* closes the reader */
	jqx_free(S.by);
	jqx_free(S.balance_by);
	split_balance_free(S.balance);
	split_stats_free(S.stats);
	jv_free(S.held);
	return status;
}
