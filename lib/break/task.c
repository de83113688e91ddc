/* task.c — see task.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "break/task.h"
#include "break/udiff.h"
#include "rec/record.h"

static jv get(jv rec, const char *k) { return jv_object_get(jv_copy(rec), jv_string(k)); }

jv brk_task_records(breaker *b, jv parent, const brk_opts *o, int control)
{
	const char *code = rec_str(parent, "code"), *id = rec_str(parent, "id");
	if (!code || !id) {
		jv_free(parent);
		return jv_invalid_with_msg(jv_string(code ? "no string field 'id'" : "no string field 'code'"));
	}
	/* The lines the parent's tests ran (ls-exec --lines), when it has them. */
	brk_opts oc = *o;
	jv lines = jv_getpath(jv_copy(parent), JV_ARRAY(jv_string("exec"), jv_string("lines")));
	int *cover = NULL;
	if (jv_get_kind(lines) == JV_KIND_ARRAY) {
		cover = malloc(sizeof *cover * (size_t)(jv_array_length(jv_copy(lines)) + 1));
		jv_array_foreach(lines, i, x) {
			if (jv_get_kind(x) == JV_KIND_NUMBER)
				cover[oc.ncover++] = (int)jv_number_value(x);
			jv_free(x);
		}
		oc.cover = cover;
	}
	jv_free(lines);
	brk_mutant *m;
	int n = brk_mutants(b, code, id, &oc, &m);
	free(cover);
	if (n < 0) {
		jv_free(parent);
		return jv_invalid_with_msg(jv_string("the code does not parse"));
	}
	jv out = jv_array();
	if (n == 0) {
		brk_mutants_free(m, n);
		jv_free(parent);
		return out;
	}
	jv base = jv_object_delete(jv_copy(parent), jv_string("exec"));
	jv fix = JV_OBJECT(jv_string("id"), jv_string(id), jv_string("code"), jv_string(code));
	if (control) {
		jv c = jv_object_set(jv_copy(base), jv_string("buggy"), jv_string(code));
		c = jv_object_set(c, jv_string("break"), JV_OBJECT(jv_string("parent"), jv_string(id),
								   jv_string("control"), jv_true()));
		out = jv_array_append(out, c);
	}
	const char *path = rec_str(parent, "path");
	int first = (int)rec_num(parent, "lineno", 1);
	for (int i = 0; i < n; i++) {
		char mid[512];
		snprintf(mid, sizeof mid, "%s-b%.12s", id, m[i].key);
		jv ops = jv_array();
		for (int q = 0; q < m[i].nedits; q++)
			ops = jv_array_append(ops, jv_string(brk_op_names[m[i].edits[q].op]));
		char *d = udiff(code, m[i].code, path ? path : "code", first, 3);
		jv r = jv_object_set(jv_copy(base), jv_string("id"), jv_string(mid));
		r = jv_object_set(r, jv_string("task"), jv_string("repair"));
		r = jv_object_set(r, jv_string("buggy"), jv_string(m[i].code));
		r = jv_object_set(r, jv_string("diff"), jv_string(d));
		r = jv_object_set(r, jv_string("break"),
				  JV_OBJECT(jv_string("parent"), jv_string(id), jv_string("operators"), ops,
					    jv_string("round"), jv_number(o->per_function > 0 ? o->from / o->per_function : 0)));
		r = jv_object_set(r, jv_string("fix"), jv_copy(fix));
		out = jv_array_append(out, r);
		free(d);
	}
	brk_mutants_free(m, n);
	jv_free(fix);
	jv_free(base);
	jv_free(parent);
	return out;
}

int brk_caught(jv exec, char *why, size_t whysz)
{
	const char *st = rec_str(exec, "status"), *cat = rec_str(exec, "category");
	if (!st) {
		snprintf(why, whysz, "no exec verdict");
		return 0;
	}
	if (!strcmp(st, "passed")) {
		snprintf(why, whysz, "survived: the tests pass on the mutant");
		return 0;
	}
	if (!strcmp(st, "failed") && cat &&
	    (!strcmp(cat, "assertion") || !strcmp(cat, "wrong_output") || !strcmp(cat, "exception") ||
	     !strcmp(cat, "recursion")))
		return 1;
	snprintf(why, whysz, "not a clean failure: exec %s (%s)", st, cat ? cat : "no category");
	return 0;
}

void brk_check_init(brk_check *c)
{
	memset(c, 0, sizeof *c);
	c->control = jv_null();
}

void brk_check_free(brk_check *c) { jv_free(c->control); }

int brk_check_one(brk_check *c, jv *rec, char *why, size_t whysz)
{
	jv br = get(*rec, "break");
	const char *parent = jv_get_kind(br) == JV_KIND_OBJECT ? rec_str(br, "parent") : NULL;
	jv exec = get(*rec, "exec");
	int rc = BRK_DROP;
	if (!parent || jv_get_kind(exec) != JV_KIND_OBJECT) {
		snprintf(why, whysz, parent ? "no exec verdict (run ls-exec --code-field buggy first)"
					    : "not an ls-break record (no break.parent)");
	} else if (rec_bool(br, "control", 0)) {
		snprintf(c->parent, sizeof c->parent, "%s", parent);
		jv_free(c->control);
		c->control = jv_copy(exec);
		c->controls++;
		if (!rec_str(exec, "status") || strcmp(rec_str(exec, "status"), "passed"))
			c->controls_failed++;
		rc = BRK_CONTROL;
	} else if (jv_get_kind(c->control) != JV_KIND_OBJECT || strcmp(c->parent, parent)) {
		c->orphans++;
		snprintf(why, whysz, "no control verdict for its parent in this run");
	} else if (!rec_str(c->control, "status") || strcmp(rec_str(c->control, "status"), "passed")) {
		c->unclean++;
		snprintf(why, whysz, "the original did not pass in this run: exec %s",
			 rec_str(c->control, "status") ? rec_str(c->control, "status") : "?");
	} else if (!brk_caught(exec, why, whysz)) {
		if (!strcmp(rec_str(exec, "status") ? rec_str(exec, "status") : "", "passed"))
			c->survived++;
		else
			c->unclean++;
	} else {
		jv f = jv_array_get(get(exec, "failures"), 0);
		jv fail = jv_object();
		fail = jv_object_set(fail, jv_string("category"), get(exec, "category"));
		if (jv_get_kind(f) == JV_KIND_OBJECT) {
			fail = jv_object_set(fail, jv_string("test"), get(f, "test"));
			if (rec_str(f, "message"))	/* addresses masked by the harness */
				fail = jv_object_set(fail, jv_string("message"), get(f, "message"));
		}
		jv_free(f);
		*rec = jv_object_set(*rec, jv_string("failure"), fail);
		jv fix = get(*rec, "fix");
		if (jv_get_kind(fix) != JV_KIND_OBJECT) {
			jv_free(fix);
			fix = jv_object();
		}
		*rec = jv_object_set(*rec, jv_string("fix"), jv_object_set(fix, jv_string("exec"), jv_copy(c->control)));
		c->caught++;
		rc = BRK_KEEP;
	}
	jv_free(exec);
	jv_free(br);
	return rc;
}
