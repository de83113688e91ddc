/* registry.c — the SQLite store behind ls-registry; see registry.h. */
#include "registry/registry.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>
#include <xxhash.h>


struct registry {
	sqlite3 *db;
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS version ("
	"  id INTEGER PRIMARY KEY,"
	"  name TEXT NOT NULL, ver INTEGER NOT NULL, kind TEXT NOT NULL,"
	"  path TEXT NOT NULL, hash TEXT NOT NULL, nfiles INTEGER NOT NULL,"
	"  base TEXT, config TEXT, data TEXT, metrics TEXT,"
	"  created TEXT NOT NULL, actor TEXT NOT NULL, note TEXT,"
	"  UNIQUE (name, ver));"
	"CREATE TABLE IF NOT EXISTS file ("
	"  version INTEGER NOT NULL REFERENCES version(id),"
	"  path TEXT NOT NULL, size INTEGER NOT NULL, hash TEXT NOT NULL,"
	"  PRIMARY KEY (version, path));"
	"CREATE TABLE IF NOT EXISTS promotion ("
	"  seq INTEGER PRIMARY KEY, version INTEGER NOT NULL REFERENCES version(id),"
	"  time TEXT NOT NULL, reason TEXT, actor TEXT NOT NULL,"
	"  rolled_back INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE IF NOT EXISTS event ("
	"  seq INTEGER PRIMARY KEY, time TEXT NOT NULL, kind TEXT NOT NULL,"
	"  version TEXT, detail TEXT NOT NULL, actor TEXT NOT NULL);";

void reg_now(char out[32])
{
	const char *e = getenv("SOURCE_DATE_EPOCH");
	time_t t = e && *e ? (time_t)strtoll(e, NULL, 10) : time(NULL);
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static jv errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static jv errorf(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	jv m = jv_string_vfmt(fmt, ap);
	va_end(ap);
	return jv_invalid_with_msg(m);
}

static jv dberr(registry *r, const char *what)
{
	return errorf("%s: %s", what, sqlite3_errmsg(r->db));
}

registry *reg_open(const char *path, char *err, size_t errsz)
{
	registry *r = calloc(1, sizeof *r);
	if (!r) {
		snprintf(err, errsz, "out of memory");
		return NULL;
	}
	int rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	char *msg = NULL;
	if (rc == SQLITE_OK) {
		/* Writers wait for each other instead of failing; WAL lets readers
		 * go on during a write and see only committed transactions;
		 * synchronous=FULL makes a commit survive a crash of the machine. */
		sqlite3_busy_timeout(r->db, 60000);
		rc = sqlite3_exec(r->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
				  "PRAGMA foreign_keys=ON;", NULL, NULL, &msg);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(r->db, schema, NULL, NULL, &msg);
	}
	if (rc != SQLITE_OK) {
		snprintf(err, errsz, "%s: %s", path, msg ? msg : sqlite3_errmsg(r->db));
		sqlite3_free(msg);
		sqlite3_close(r->db);
		free(r);
		return NULL;
	}
	return r;
}

void reg_close(registry *r)
{
	if (!r)
		return;
	sqlite3_close(r->db);
	free(r);
}

jv load_json_object(const char *path)
{
	jv all = jv_load_file(path, 0);
	if (!jv_is_valid(all))
		return all;
	if (jv_array_length(jv_copy(all)) != 1) {
		jv_free(all);
		return errorf("expected one JSON value");
	}
	return jv_array_get(all, 0);
}

/* ---- hashing ------------------------------------------------------------- */

/* XXH3-128 of a file, streamed (model files can be larger than memory). */
static int hash_file(const char *path, char out[33], long long *size)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	XXH3_state_t *st = XXH3_createState();
	XXH3_128bits_reset(st);
	static __thread char buf[1 << 16];
	long long total = 0;
	ssize_t n;
	while ((n = read(fd, buf, sizeof buf)) > 0) {
		XXH3_128bits_update(st, buf, (size_t)n);
		total += n;
	}
	int saved = errno;
	close(fd);
	XXH128_hash_t h = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	if (n < 0) {
		errno = saved;
		return -1;
	}
	snprintf(out, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
	*size = total;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Relative paths of the regular files under dir/rel, appended to *v. */
static int walk(const char *root, const char *rel, char ***v, size_t *n, size_t *cap)
{
	char full[4096];
	snprintf(full, sizeof full, "%s%s%s", root, *rel ? "/" : "", rel);
	DIR *d = opendir(full);
	if (!d)
		return -1;
	struct dirent *e;
	int rc = 0;
	while (rc == 0 && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[4096], path[8192];
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name);
		snprintf(path, sizeof path, "%s/%s", root, sub);
		struct stat st;
		if (stat(path, &st) != 0)
			rc = -1;
		else if (S_ISDIR(st.st_mode))
			rc = walk(root, sub, v, n, cap);
		else if (S_ISREG(st.st_mode)) {
			if (*n == *cap) {
				*cap = *cap ? *cap * 2 : 16;
				*v = realloc(*v, *cap * sizeof **v);
			}
			(*v)[(*n)++] = strdup(sub);
		}
	}
	closedir(d);
	return rc;
}

jv reg_hash_tree(const char *path)
{
	struct stat st;
	if (stat(path, &st) != 0)
		return errorf("%s: %s", path, strerror(errno));
	char **v = NULL;
	size_t n = 0, cap = 0;
	if (S_ISDIR(st.st_mode)) {
		if (walk(path, "", &v, &n, &cap) != 0) {
			for (size_t i = 0; i < n; i++)
				free(v[i]);
			free(v);
			return errorf("%s: cannot read: %s", path, strerror(errno));
		}
		qsort(v, n, sizeof *v, cmp_str);
	}
	jv files = jv_array();
	XXH3_state_t *all = XXH3_createState();
	XXH3_128bits_reset(all);
	jv result = jv_null();
	for (size_t i = 0; i < (S_ISDIR(st.st_mode) ? n : 1); i++) {
		char full[8192], h[33];
		long long size;
		const char *rel = S_ISDIR(st.st_mode) ? v[i] : strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
		snprintf(full, sizeof full, S_ISDIR(st.st_mode) ? "%s/%s" : "%s", path, rel);
		if (hash_file(full, h, &size) != 0) {
			result = errorf("%s: %s", full, strerror(errno));
			break;
		}
		/* the tree hash covers names and contents, NUL-separated */
		XXH3_128bits_update(all, rel, strlen(rel) + 1);
		XXH3_128bits_update(all, h, 33);
		files = jv_array_append(files, JV_OBJECT(jv_string("path"), jv_string(rel),
							 jv_string("size"), jv_number((double)size),
							 jv_string("hash"), jv_string(h)));
	}
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
	XXH128_hash_t d = XXH3_128bits_digest(all);
	XXH3_freeState(all);
	if (jv_is_valid(result) == 0) {
		jv_free(files);
		return result;
	}
	char hex[33];
	snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)d.high64, (unsigned long long)d.low64);
	return JV_OBJECT(jv_string("hash"), jv_string(hex), jv_string("files"), files);
}

static jv count_by(jv counts, jv rec, const char *field)
{
	jv v = jv_object_get(jv_copy(rec), jv_string(field));
	if (jv_get_kind(v) == JV_KIND_STRING) {
		jv c = jv_object_get(jv_copy(counts), jv_copy(v));
		double k = jv_get_kind(c) == JV_KIND_NUMBER ? jv_number_value(c) : 0;
		jv_free(c);
		counts = jv_object_set(counts, v, jv_number(k + 1));
	} else
		jv_free(v);
	return counts;
}

jv reg_manifest(const char *path, char *err, size_t errsz)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		return jv_invalid();
	}
	XXH3_state_t *st = XXH3_createState();
	XXH3_128bits_reset(st);
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long long records = 0, bytes = 0, bad = 0;
	jv splits = jv_object(), cats = jv_object();
	while ((n = getline(&line, &cap, f)) > 0) {
		XXH3_128bits_update(st, line, (size_t)n);
		bytes += n;
		jv rec = jv_parse_sized(line, (int)n);
		if (jv_get_kind(rec) == JV_KIND_OBJECT) {
			records++;
			splits = count_by(splits, rec, "split");
			cats = count_by(cats, rec, "category");
		} else if (strspn(line, " \t\r\n") != (size_t)n)
			bad++;
		jv_free(rec);
	}
	int rerr = ferror(f);
	free(line);
	fclose(f);
	XXH128_hash_t d = XXH3_128bits_digest(st);
	XXH3_freeState(st);
	if (rerr) {
		jv_free(splits);
		jv_free(cats);
		snprintf(err, errsz, "%s: read error", path);
		return jv_invalid();
	}
	char hex[33];
	snprintf(hex, sizeof hex, "%016llx%016llx", (unsigned long long)d.high64, (unsigned long long)d.low64);
	char abs[4096];
	jv m = JV_OBJECT(jv_string("path"), jv_string(realpath(path, abs) ? abs : path), jv_string("hash"), jv_string(hex),
			 jv_string("records"), jv_number((double)records), jv_string("bytes"), jv_number((double)bytes));
	if (bad)
		m = jv_object_set(m, jv_string("malformed_lines"), jv_number((double)bad));
	m = jv_object_set(m, jv_string("by_split"), splits);
	m = jv_object_set(m, jv_string("by_category"), cats);
	return m;
}

