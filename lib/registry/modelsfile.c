/* modelsfile.c — promotion into the models file, and ls-abtest on two versions. */
#include "registry/modelsfile.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_atomic(const char *path, const char *text, char *err, size_t errsz)
{
	char tmp[PATH_MAX];
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		snprintf(err, errsz, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	size_t n = strlen(text), off = 0;
	while (off < n) {
		ssize_t w = write(fd, text + off, n - off);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		off += (size_t)w;
	}
	if (off < n || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, path) != 0) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

/* The directory a registered reference or a path names. */
static jv base_path(registry *r, jv base)
{
	if (jv_get_kind(base) != JV_KIND_STRING)
		return base;
	jv v = reg_show(r, jv_string_value(base));
	if (jv_is_valid(v)) {
		jv_free(base);
		return jv_object_get(v, jv_string("path"));
	}
	jv_free(v);
	return base;
}

/* The models file's object, an empty one when it does not exist, or invalid. */
static jv load_models(const char *path, char *err, size_t errsz)
{
	jv file = load_json_object(path);
	if (!jv_is_valid(file)) {
		jv_free(file);
		if (access(path, F_OK) == 0) {
			snprintf(err, errsz, "%s: not valid JSON; not overwritten", path);
			return jv_invalid();
		}
		return jv_object();
	}
	if (jv_get_kind(file) != JV_KIND_OBJECT) {
		snprintf(err, errsz, "%s: not a JSON object; not overwritten", path);
		jv_free(file);
		return jv_invalid();
	}
	return file;
}

/* The models-file entry of version v (borrowed): "path", and an adapter's
 * "adapter"; invalid with err set when it cannot have one. */
static jv model_entry(jv v, registry *r, char *err, size_t errsz)
{
	jv id = jv_object_get(jv_copy(v), jv_string("id"));
	jv kind = jv_object_get(jv_copy(v), jv_string("kind"));
	jv base = jv_object_get(jv_copy(v), jv_string("base"));
	jv path = jv_object_get(jv_copy(v), jv_string("path"));
	jv entry;
	if (strcmp(jv_string_value(kind), "adapter"))
		entry = JV_OBJECT(jv_string("path"), path);
	else if (jv_get_kind(base) == JV_KIND_STRING)
		entry = JV_OBJECT(jv_string("path"), base_path(r, jv_copy(base)), jv_string("adapter"), path);
	else {
		snprintf(err, errsz, "%s: an adapter registered without --base has no model to go with it",
			 jv_string_value(id));
		jv_free(path);
		entry = jv_invalid();
	}
	jv_free(id);
	jv_free(kind);
	jv_free(base);
	return entry;
}

int models_file_check(const char *path, jv v, registry *r, char *err, size_t errsz)
{
	jv file = load_models(path, err, errsz);
	int ok = jv_is_valid(file);
	jv_free(file);
	if (ok && jv_is_valid(v)) {
		jv e = model_entry(v, r, err, errsz);
		ok = jv_is_valid(e);
		jv_free(e);
	}
	return ok ? 0 : -1;
}

int models_file_set_default(const char *path, jv v, registry *r, char *err, size_t errsz)
{
	jv file = load_models(path, err, errsz);
	jv entry = jv_is_valid(file) ? model_entry(v, r, err, errsz) : jv_invalid();
	if (!jv_is_valid(entry)) {
		jv_free(file);
		jv_free(v);
		return -1;
	}
	jv id = jv_object_get(v, jv_string("id"));
	jv models = jv_object_get(jv_copy(file), jv_string("models"));
	if (jv_get_kind(models) != JV_KIND_OBJECT) {
		jv_free(models);
		models = jv_object();
	}
	models = jv_object_set(models, jv_copy(id), entry);
	file = jv_object_set(file, jv_string("models"), models);
	file = jv_object_set(file, jv_string("default"), id);
	jv text = jv_dump_string(file, JV_PRINT_PRETTY | JV_PRINT_SORTED | JV_PRINT_INDENT_FLAGS(2));
	jv line = jv_string_concat(text, jv_string("\n"));
	int rc = write_atomic(path, jv_string_value(line), err, errsz);
	jv_free(line);
	return rc;
}

static const char *verdicts_of(jv v, char *buf, size_t sz)
{
	jv p = jv_getpath(jv_copy(v), JV_ARRAY(jv_string("metrics"), jv_string("verdicts"), jv_string("path")));
	if (jv_get_kind(p) != JV_KIND_STRING) {
		jv_free(p);
		return NULL;
	}
	snprintf(buf, sz, "%s", jv_string_value(p));
	jv_free(p);
	return buf;
}

jv models_abtest(jv a, jv b)
{
	char pa[PATH_MAX], pb[PATH_MAX], exe[PATH_MAX], tool[PATH_MAX + 16];
	if (!verdicts_of(a, pa, sizeof pa) || !verdicts_of(b, pb, sizeof pb))
		return jv_null();
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	snprintf(tool, sizeof tool, "ls-abtest");
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(tool, sizeof tool, "%s/ls-abtest", exe);
			if (access(tool, X_OK) != 0)
				snprintf(tool, sizeof tool, "ls-abtest");
		}
	}
	int fd[2];
	if (pipe(fd) != 0)
		return JV_OBJECT(jv_string("error"), jv_string(strerror(errno)));
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fd[1], 1);
		close(fd[0]);
		close(fd[1]);
		execlp(tool, "ls-abtest", "--json", "--quiet", pa, pb, (char *)NULL);
		fprintf(stderr, "ls-registry: %s: %s\n", tool, strerror(errno));
		_exit(127);
	}
	close(fd[1]);
	jv out = jv_string("");
	char buf[8192];
	ssize_t r;
	while ((r = read(fd[0], buf, sizeof buf)) > 0 || (r < 0 && errno == EINTR))
		if (r > 0)
			out = jv_string_append_buf(out, buf, (int)r);
	close(fd[0]);
	int st = 0;
	if (pid > 0)
		waitpid(pid, &st, 0);
	if (pid < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		jv_free(out);
		return JV_OBJECT(jv_string("error"), jv_string_fmt("ls-abtest failed (status %d)",
								    WIFEXITED(st) ? WEXITSTATUS(st) : -1));
	}
	jv rep = jv_parse(jv_string_value(out));
	jv_free(out);
	if (!jv_is_valid(rep)) {
		jv_free(rep);
		return JV_OBJECT(jv_string("error"), jv_string("ls-abtest --json wrote no JSON"));
	}
	return rep;
}
