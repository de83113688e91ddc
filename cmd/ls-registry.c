/* ls-registry — model and adapter versions with their evidence; promote, roll back.
 *
 * A subcommand tool, as git is: `ls-registry register NAME DIR`, `list`,
 * `show REF`, `compare A B`, `best METRIC`, `promote REF`, `rollback`,
 * `default`, `log KIND`, `audit`, `check`. Every answer is JSONL on stdout
 * (`list` is a table when stdout is a terminal); the store is lib/registry. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rec/tool.h"
#include "registry/registry.h"
#include "registry/modelsfile.h"

static struct {
	const char *db, *base, *kind, *config, *metrics, *note, *actor, *reason, *models, *detail, *verdicts;
	ls_strlist data;
	int minimize, table;
} o;

static const ls_opt opts[] = {
	{ "db", 0, "FILE", LS_STR, &o.db, "the registry database (default: $LS_REGISTRY, else registry.db)" },
	{ "base", 0, "REF", LS_STR, &o.base, "register: the base model (a registered version or a directory)" },
	{ "kind", 0, "K", LS_STR, &o.kind, "register: model or adapter (default: adapter when adapter_config.json is there)" },
	{ "config", 0, "FILE", LS_STR, &o.config, "register: training configuration (JSON)" },
	{ "data", 0, "FILE", LS_LIST, &o.data, "register: a training data file to record a manifest of (repeatable)" },
	{ "metrics", 0, "FILE", LS_STR, &o.metrics, "register: metrics (a JSON object, e.g. from pipelines/evaluate)" },
	{ "verdicts", 0, "FILE", LS_STR, &o.verdicts, "register: ls-exec verdicts of this version, for compare" },
	{ "note", 0, "TEXT", LS_STR, &o.note, "register: a note kept with the version" },
	{ "actor", 0, "WHO", LS_STR, &o.actor, "who or what makes the change (default: $USER@host)" },
	{ "reason", 0, "TEXT", LS_STR, &o.reason, "promote, rollback: why (kept in the audit trail)" },
	{ "models", 0, "FILE", LS_STR, &o.models, "promote, rollback: the models file whose default to set (ls-infer --use)" },
	{ "detail", 0, "JSON", LS_STR, &o.detail, "log: the event's detail, a JSON object" },
	{ "minimize", 0, NULL, LS_FLAG, &o.minimize, "best: the lowest value wins (for losses)" },
	{ "table", 0, NULL, LS_FLAG, &o.table, "list: a table even when stdout is not a terminal" },
	{ 0 }
};

static ls_tool t = {
	.name = "ls-registry",
	.synopsis = "[options] COMMAND [ARG ...]",
	.about = "register model and adapter versions, compare, promote and roll back",
	.opts = opts,
	.no_stream = 1,
	.examples =
	"commands:\n"
	"  register NAME DIR   hash DIR's files and register them as NAME's next version\n"
	"  list [NAME]         every version (of NAME), oldest first\n"
	"  show REF            one version: NAME@vN, NAME (its latest) or default\n"
	"  compare A B         metrics side by side; with --verdicts on both, ls-abtest's report\n"
	"  best METRIC [NAME]  the version with the highest METRIC (a path: suite.pass_rate)\n"
	"  promote REF         make REF the default (and write --models)\n"
	"  rollback            the default before the last promotion is the default again\n"
	"  default             the default version\n"
	"  log KIND [REF]      add an event (decision, evaluate, ...) to the audit trail\n"
	"  audit [KIND]        the audit trail, oldest first\n"
	"  check               database integrity and the registry's invariants\n"
	"examples:\n"
	"  ls-registry register code-lora adapters/v1 --base models/base --data train.jsonl \\\n"
	"      --metrics results/metrics.json\n"
	"  ls-registry best suite.pass_rate | jq -r .id\n"
	"  ls-registry promote code-lora@v2 --reason 'McNemar p=0.003' --models models.json\n",
};

static registry *R;

static void emit_or_die(jv v)
{
	if (!jv_is_valid(v)) {
		jv m = jv_invalid_get_msg(v);
		int st = jv_get_kind(m) == JV_KIND_STRING ? EX_DATAERR_ : EX_SOFTWARE_;
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", st == EX_DATAERR_ ? jv_string_value(m) : "failed");
		jv_free(m);
		ls_die(st, "%s", msg);
	}
	if (jv_get_kind(v) == JV_KIND_ARRAY) {
		jv_array_foreach(v, i, e) {
			(void)i;
			ls_emit(&t, e);
		}
		jv_free(v);
	} else if (jv_get_kind(v) != JV_KIND_NULL)
		ls_emit(&t, v);
	else
		jv_free(v);
}

static jv read_json_file(const char *path, const char *what)
{
	jv v = load_json_object(path);
	if (!jv_is_valid(v)) {
		jv m = jv_invalid_get_msg(v);
		char msg[512];
		snprintf(msg, sizeof msg, "%s", jv_get_kind(m) == JV_KIND_STRING ? jv_string_value(m) : "cannot read");
		jv_free(m);
		ls_die(EX_DATAERR_, "%s %s: %s", what, path, msg);
	}
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		ls_die(EX_DATAERR_, "%s %s: not a JSON object", what, path);
	}
	return v;
}

static const char *actor(void)
{
	static char who[300];
	if (o.actor)
		return o.actor;
	char host[256] = "localhost";
	gethostname(host, sizeof host - 1);
	const char *u = getenv("USER");
	snprintf(who, sizeof who, "%s@%s", u && *u ? u : "unknown", host);
	return who;
}

static void need(int nargs, int min, int max, const char *usage)
{
	if (nargs < min || nargs > max)
		ls_die(EX_USAGE_, "usage: ls-registry %s", usage);
}

static void cmd_register(char **a, int n)
{
	need(n, 2, 2, "register NAME DIR [--base REF] [--data FILE] [--metrics FILE] ...");
	if (!*a[0] || strchr(a[0], '@'))
		ls_die(EX_USAGE_, "register: a name may not be empty or hold '@': %s", a[0]);
	if (o.kind && strcmp(o.kind, "model") && strcmp(o.kind, "adapter"))
		ls_die(EX_USAGE_, "--kind: %s: expected model or adapter", o.kind);
	reg_version_in in = { .name = a[0], .path = a[1], .kind = o.kind, .base = o.base,
			      .actor = actor(), .note = o.note, .config = jv_null(), .data = jv_null(),
			      .metrics = jv_null() };
	if (o.config)
		in.config = read_json_file(o.config, "--config");
	else {
		/* the adapter's or model's own config is the best record of its shape */
		char p[4096];
		const char *names[] = { "adapter_config.json", "config.json" };
		for (int i = 0; i < 2 && jv_get_kind(in.config) == JV_KIND_NULL; i++) {
			snprintf(p, sizeof p, "%s/%s", a[1], names[i]);
			if (access(p, R_OK) == 0)
				in.config = read_json_file(p, "config");
		}
	}
	if (o.metrics)
		in.metrics = read_json_file(o.metrics, "--metrics");
	if (o.verdicts) {
		char err[512];
		jv m = reg_manifest(o.verdicts, err, sizeof err);
		if (!jv_is_valid(m))
			ls_die(EX_NOINPUT_, "--verdicts %s", err);
		if (jv_get_kind(in.metrics) == JV_KIND_NULL)
			in.metrics = jv_object();
		in.metrics = jv_object_set(in.metrics, jv_string("verdicts"), m);
	}
	if (o.data.n) {
		in.data = jv_array();
		for (int i = 0; i < o.data.n; i++) {
			char err[512];
			jv m = reg_manifest(o.data.v[i], err, sizeof err);
			if (!jv_is_valid(m))
				ls_die(EX_NOINPUT_, "--data %s", err);
			in.data = jv_array_append(in.data, m);
		}
	}
	emit_or_die(reg_register(R, &in));
}