/* ---- statements ------------------------------------------------------------ */

static void bind_text(sqlite3_stmt *s, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, i);
}

/* jv as JSON text for a column, or NULL for null/invalid. Caller frees. */
static char *json_text(jv v)
{
	if (!jv_is_valid(v) || jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return NULL;
	}
	jv s = jv_dump_string(v, JV_PRINT_SORTED);
	char *t = strdup(jv_string_value(s));
	jv_free(s);
	return t;
}

static jv column_json(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	if (!t)
		return jv_null();
	jv v = jv_parse((const char *)t);
	return jv_is_valid(v) ? v : (jv_free(v), jv_string((const char *)t));
}

static jv column_str(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);
	return t ? jv_string((const char *)t) : jv_null();
}

#define VERSION_COLS "v.id, v.name, v.ver, v.kind, v.path, v.hash, v.nfiles, v.base, v.config, " \
	"v.data, v.metrics, v.created, v.actor, v.note"

/* A version row (VERSION_COLS) as a record; files and default status added. */
static jv version_row(registry *r, sqlite3_stmt *s)
{
	sqlite3_int64 id = sqlite3_column_int64(s, 0);
	char ref[512];
	snprintf(ref, sizeof ref, "%s@v%d", (const char *)sqlite3_column_text(s, 1), sqlite3_column_int(s, 2));
	jv v = JV_OBJECT(jv_string("id"), jv_string(ref),
			 jv_string("name"), column_str(s, 1),
			 jv_string("version"), jv_number(sqlite3_column_int(s, 2)),
			 jv_string("kind"), column_str(s, 3),
			 jv_string("path"), column_str(s, 4),
			 jv_string("hash"), column_str(s, 5),
			 jv_string("base"), column_str(s, 7));
	v = jv_object_set(v, jv_string("config"), column_json(s, 8));
	v = jv_object_set(v, jv_string("data"), column_json(s, 9));
	v = jv_object_set(v, jv_string("metrics"), column_json(s, 10));
	v = jv_object_set(v, jv_string("created"), column_str(s, 11));
	v = jv_object_set(v, jv_string("actor"), column_str(s, 12));
	if (sqlite3_column_type(s, 13) != SQLITE_NULL)
		v = jv_object_set(v, jv_string("note"), column_str(s, 13));
	jv files = jv_array();
	sqlite3_stmt *f;
	if (sqlite3_prepare_v2(r->db, "SELECT path, size, hash FROM file WHERE version = ? ORDER BY path",
			       -1, &f, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(f, 1, id);
		while (sqlite3_step(f) == SQLITE_ROW)
			files = jv_array_append(files, JV_OBJECT(jv_string("path"), column_str(f, 0),
								 jv_string("size"), jv_number((double)sqlite3_column_int64(f, 1)),
								 jv_string("hash"), column_str(f, 2)));
		sqlite3_finalize(f);
	}
	v = jv_object_set(v, jv_string("files"), files);
	return v;
}

/* The default's version id, or 0. */
static sqlite3_int64 default_id(registry *r)
{
	sqlite3_stmt *s;
	sqlite3_int64 id = 0;
	if (sqlite3_prepare_v2(r->db, "SELECT version FROM promotion WHERE rolled_back = 0 "
			       "ORDER BY seq DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return id;
}

/* Rows of "SELECT VERSION_COLS FROM version v ..." as an array. */
static jv query_versions(registry *r, const char *sql, const char *arg1, const char *arg2)
{
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(r->db, sql, -1, &s, NULL) != SQLITE_OK)
		return dberr(r, "query");
	int nparam = sqlite3_bind_parameter_count(s);
	if (nparam >= 1)
		bind_text(s, 1, arg1);
	if (nparam >= 2)
		bind_text(s, 2, arg2);
	sqlite3_int64 def = default_id(r);
	jv out = jv_array();
	int rc;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		jv v = version_row(r, s);
		v = jv_object_set(v, jv_string("default"), jv_bool(sqlite3_column_int64(s, 0) == def));
		out = jv_array_append(out, v);
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		jv_free(out);
		return dberr(r, "query");
	}
	return out;
}

/* Resolve NAME@vN, NAME (latest) or "default" to a version id; 0 when there is none. */
static sqlite3_int64 resolve(registry *r, const char *ref, jv *err)
{
	if (!strcmp(ref, "default")) {
		sqlite3_int64 id = default_id(r);
		if (!id)
			*err = errorf("no version has been promoted to the default");
		return id;
	}
	char name[512];
	int ver = 0;
	const char *at = strrchr(ref, '@');
	if (at && at[1] == 'v' && at[2]) {
		char *end;
		long n = strtol(at + 2, &end, 10);
		if (*end || n < 1 || (size_t)(at - ref) >= sizeof name) {
			*err = errorf("%s: not a version reference (NAME@vN, NAME or default)", ref);
			return 0;
		}
		ver = (int)n;
		snprintf(name, sizeof name, "%.*s", (int)(at - ref), ref);
	} else
		snprintf(name, sizeof name, "%s", ref);
	sqlite3_stmt *s;
	const char *sql = ver ? "SELECT id FROM version WHERE name = ? AND ver = ?"
			      : "SELECT id FROM version WHERE name = ? ORDER BY ver DESC LIMIT 1";
	if (sqlite3_prepare_v2(r->db, sql, -1, &s, NULL) != SQLITE_OK) {
		*err = dberr(r, "query");
		return 0;
	}
	sqlite3_bind_text(s, 1, name, -1, SQLITE_TRANSIENT);
	if (ver)
		sqlite3_bind_int(s, 2, ver);
	sqlite3_int64 id = 0;
	if (sqlite3_step(s) == SQLITE_ROW)
		id = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (!id)
		*err = errorf("%s: no such version", ref);
	return id;
}

static jv show_id(registry *r, sqlite3_int64 id)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT " VERSION_COLS " FROM version v WHERE v.id = %lld", (long long)id);
	jv a = query_versions(r, sql, NULL, NULL);
	if (!jv_is_valid(a))
		return a;
	if (jv_array_length(jv_copy(a)) == 0) {
		jv_free(a);
		return errorf("version %lld vanished", (long long)id);
	}
	return jv_array_get(a, 0);
}

