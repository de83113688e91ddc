/* tok-drive — lib/model/tokenizer.h from the shell, for the exactness test and the benchmark.
 *   tok-drive encode TOKENIZER.json < records.jsonl   one line of ids per record's "text"
 *   tok-drive decode TOKENIZER.json < ids.txt         one JSON string per line of ids
 *   tok-drive bench TOKENIZER.json IN.jsonl [ROUNDS]   encode every record on one thread,
 *                                                      best of ROUNDS and the first
 *                                                      (cold cache) pass, as one JSON line */
#include <jv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/strbuf.h"
#include "model/tokenizer.h"
#include "base/clock.h"

/* The whole file, NUL-terminated (malloc'd), or NULL. */
static char *slurp(const char *path, size_t *n)
{
	sb o = { 0 };
	*n = 0;
	if (sb_read_file(&o, path) < 0) {
		free(o.b);
		return NULL;
	}
	*n = o.n;
	return o.b;
}

static int drive_encode(const char *path)
{
	char err[512];
	tokenizer *t = tok_load(path, err, sizeof err);
	if (!t) {
		fprintf(stderr, "tok-drive: %s\n", err);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;
	while ((n = getline(&line, &cap, stdin)) > 0) {
		jv rec = jv_parse_sized(line, n);
		jv text = jv_object_get(jv_copy(rec), jv_string("text"));
		if (jv_get_kind(text) != JV_KIND_STRING) {
			fprintf(stderr, "tok-drive: record without text\n");
			rc = 1;
		} else {
			int32_t *ids;
			long k = tok_encode(t, jv_string_value(text), jv_string_length_bytes(jv_copy(text)),
					    0, &ids);
			for (long i = 0; i < k; i++)
				printf(i ? " %d" : "%d", ids[i]);
			if (k < 0)
				printf("error");
			printf("\n");
			free(ids);
		}
		jv_free(text), jv_free(rec);
	}
	free(line);
	tok_free(t);
	return rc;
}

static int drive_decode(const char *path)
{
	char err[512];
	tokenizer *t = tok_load(path, err, sizeof err);
	if (!t) {
		fprintf(stderr, "tok-drive: %s\n", err);
		return 1;
	}
	char *line = NULL;
	size_t cap = 0, nids = 0, capids = 0;
	int32_t *ids = NULL;
	int rc = 0;
	while (getline(&line, &cap, stdin) > 0) {
		nids = 0;
		for (char *p = line, *e; *p && *p != '\n'; p = e) {
			long v = strtol(p, &e, 10);
			if (e == p)
				break;
			if (nids == capids)
				ids = realloc(ids, (capids = capids ? capids * 2 : 1024) * sizeof *ids);
			ids[nids++] = v;
		}
		size_t len;
		char *s = tok_decode(t, ids, nids, 0, &len);
		if (!s) {
			fprintf(stderr, "tok-drive: cannot decode\n");
			rc = 1;
			break;
		}
		jv d = jv_dump_string(jv_string_sized(s, len), 0);
		printf("%s\n", jv_string_value(d));
		jv_free(d);
		free(s);
	}
	free(ids);
	free(line);
	tok_free(t);
	return rc;
}

static int drive_bench(const char *path, const char *file, int rounds)
{
	char err[512];
	double t0 = ls_now();
	tokenizer *t = tok_load(path, err, sizeof err);
	double load = ls_now() - t0;
	if (!t) {
		fprintf(stderr, "tok-drive: %s\n", err);
		return 1;
	}
	size_t n, nrec = 0, bytes = 0;
	char *data = slurp(file, &n);
	if (!data) {
		fprintf(stderr, "tok-drive: cannot read '%s'\n", file);
		return 1;
	}
	jv *texts = NULL;
	for (char *p = data, *nl; p < data + n; p = nl + 1) {
		if (!(nl = memchr(p, '\n', data + n - p)))
			nl = data + n;
		jv text = jv_object_get(jv_parse_sized(p, nl - p), jv_string("text"));
		if (jv_get_kind(text) != JV_KIND_STRING) {
			jv_free(text);
			continue;
		}
		texts = realloc(texts, (nrec + 1) * sizeof *texts);
		bytes += jv_string_length_bytes(jv_copy(text));
		texts[nrec++] = text;
	}
	double best = 1e9, first = 0;
	long ntok = 0;
	for (int r = 0; r < rounds; r++) {
		t0 = ls_now();
		ntok = 0;
		for (size_t i = 0; i < nrec; i++) {
			int32_t *ids;
			long k = tok_encode(t, jv_string_value(texts[i]),
					    jv_string_length_bytes(jv_copy(texts[i])), 0, &ids);
			if (k < 0) {
				fprintf(stderr, "tok-drive: cannot encode\n");
				return 1;
			}
			ntok += k;
			free(ids);
		}
		double dt = ls_now() - t0;
		if (!r)
			first = dt;
		if (dt < best)
			best = dt;
	}
	printf("{\"impl\":\"lift-sys (C)\",\"bytes\":%zu,\"tokens\":%ld,\"seconds\":%.4f,"
	       "\"mb_per_s\":%.2f,\"first_mb_per_s\":%.2f,\"load_s\":%.3f}\n",
	       bytes, ntok, best, bytes / best / 1e6, bytes / first / 1e6, load);
	for (size_t i = 0; i < nrec; i++)
		jv_free(texts[i]);
	free(texts);
	free(data);
	tok_free(t);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "encode"))
		return drive_encode(argv[2]);
	if (argc >= 3 && !strcmp(argv[1], "decode"))
		return drive_decode(argv[2]);
	if (argc >= 4 && !strcmp(argv[1], "bench"))
		return drive_bench(argv[2], argv[3], argc > 4 ? atoi(argv[4]) : 3);
	fprintf(stderr, "usage: tok-drive encode|decode TOKENIZER.json\n"
			"       tok-drive bench TOKENIZER.json IN.jsonl [ROUNDS]\n");
	return 64;
}