static const char *fmt_g12(double d)
{
	static char buf[64];
	snprintf(buf, sizeof buf, "%.12g", d);
	return buf;
}

/* Numeric leaves of a metrics object as "a.b" -> number. */
static jv flatten(jv v, const char *prefix, jv into)
{
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		jv_object_foreach(v, k, x) {
			char path[512];
			snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", jv_string_value(k));
			jv_free(k);
			into = flatten(x, path, into);
		}
		jv_free(v);
		return into;
	}
	if (jv_get_kind(v) == JV_KIND_NUMBER && *prefix)
		return jv_object_set(into, jv_string(prefix), v);
	jv_free(v);
	return into;
}

static void cmd_compare(char **a, int n)
{
	need(n, 2, 2, "compare A B");
	jv va = reg_show(R, a[0]), vb = reg_show(R, a[1]);
	if (!jv_is_valid(va)) {
		jv_free(vb);
		emit_or_die(va);
	}
	if (!jv_is_valid(vb)) {
		jv_free(va);
		emit_or_die(vb);
	}
	jv ma = flatten(jv_object_get(jv_copy(va), jv_string("metrics")), "", jv_object());
	jv mb = flatten(jv_object_get(jv_copy(vb), jv_string("metrics")), "", jv_object());
	jv rows = jv_object();
	jv keys = jv_keys(jv_object_merge(jv_copy(ma), jv_copy(mb)));
	jv_array_foreach(keys, i, k) {
		(void)i;
		jv x = jv_object_get(jv_copy(ma), jv_copy(k)), y = jv_object_get(jv_copy(mb), jv_copy(k));
		jv row = JV_OBJECT(jv_string("a"), jv_is_valid(x) ? jv_copy(x) : jv_null(),
				   jv_string("b"), jv_is_valid(y) ? jv_copy(y) : jv_null());
		if (jv_get_kind(x) == JV_KIND_NUMBER && jv_get_kind(y) == JV_KIND_NUMBER)
			/* to 12 significant digits: 0.5 - 0.4 is 0.1, not 0.09999999999999998 */
			row = jv_object_set(row, jv_string("delta"),
					    jv_number(strtod(fmt_g12(jv_number_value(y) - jv_number_value(x)), NULL)));
		jv_free(x);
		jv_free(y);
		rows = jv_object_set(rows, k, row);
	}
	jv_free(keys);
	jv_free(ma);
	jv_free(mb);
	jv out = JV_OBJECT(jv_string("a"), jv_object_get(jv_copy(va), jv_string("id")),
			   jv_string("b"), jv_object_get(jv_copy(vb), jv_string("id")),
			   jv_string("same_files"), jv_bool(jv_equal(jv_object_get(jv_copy(va), jv_string("hash")),
								     jv_object_get(jv_copy(vb), jv_string("hash")))),
			   jv_string("metrics"), rows);
	jv abtest = models_abtest(va, vb);	/* a fresh ls-abtest report when both have verdicts */
	if (jv_get_kind(abtest) != JV_KIND_NULL)
		out = jv_object_set(out, jv_string("abtest"), abtest);
	else
		jv_free(abtest);
	ls_emit(&t, out);
}