jv reg_show(registry *r, const char *ref)
{
	jv err = jv_null();
	sqlite3_int64 id = resolve(r, ref, &err);
	if (!id)
		return err;
	return show_id(r, id);
}

jv reg_list(registry *r, const char *name)
{
	if (name)
		return query_versions(r, "SELECT " VERSION_COLS " FROM version v WHERE v.name = ? "
				      "ORDER BY v.name, v.ver", name, NULL);
	return query_versions(r, "SELECT " VERSION_COLS " FROM version v ORDER BY v.name, v.ver", NULL, NULL);
}

jv reg_default(registry *r)
{
	sqlite3_int64 id = default_id(r);
	return id ? show_id(r, id) : jv_null();
}

/* ---- transactions ----------------------------------------------------------- */

static int begin(registry *r)
{
	return sqlite3_exec(r->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

static jv rollback_with(registry *r, jv err)
{
	sqlite3_exec(r->db, "ROLLBACK", NULL, NULL, NULL);
	return err;
}

static int exec_stmt(sqlite3_stmt *s)
{
	int rc = sqlite3_step(s);
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : -1;
}

/* INSERT an audit event inside the caller's transaction. */
static int add_event(registry *r, const char *kind, const char *ref, jv detail, const char *actor)
{
	char now[32];
	reg_now(now);
	char *d = json_text(detail);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(r->db, "INSERT INTO event (time, kind, version, detail, actor) VALUES (?,?,?,?,?)",
			       -1, &s, NULL) != SQLITE_OK) {
		free(d);
		return -1;
	}
	bind_text(s, 1, now);
	bind_text(s, 2, kind);
	bind_text(s, 3, ref);
	bind_text(s, 4, d ? d : "{}");
	bind_text(s, 5, actor);
	free(d);
	return exec_stmt(s);
}

static const char *guess_kind(jv files)
{
	int n = jv_array_length(jv_copy(files));
	for (int i = 0; i < n; i++) {
		jv p = jv_object_get(jv_array_get(jv_copy(files), i), jv_string("path"));
		int adapter = !strcmp(jv_string_value(p), "adapter_config.json");
		jv_free(p);
		if (adapter)
			return "adapter";
	}
	return "model";
}

jv reg_register(registry *r, reg_version_in *in)
{
	jv tree = reg_hash_tree(in->path);	/* before the lock: hashing can take long */
	if (!jv_is_valid(tree)) {
		jv_free(in->config);
		jv_free(in->data);
		jv_free(in->metrics);
		return tree;
	}
	jv files = jv_object_get(jv_copy(tree), jv_string("files"));
	jv hash = jv_object_get(tree, jv_string("hash"));
	const char *kind = in->kind ? in->kind : guess_kind(files);
	char *config = json_text(in->config), *data = json_text(in->data), *metrics = json_text(in->metrics);
	char now[32];
	reg_now(now);
	char abspath[4096];
	if (!realpath(in->path, abspath))
		snprintf(abspath, sizeof abspath, "%s", in->path);
	jv result = jv_null();
	sqlite3_stmt *s = NULL;
	int nfiles = jv_array_length(jv_copy(files));
	if (begin(r) != SQLITE_OK) {
		result = dberr(r, "begin");
		goto out;
	}
	int ver = 1;
	if (sqlite3_prepare_v2(r->db, "SELECT COALESCE(MAX(ver), 0) + 1 FROM version WHERE name = ?", -1, &s, NULL) != SQLITE_OK) {
		result = rollback_with(r, dberr(r, "register"));
		goto out;
	}
	bind_text(s, 1, in->name);
	if (sqlite3_step(s) == SQLITE_ROW)
		ver = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(r->db, "INSERT INTO version (name, ver, kind, path, hash, nfiles, base, config, data,"
			       " metrics, created, actor, note) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &s, NULL) != SQLITE_OK) {
		result = rollback_with(r, dberr(r, "register"));
		goto out;
	}
	bind_text(s, 1, in->name);
	sqlite3_bind_int(s, 2, ver);
	bind_text(s, 3, kind);
	bind_text(s, 4, abspath);
	bind_text(s, 5, jv_string_value(hash));
	sqlite3_bind_int(s, 6, nfiles);
	bind_text(s, 7, in->base);
	bind_text(s, 8, config);
	bind_text(s, 9, data);
	bind_text(s, 10, metrics);
	bind_text(s, 11, now);
	bind_text(s, 12, in->actor);
	bind_text(s, 13, in->note);
	if (exec_stmt(s) != 0) {
		result = rollback_with(r, dberr(r, "register"));
		goto out;
	}
	sqlite3_int64 id = sqlite3_last_insert_rowid(r->db);
	for (int i = 0; i < nfiles; i++) {
		jv f = jv_array_get(jv_copy(files), i);
		jv p = jv_object_get(jv_copy(f), jv_string("path"));
		jv z = jv_object_get(jv_copy(f), jv_string("size"));
		jv h = jv_object_get(f, jv_string("hash"));
		int ok = sqlite3_prepare_v2(r->db, "INSERT INTO file (version, path, size, hash) VALUES (?,?,?,?)",
					    -1, &s, NULL) == SQLITE_OK;
		if (ok) {
			sqlite3_bind_int64(s, 1, id);
			bind_text(s, 2, jv_string_value(p));
			sqlite3_bind_int64(s, 3, (sqlite3_int64)jv_number_value(z));
			bind_text(s, 4, jv_string_value(h));
			ok = exec_stmt(s) == 0;
		}
		jv_free(p);
		jv_free(z);
		jv_free(h);
		if (!ok) {
			result = rollback_with(r, dberr(r, "register"));
			goto out;
		}
	}
	char ref[600];
	snprintf(ref, sizeof ref, "%s@v%d", in->name, ver);
	if (add_event(r, "register", ref, JV_OBJECT(jv_string("hash"), jv_copy(hash),
						    jv_string("path"), jv_string(abspath),
						    jv_string("files"), jv_number(nfiles)), in->actor) != 0) {
		result = rollback_with(r, dberr(r, "register"));
		goto out;
	}
	if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		result = rollback_with(r, dberr(r, "commit"));
		goto out;
	}
	result = show_id(r, id);
out:
	free(config);
	free(data);
	free(metrics);
	jv_free(files);
	jv_free(hash);
	return result;
}

