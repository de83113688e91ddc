/* test_models — the models file (lib/model/models.c): picking by name and
 * by default, paths relative to the file, what each entry sets in
 * infer_opts, and the errors with their exit statuses. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "t.h"
#include "model/models.h"

static char dir[] = "/tmp/test_models.XXXXXX";

static const char *file(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

int main(void)
{
	if (!mkdtemp(dir))
		return 1;
	char err[512], want[300];
	int st = 0;
	model_spec m;
	const char *f = file("models.json",
		"{\"default\": \"ft\", \"models\": {"
		" \"base\": {\"path\": \"m\", \"tokenizer\": \"/abs/tok.json\", \"template\": \"raw\"},"
		" \"ft\": {\"path\": \"m\", \"adapter\": \"a\", \"merge\": true, \"no_think\": true},"
		" \"r\": {\"endpoint\": \"http://127.0.0.1:1/v1\", \"model\": \"Qwen3\"}}}");

	T_EQ_INT(models_pick(f, NULL, 1, &m, &st, err, sizeof err), 1, "no name: the default is picked");
	T_EQ_STR(m.name, "ft", "the default's name");
	snprintf(want, sizeof want, "%s/m", dir);
	T_EQ_STR(m.path, want, "a relative path is taken from the file's directory");
	snprintf(want, sizeof want, "%s/a", dir);
	T_EQ_STR(m.adapter, want, "so is the adapter's");
	T_OK(m.merge && m.no_think, "merge and no_think");
	infer_opts io = { .model = NULL, .timeout_s = 5 };
	T_EQ_INT(models_apply(&m, &io, err, sizeof err), 0, "apply a local model");
	T_OK(io.model == m.path && io.adapter == m.adapter && io.merge && io.no_think && !io.endpoint,
	     "infer_opts points at the model and the adapter");
	model_spec_free(&m);

	T_EQ_INT(models_pick(f, "base", 0, &m, &st, err, sizeof err), 1, "by name");
	T_EQ_STR(m.tokenizer, "/abs/tok.json", "an absolute path stays as it is");
	io = (infer_opts){ .template_name = "chatml", .timeout_s = 5 };
	models_apply(&m, &io, err, sizeof err);
	T_EQ_STR(io.template_name, "chatml", "a template given on the command line wins over the file's");
	model_spec_free(&m);

	T_EQ_INT(models_pick(f, NULL, 0, &m, &st, err, sizeof err), 0, "no name and no default wanted: nothing");
	T_EQ_INT(models_pick(f, "zz", 0, &m, &st, err, sizeof err), -1, "an unknown name fails");
	T_OK(st == 64 && strstr(err, "unknown model 'zz' (the file names: base, ft, r)"), "status 64, the names listed");

	T_EQ_INT(models_pick(f, "r", 0, &m, &st, err, sizeof err), 1, "an endpoint");
	T_OK(!strcmp(m.endpoint, "http://127.0.0.1:1/v1") && !strcmp(m.model, "Qwen3") && !m.path,
	     "the URL is not a path: taken as it is");
	io = (infer_opts){ .timeout_s = 5 };
	T_EQ_INT(models_apply(&m, &io, err, sizeof err), -1, "an endpoint nobody listens on is refused");
	T_OK(strstr(err, "cannot be reached") != NULL, "and the message says so");
	model_spec_free(&m);
	T_EQ_INT(models_probe("http://127.0.0.1:1", 5, err, sizeof err), -1, "probe: connection refused");

	const char *bad[][2] = {
		{ "{\"models\": {\"x\": {\"path\": 1}}}", "'path' must be a string" },
		{ "{\"models\": {\"x\": {\"path\": \"m\", \"merge\": \"yes\"}}}", "'merge' must be true or false" },
		{ "{\"models\": {\"x\": {\"endpoint\": \"http://h\"}}}", "needs 'model'" },
		{ "{\"models\": {\"x\": {\"endpoint\": \"http://h\", \"model\": \"y\", \"adapter\": \"a\"}}}", "are for local models" },
		{ "{\"models\": {\"x\": {\"path\": \"m\", \"api_key_env\": \"K\"}}}", "are for endpoints" },
		{ "{\"models\": {\"x\": {}}}", "needs either 'path'" },
		{ "{\"models\": {\"x\": 3}}", "is not an object" },
		{ "{\"model\": {}}", "unknown key 'model'" },
		{ "[]", "no \"models\" object" },
		{ "{\"default\": 1, \"models\": {}}", "\"default\" must be" },
	};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		const char *b = file("bad.json", bad[i][0]);
		int rc = models_pick(b, "x", 0, &m, &st, err, sizeof err);
		char what[160];
		snprintf(what, sizeof what, "refused with status 65: %s", bad[i][1]);
		if (!T_OK(rc == -1 && st == 65 && strstr(err, bad[i][1]), what))
			printf("#   rc %d, status %d: %s\n", rc, st, err);
	}
	char none[300];
	snprintf(none, sizeof none, "%s/none.json", dir);
	T_EQ_INT(models_pick(none, "x", 0, &m, &st, err, sizeof err), -1, "a named file that is missing fails");
	T_EQ_INT(st, 66, "with status 66");
	T_OK(chdir(dir) == 0 && unlink("models.json") == 0, "no ./models.json");
	unsetenv("LS_MODELS");
	T_EQ_INT(models_pick(NULL, NULL, 1, &m, &st, err, sizeof err), 0, "no file and no name: nothing, no error");
	unlink("bad.json");
	T_OK(chdir("/") == 0 && rmdir(dir) == 0, "clean up");
	return t_done();
}