static void write_models(jv def)
{
	if (!o.models || jv_get_kind(def) == JV_KIND_NULL) {
		jv_free(def);
		return;
	}
	char err[512];
	if (models_file_set_default(o.models, def, R, err, sizeof err) != 0)
		ls_die(EX_IOERR_, "%s", err);
}

/* Before the database changes: can --models take the version (or, for a
 * rollback, jv_invalid(): any version promoted before)? */
static void check_models(jv v)
{
	char err[512];
	int bad = o.models && models_file_check(o.models, v, R, err, sizeof err) != 0;
	jv_free(v);
	if (bad)
		ls_die(EX_IOERR_, "%s", err);
}

static void cmd_promote(char **a, int n)
{
	need(n, 1, 1, "promote REF [--reason TEXT] [--models FILE]");
	jv target = reg_show(R, a[0]);
	if (!jv_is_valid(target))
		emit_or_die(target);
	check_models(target);
	jv v = reg_promote(R, a[0], o.reason, actor());
	if (jv_is_valid(v))
		write_models(jv_copy(v));
	emit_or_die(v);
}

static void cmd_rollback(char **a, int n)
{
	(void)a;
	need(n, 0, 0, "rollback [--reason TEXT] [--models FILE]");
	check_models(jv_invalid());
	jv v = reg_rollback(R, o.reason, actor());
	if (jv_is_valid(v))
		write_models(jv_copy(v));
	emit_or_die(v);
}