static jv ref_of(registry *r, sqlite3_int64 id)
{
	sqlite3_stmt *s;
	jv out = jv_null();
	if (sqlite3_prepare_v2(r->db, "SELECT name, ver FROM version WHERE id = ?", -1, &s, NULL) != SQLITE_OK)
		return out;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		out = jv_string_fmt("%s@v%d", sqlite3_column_text(s, 0), sqlite3_column_int(s, 1));
	sqlite3_finalize(s);
	return out;
}

/* The event about version id, then COMMIT: 0, or -1 (the caller rolls back). */
static int event_and_commit(registry *r, const char *kind, sqlite3_int64 id, jv detail, const char *actor)
{
	jv ref = ref_of(r, id);
	int bad = add_event(r, kind, jv_get_kind(ref) == JV_KIND_STRING ? jv_string_value(ref) : NULL, detail, actor);
	jv_free(ref);
	return bad || sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK ? -1 : 0;
}

jv reg_promote(registry *r, const char *ref, const char *reason, const char *actor)
{
	if (begin(r) != SQLITE_OK)
		return dberr(r, "begin");
	jv err = jv_null();
	sqlite3_int64 id = resolve(r, ref, &err);
	if (!id)
		return rollback_with(r, err);
	sqlite3_int64 prev = default_id(r);
	char now[32];
	reg_now(now);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(r->db, "INSERT INTO promotion (version, time, reason, actor) VALUES (?,?,?,?)",
			       -1, &s, NULL) != SQLITE_OK)
		return rollback_with(r, dberr(r, "promote"));
	sqlite3_bind_int64(s, 1, id);
	bind_text(s, 2, now);
	bind_text(s, 3, reason);
	bind_text(s, 4, actor);
	if (exec_stmt(s) != 0)
		return rollback_with(r, dberr(r, "promote"));
	jv detail = JV_OBJECT(jv_string("previous"), prev ? ref_of(r, prev) : jv_null(),
			      jv_string("reason"), reason ? jv_string(reason) : jv_null());
	if (event_and_commit(r, "promote", id, detail, actor) != 0)
		return rollback_with(r, dberr(r, "promote"));
	return show_id(r, id);
}

