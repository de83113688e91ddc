/* test_registry.c — lib/registry: tree hashes, manifests, references, best, invariants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "registry/registry.h"
#include "t.h"

static char dir[] = "/tmp/test_registry.XXXXXX";

static void put(const char *rel, const char *text)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	FILE *f = fopen(p, "w");
	fputs(text, f);
	fclose(f);
}

static const char *str(jv v, const char *key, char *buf, size_t sz)
{
	jv s = jv_object_get(jv_copy(v), jv_string(key));
	snprintf(buf, sz, "%s", jv_get_kind(s) == JV_KIND_STRING ? jv_string_value(s) : "");
	jv_free(s);
	return buf;
}

int main(void)
{
	setenv("SOURCE_DATE_EPOCH", "0", 1);
	if (!mkdtemp(dir))
		return 70;
	char p[512], h1[64], h2[64], buf[256], err[512];
	snprintf(p, sizeof p, "%s/m", dir);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/m/sub", dir);
	mkdir(p, 0755);
	put("m/b", "two");
	put("m/a", "one");
	put("m/sub/c", "three");

	/* the tree hash: sorted relative paths, names and contents both count */
	snprintf(p, sizeof p, "%s/m", dir);
	jv t1 = reg_hash_tree(p);
	T_OK(jv_is_valid(t1), "hash a directory");
	jv files = jv_object_get(jv_copy(t1), jv_string("files"));
	jv names = jv_dump_string(jv_copy(files), 0);
	T_OK(strstr(jv_string_value(names), "\"a\"") < strstr(jv_string_value(names), "\"b\"") &&
	     strstr(jv_string_value(names), "\"sub/c\""), "files sorted, with relative paths");
	jv_free(names);
	jv_free(files);
	str(t1, "hash", h1, sizeof h1);
	jv t2 = reg_hash_tree(p);
	T_EQ_STR(str(t2, "hash", h2, sizeof h2), h1, "the same tree, the same hash");
	jv_free(t2);
	put("m/a", "One");
	jv t3 = reg_hash_tree(p);
	T_OK(strcmp(str(t3, "hash", h2, sizeof h2), h1) != 0, "a changed byte changes the hash");
	jv_free(t3);
	put("m/a", "one");
	snprintf(buf, sizeof buf, "mv %s/m/a %s/m/a2", dir, dir);
	T_OK(system(buf) == 0, "rename a file");
	jv t4 = reg_hash_tree(p);
	T_OK(strcmp(str(t4, "hash", h2, sizeof h2), h1) != 0, "a renamed file changes the hash");
	jv_free(t4);
	jv_free(t1);
	jv bad = reg_hash_tree("/nonexistent/x");
	T_OK(!jv_is_valid(bad), "a missing path is an error");
	jv_free(bad);

	/* a manifest counts records, splits and categories; malformed lines are counted */
	put("d.jsonl", "{\"split\":\"train\",\"category\":\"x\"}\n{\"split\":\"val\"}\nnot json\n\n");
	snprintf(p, sizeof p, "%s/d.jsonl", dir);
	jv m = reg_manifest(p, err, sizeof err);
	jv c = jv_getpath(jv_copy(m), JV_ARRAY(jv_string("records")));
	T_EQ_INT(jv_number_value(c), 2, "manifest: two records");
	jv_free(c);
	c = jv_getpath(jv_copy(m), JV_ARRAY(jv_string("malformed_lines")));
	T_EQ_INT(jv_number_value(c), 1, "manifest: one malformed line, the blank one not");
	jv_free(c);
	c = jv_getpath(jv_copy(m), JV_ARRAY(jv_string("by_split"), jv_string("val")));
	T_EQ_INT(jv_number_value(c), 1, "manifest: counts by split");
	jv_free(c);
	jv_free(m);

	/* references and best */
	snprintf(p, sizeof p, "%s/reg.db", dir);
	registry *r = reg_open(p, err, sizeof err);
	T_OK(r != NULL, "open a new registry");
	snprintf(p, sizeof p, "%s/m", dir);
	for (int i = 0; i < 3; i++) {
		reg_version_in in = { .name = "x", .path = p, .actor = "t", .config = jv_null(), .data = jv_null(),
				      .metrics = JV_OBJECT(jv_string("acc"), jv_number(i == 2 ? 0.5 : i == 1 ? 0.7 : 0.7)) };
		jv v = reg_register(r, &in);
		snprintf(h1, sizeof h1, "x@v%d", i + 1);
		T_EQ_STR(str(v, "id", buf, sizeof buf), h1, "register numbers versions from 1");
		jv_free(v);
	}
	jv v = reg_show(r, "x");
	T_EQ_STR(str(v, "id", buf, sizeof buf), "x@v3", "NAME is its latest version");
	jv_free(v);
	v = reg_show(r, "x@v0");
	T_OK(!jv_is_valid(v), "x@v0 is not a version");
	jv_free(v);
	v = reg_show(r, "x@vfoo");
	T_OK(!jv_is_valid(v), "x@vfoo is not a reference");
	jv_free(v);
	v = reg_show(r, "default");
	T_OK(!jv_is_valid(v), "no default yet");
	jv_free(v);
	v = reg_best(r, "acc", NULL, 0);
	T_EQ_STR(str(v, "id", buf, sizeof buf), "x@v1", "best: a tie keeps the earlier version");
	jv_free(v);
	v = reg_best(r, "acc", NULL, 1);
	T_EQ_STR(str(v, "id", buf, sizeof buf), "x@v3", "best --minimize");
	jv_free(v);
	jv_free(reg_promote(r, "x@v2", "why", "t"));
	jv_free(reg_promote(r, "x@v3", NULL, "t"));
	v = reg_rollback(r, NULL, "t");
	T_EQ_STR(str(v, "id", buf, sizeof buf), "x@v2", "rollback returns the previous default");
	jv_free(v);
	v = reg_rollback(r, NULL, "t");
	T_OK(jv_get_kind(v) == JV_KIND_NULL, "rolling back the first promotion leaves no default");
	jv_free(v);
	v = reg_rollback(r, NULL, "t");
	T_OK(!jv_is_valid(v), "nothing left to roll back is an error");
	jv_free(v);
	char *ck = reg_check(r);
	T_EQ_STR(ck, "ok", "check: ok");
	free(ck);
	reg_close(r);
	snprintf(buf, sizeof buf, "rm -rf %s", dir);
	if (system(buf) != 0)
		return 70;
	return t_done();
}