static void cmd_log(char **a, int n)
{
	need(n, 1, 2, "log KIND [REF] [--detail JSON]");
	jv d = o.detail ? jv_parse(o.detail) : jv_object();
	if (jv_get_kind(d) != JV_KIND_OBJECT) {
		jv_free(d);
		ls_die(EX_USAGE_, "--detail: not a JSON object: %s", o.detail);
	}
	emit_or_die(reg_audit_add(R, a[0], n > 1 ? a[1] : NULL, d, actor()));
}

static void cmd_list(char **a, int n)
{
	need(n, 0, 1, "list [NAME]");
	jv all = reg_list(R, n ? a[0] : NULL);
	if (jv_is_valid(all) && (o.table || isatty(1))) {
		printf("%-28s %-8s %-10s %-20s %s\n", "VERSION", "KIND", "HASH", "CREATED", "DEFAULT");
		jv_array_foreach(all, i, v) {
			(void)i;
			jv id = jv_object_get(jv_copy(v), jv_string("id")), k = jv_object_get(jv_copy(v), jv_string("kind"));
			jv h = jv_object_get(jv_copy(v), jv_string("hash")), c = jv_object_get(jv_copy(v), jv_string("created"));
			jv d = jv_object_get(v, jv_string("default"));
			printf("%-28s %-8s %-10.10s %-20s %s\n", jv_string_value(id), jv_string_value(k),
			       jv_string_value(h), jv_string_value(c), jv_get_kind(d) == JV_KIND_TRUE ? "*" : "");
			jv_free(id); jv_free(k); jv_free(h); jv_free(c); jv_free(d);
		}
		jv_free(all);
		return;
	}
	emit_or_die(all);
}

int main(int argc, char **argv)
{
	ls_parse(&t, argc, argv);
	if (t.nfiles < 1) {
		ls_usage(&t, stderr);
		return EX_USAGE_;
	}
	const char *cmd = t.files[0];
	char **a = t.files + 1;
	int n = t.nfiles - 1;
	const char *db = o.db ? o.db : getenv("LS_REGISTRY") && *getenv("LS_REGISTRY") ? getenv("LS_REGISTRY") : "registry.db";
	static const char *const cmds[] = { "register", "list", "show", "compare", "best", "promote",
					    "rollback", "default", "log", "audit", "check" };
	int known = 0;
	for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
		known |= !strcmp(cmd, cmds[i]);
	if (!known)
		ls_die(EX_USAGE_, "%s: unknown command (register, list, show, compare, best, promote, "
		       "rollback, default, log, audit, check)", cmd);
	char err[1024];
	R = reg_open(db, err, sizeof err);
	if (!R)
		ls_die(EX_UNAVAILABLE_, "%s", err);
	ls_begin(&t);
	if (!strcmp(cmd, "register"))
		cmd_register(a, n);
	else if (!strcmp(cmd, "list"))
		cmd_list(a, n);
	else if (!strcmp(cmd, "show")) {
		need(n, 1, 1, "show REF");
		emit_or_die(reg_show(R, a[0]));
	} else if (!strcmp(cmd, "compare"))
		cmd_compare(a, n);
	else if (!strcmp(cmd, "best")) {
		need(n, 1, 2, "best METRIC [NAME] [--minimize]");
		emit_or_die(reg_best(R, a[0], n > 1 ? a[1] : NULL, o.minimize));
	} else if (!strcmp(cmd, "promote"))
		cmd_promote(a, n);
	else if (!strcmp(cmd, "rollback"))
		cmd_rollback(a, n);
	else if (!strcmp(cmd, "default")) {
		need(n, 0, 0, "default");
		emit_or_die(reg_default(R));
	} else if (!strcmp(cmd, "log"))
		cmd_log(a, n);
	else if (!strcmp(cmd, "audit")) {
		need(n, 0, 1, "audit [KIND]");
		emit_or_die(reg_audit(R, n ? a[0] : NULL));
	} else {
		need(n, 0, 0, "check");
		char *c = reg_check(R);
		int ok = !strcmp(c, "ok");
		ls_emit(&t, JV_OBJECT(jv_string("check"), jv_string(c), jv_string("db"), jv_string(db)));
		free(c);
		if (!ok) {
			ls_end(&t);
			reg_close(R);
			return EX_DATAERR_;
		}
	}
	int rc = ls_end(&t);
	reg_close(R);
	return rc;
}