jv reg_rollback(registry *r, const char *reason, const char *actor)
{
	if (begin(r) != SQLITE_OK)
		return dberr(r, "begin");
	sqlite3_stmt *s;
	sqlite3_int64 seq = 0, from = 0;
	if (sqlite3_prepare_v2(r->db, "SELECT seq, version FROM promotion WHERE rolled_back = 0 "
			       "ORDER BY seq DESC LIMIT 1", -1, &s, NULL) != SQLITE_OK)
		return rollback_with(r, dberr(r, "rollback"));
	if (sqlite3_step(s) == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		from = sqlite3_column_int64(s, 1);
	}
	sqlite3_finalize(s);
	if (!seq)
		return rollback_with(r, errorf("nothing to roll back: no version has been promoted"));
	if (sqlite3_prepare_v2(r->db, "UPDATE promotion SET rolled_back = 1 WHERE seq = ?", -1, &s, NULL) != SQLITE_OK)
		return rollback_with(r, dberr(r, "rollback"));
	sqlite3_bind_int64(s, 1, seq);
	if (exec_stmt(s) != 0)
		return rollback_with(r, dberr(r, "rollback"));
	sqlite3_int64 to = default_id(r);
	jv detail = JV_OBJECT(jv_string("to"), to ? ref_of(r, to) : jv_null(),
			      jv_string("reason"), reason ? jv_string(reason) : jv_null());
	if (event_and_commit(r, "rollback", from, detail, actor) != 0)
		return rollback_with(r, dberr(r, "rollback"));
	return to ? show_id(r, to) : jv_null();
}

