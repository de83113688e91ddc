/* registry.h — model and adapter versions with their evidence, in SQLite.
 *
 * One database file holds every registered version (its files' content
 * hashes, base model, training config, data manifest, metrics, who made it
 * and when), the promotions that made a version the default, and an audit
 * trail of every decision. Each change is one IMMEDIATE transaction in WAL
 * mode with synchronous=FULL: a writer killed at any point leaves either the
 * whole change or none of it, concurrent writers queue on the lock (busy
 * timeout), and readers see the last committed state.
 *
 * Versions are named NAME@vN; N counts from 1 per name. A reference is
 * NAME@vN, NAME (its latest version) or "default" (the promoted one).
 *
 * Values come back as jq values (consumed/owned as in jv.h).
 */
#ifndef LS_REGISTRY_H
#define LS_REGISTRY_H

#include <jv.h>

typedef struct registry registry;

/* Open (creating the file and the schema when missing). NULL with err set. */
registry *reg_open(const char *path, char *err, size_t errsz);
void reg_close(registry *r);

/* What a registration records; every field but name and path is optional. */
typedef struct {
	const char *name;	/* e.g. "code-lora" */
	const char *path;	/* model or adapter directory (or one file) */
	const char *kind;	/* "model" or "adapter"; NULL: guessed from the files */
	const char *base;	/* base model reference or path */
	const char *actor;	/* who or what made it (default: $USER@host) */
	const char *note;
	jv config;		/* object or null: training configuration */
	jv data;		/* array of manifests (reg_manifest) or null */
	jv metrics;		/* object or null: metrics from pipelines/evaluate */
} reg_version_in;

/* Hash the files under in->path (outside any lock), then register them as the
 * next version of in->name in one transaction. Returns the version record
 * (reg_show's form) or an invalid jv with a message. Consumes in's jv fields. */
jv reg_register(registry *r, reg_version_in *in);

/* A data manifest of one JSONL file: path, content hash, records, bytes and,
 * when records carry them, counts by "split" and "category". */
jv reg_manifest(const char *path, char *err, size_t errsz);

/* Content hash of a file or a directory tree (regular files, sorted paths):
 * {"hash": ..., "files": [{"path","size","hash"}...]} or invalid. */
jv reg_hash_tree(const char *path);

jv reg_list(registry *r, const char *name);		/* array, oldest first; name NULL: all */
jv reg_show(registry *r, const char *ref);		/* object, or invalid with a message */
/* The version with the highest (or, minimize, lowest) value of a metric,
 * a path into the metrics object such as "suite.pass_rate"; name NULL: any. */
jv reg_best(registry *r, const char *metric, const char *name, int minimize);

/* Make ref the default; the promotion and its reason go to the audit trail. */
jv reg_promote(registry *r, const char *ref, const char *reason, const char *actor);
/* Undo the latest promotion: the previous default is the default again. */
jv reg_rollback(registry *r, const char *reason, const char *actor);
jv reg_default(registry *r);	/* the default version, or null */

/* Append an event (kind: "decision", "evaluate", "note", ...) about ref (or
 * NULL) with a JSON detail; returns the event. Consumes detail. */
jv reg_audit_add(registry *r, const char *kind, const char *ref, jv detail, const char *actor);
jv reg_audit(registry *r, const char *kind);	/* array of events, oldest first */

/* The one JSON value in a file (jv_load_file gives an array of all of
 * them): the value, or invalid with a message. */
jv load_json_object(const char *path);

/* "integrity_check" of the database and the registry's own invariants (every
 * version has all its file rows): "ok" or a description. Caller frees. */
char *reg_check(registry *r);

/* The time stamps written: $SOURCE_DATE_EPOCH when set (for reproducible
 * tests), else now; ISO 8601 UTC. */
void reg_now(char out[32]);

#endif
