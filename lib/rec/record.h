/* record.h — JSONL records in and out, over libjq's jv.
 *
 * Ownership (jq's rule, kept everywhere in lift-sys): every function that
 * takes a jv consumes it, and every jv returned is a new reference owned by
 * the caller. Call jv_copy() to keep a value you pass on. jv reference counts
 * are not atomic: a jv must be owned by one thread at a time, never shared.
 *
 * Records are JSON objects, one per line. A reader goes through its files in
 * order ("-" is stdin) one line at a time, so a malformed line is reported as
 * "tool: FILE:LINE: message", counted, and loses nothing after it. CRLF line
 * ends and blank lines are accepted; invalid UTF-8, over-long lines and
 * non-object values are malformed.
 */
#ifndef LS_RECORD_H
#define LS_RECORD_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <jv.h>

#define REC_MAX_LINE_DEFAULT (64u << 20)	/* 64 MiB */

enum {
	REC_TEXT_OK = 1,	/* a line that is not JSON becomes a jv string (ls-repos takes paths) */
	REC_ANY_VALUE = 2,	/* accept JSON values other than objects */
};

typedef struct rec_reader rec_reader;

/* Files to read, in order; nfiles == 0 reads stdin. A file that cannot be
 * opened is reported and counted as an error; the others are still read. */
rec_reader *rec_reader_open(char *const *files, int nfiles, int flags);
void rec_reader_set_max_line(rec_reader *r, size_t max);
/* Next record: 1 and *out set, or 0 at the end of all input. Malformed lines
 * are reported on stderr and skipped (see rec_reader_malformed). */
int rec_next(rec_reader *r, jv *out);
const char *rec_file(const rec_reader *r);	/* file of the last record: "<stdin>" for - */
long rec_line(const rec_reader *r);		/* its line number, from 1 */
size_t rec_malformed(const rec_reader *r);	/* malformed lines so far */
size_t rec_unreadable(const rec_reader *r);	/* files that could not be opened */
/* Progress: bytes of the lines taken so far (not those read ahead into the
 * buffer) and the total when known (regular files), else 0. */
void rec_reader_bytes(const rec_reader *r, size_t *done, size_t *total);
void rec_reader_close(rec_reader *r);

/* Parse one JSON text (a line) as the reader does: jv_parse_sized, keeping
 * the literal of every number a double cannot hold exactly (2^53 + 1,
 * 1E400, 0.1000000000000000000001) so that the writers print it verbatim
 * (other numbers print as jq -c prints them). Returns an invalid jv with
 * jq's message on a syntax error. */
jv rec_parse(const char *s, size_t n);
/* The kept literal of a number, or NULL (borrowed; lives as long as the process). */
const char *rec_number_literal(jv v);

/* A stop flag (set from a signal handler): a read that waits for input
 * looks at it every 100 ms and ends the input when it is set. */
void rec_reader_stop_on(rec_reader *r, const volatile sig_atomic_t *flag);

/* At most max bytes of s[0..n) for an error message, control characters and
 * invalid UTF-8 escaped (\xNN), "..." when cut; into b[cap]. Returns b. */
char *rec_quote(char *b, size_t cap, const char *s, size_t n, size_t max);

/* Write one record as compact JSON and a newline: the same bytes as jq -c.
 * Consumes rec. Returns 0, or -1 on an output error (errno set). */
int rec_write(FILE *f, jv rec);
/* The same compact JSON as a malloc'd NUL-terminated string. Consumes rec. */
char *rec_dump(jv rec, size_t *len);

/* Write at w the JSON text rec_write writes for jv_string_sized(s, n), for
 * writers that build a record's JSON straight into a buffer; returns the end.
 * Invalid UTF-8 is replaced as jv does it, so the bytes are the same. w needs
 * room for REC_STRING_MAX(n) bytes. */
#define REC_STRING_MAX(n) (6 * (size_t)(n) + 2)
char *rec_put_string(char *w, const char *s, size_t n);

/* The whole record as a compact string with sorted keys (for hashing: a
 * canonical form). Consumes rec; free() the result. */
char *rec_canonical(jv rec, size_t *len);

/* Small conveniences over jv objects. None consumes obj. */
const char *rec_str(jv obj, const char *key);	/* borrowed; NULL if absent or not a string */
/* A string field, telling a wrong type from a missing field: 0 with *out
 * borrowed (NULL when the field is absent or null), or -1 with a message
 * such as "field 'path' is a number, not a string" in err. */
int rec_get_str(jv obj, const char *key, const char **out, char *err, size_t errsz);
double rec_num(jv obj, const char *key, double dflt);
int rec_bool(jv obj, const char *key, int dflt);
/* Dotted path lookup "repo.name" (consumes nothing; returns a new reference or jv_null()). */
jv rec_path(jv obj, const char *dotted);


#endif