/* Events matching WHERE (bound to text, else to seq when the clause has a
 * parameter), oldest first. */
static jv query_events(registry *r, const char *where, const char *text, sqlite3_int64 seq)
{
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT seq, time, kind, version, detail, actor FROM event %s ORDER BY seq", where);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(r->db, sql, -1, &s, NULL) != SQLITE_OK)
		return dberr(r, "audit");
	if (sqlite3_bind_parameter_count(s)) {
		if (text)
			bind_text(s, 1, text);
		else
			sqlite3_bind_int64(s, 1, seq);
	}
	jv out = jv_array();
	while (sqlite3_step(s) == SQLITE_ROW)
		out = jv_array_append(out, JV_OBJECT(jv_string("seq"), jv_number((double)sqlite3_column_int64(s, 0)),
						     jv_string("time"), column_str(s, 1),
						     jv_string("event"), column_str(s, 2),
						     jv_string("version"), column_str(s, 3),
						     jv_string("detail"), column_json(s, 4),
						     jv_string("actor"), column_str(s, 5)));
	sqlite3_finalize(s);
	return out;
}

jv reg_audit_add(registry *r, const char *kind, const char *ref, jv detail, const char *actor)
{
	if (begin(r) != SQLITE_OK) {
		jv_free(detail);
		return dberr(r, "begin");
	}
	if (ref) {
		jv err = jv_null();
		if (!resolve(r, ref, &err)) {
			jv_free(detail);
			return rollback_with(r, err);
		}
	}
	if (add_event(r, kind, ref, detail, actor) != 0)
		return rollback_with(r, dberr(r, "audit"));
	sqlite3_int64 seq = sqlite3_last_insert_rowid(r->db);
	if (sqlite3_exec(r->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return rollback_with(r, dberr(r, "commit"));
	jv one = query_events(r, "WHERE seq = ?", NULL, seq);
	if (!jv_is_valid(one) || jv_array_length(jv_copy(one)) != 1) {
		jv_free(one);
		return errorf("event %lld vanished", (long long)seq);
	}
	return jv_array_get(one, 0);
}

jv reg_audit(registry *r, const char *kind)
{
	return kind ? query_events(r, "WHERE kind = ?", kind, 0) : query_events(r, "", NULL, 0);
}

/* The number at a dotted path inside an object, or NaN. */
static double metric_at(jv metrics, const char *path)
{
	char buf[512];
	snprintf(buf, sizeof buf, "%s", path);
	jv cur = metrics;
	for (char *save = NULL, *tok = strtok_r(buf, ".", &save); tok; tok = strtok_r(NULL, ".", &save)) {
		if (jv_get_kind(cur) != JV_KIND_OBJECT) {
			jv_free(cur);
			return __builtin_nan("");
		}
		cur = jv_object_get(cur, jv_string(tok));
	}
	double v = jv_get_kind(cur) == JV_KIND_NUMBER ? jv_number_value(cur) : __builtin_nan("");
	jv_free(cur);
	return v;
}

jv reg_best(registry *r, const char *metric, const char *name, int minimize)
{
	jv all = reg_list(r, name);
	if (!jv_is_valid(all))
		return all;
	jv best = jv_null();
	double bv = 0;
	jv_array_foreach(all, i, v) {
		(void)i;
		double x = metric_at(jv_object_get(jv_copy(v), jv_string("metrics")), metric);
		/* ties keep the earlier version: a newer one must be strictly better */
		if (x == x && (jv_get_kind(best) == JV_KIND_NULL || (minimize ? x < bv : x > bv))) {
			jv_free(best);
			best = v;
			bv = x;
		} else
			jv_free(v);
	}
	jv_free(all);
	if (jv_get_kind(best) == JV_KIND_NULL)
		return errorf("no version%s%s has a numeric metric %s", name ? " of " : "", name ? name : "", metric);
	return best;
}

char *reg_check(registry *r)
{
	char *text = NULL;
	size_t len = 0;
	FILE *sb = open_memstream(&text, &len);
	sqlite3_stmt *s;
	if (sqlite3_prepare_v2(r->db, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW) {
			const char *t = (const char *)sqlite3_column_text(s, 0);
			if (t && strcmp(t, "ok"))
				fprintf(sb, "%s; ", t);
		}
		sqlite3_finalize(s);
	} else
		fprintf(sb, "integrity_check: %s; ", sqlite3_errmsg(r->db));
	if (sqlite3_prepare_v2(r->db, "SELECT v.name, v.ver, v.nfiles, COUNT(f.path) FROM version v "
			       "LEFT JOIN file f ON f.version = v.id GROUP BY v.id "
			       "HAVING COUNT(f.path) != v.nfiles", -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW)
			fprintf(sb, "%s@v%d has %d of its %d files; ", sqlite3_column_text(s, 0),
				sqlite3_column_int(s, 1), sqlite3_column_int(s, 3), sqlite3_column_int(s, 2));
		sqlite3_finalize(s);
	}
	if (sqlite3_prepare_v2(r->db, "SELECT v.name, v.ver FROM version v WHERE NOT EXISTS "
			       "(SELECT 1 FROM event e WHERE e.kind = 'register' AND "
			       "e.version = v.name || '@v' || v.ver)", -1, &s, NULL) == SQLITE_OK) {
		while (sqlite3_step(s) == SQLITE_ROW)
			fprintf(sb, "%s@v%d has no register event; ", sqlite3_column_text(s, 0), sqlite3_column_int(s, 1));
		sqlite3_finalize(s);
	}
	if (ftell(sb) == 0)
		fputs("ok", sb);
	fclose(sb);
	return text;
}
