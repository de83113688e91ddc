/* test_safetensors.c — the safetensors reader and writer: round trips, number
 * formats, every malformed-file error, and a replay of the fuzz corpus. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "t.h"
#include "model/safetensors.h"

/* libjq 1.6 leaks inside jv_parser_next on some malformed JSON (the fuzz
 * corpus is full of it). Suppressed for this test binary only, so that jv
 * leaks of our own still fail the other tests under SANITIZE=1. */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
	return "leak:libjq.so\n";	/* the fast unwinder stops inside libjq */
}

static char dir[256];

/* A file from a header string and n data bytes (header length as given). */
static size_t mkbuf(unsigned char *out, const char *hdr, size_t ndata)
{
	uint64_t n = strlen(hdr);
	for (int i = 0; i < 8; i++)
		out[i] = n >> (8 * i) & 0xff;
	memcpy(out + 8, hdr, n);
	for (size_t i = 0; i < ndata; i++)
		out[8 + n + i] = (unsigned char)i;
	return 8 + n + ndata;
}

static void expect_error(const char *hdr, size_t ndata, const char *want, const char *what)
{
	unsigned char buf[4096];
	char err[256] = "";
	size_t n = mkbuf(buf, hdr, ndata);
	st_file *f = st_parse(buf, n, err, sizeof err);
	if (!T_OK(!f && strstr(err, want), what))
		printf("#   error: '%s', want '%s'\n", err, want);
	st_close(f);
}

static void test_roundtrip(void)
{
	float a[6] = { 1, -2, 3.5f, 0, 1e-3f, 65504 }, b[3] = { 0.1f, 0.2f, 0.3f };
	int64_t sa[2] = { 2, 3 }, sb[1] = { 3 }, s0[2] = { 0, 4 };
	unsigned char raw[4] = { 1, 2, 3, 4 };
	int64_t sr[1] = { 4 };
	char path[300], err[256];
	snprintf(path, sizeof path, "%s/a.safetensors", dir);
	st_writer *w = st_writer_new();
	st_writer_meta(w, "format", "pt");
	st_writer_meta(w, "quote\"d", "back\\slash\n");
	T_OK(st_writer_add(w, "a", ST_F32, 2, sa, a) == 0, "add F32");
	T_OK(st_writer_add(w, "b.half", ST_F16, 1, sb, b) == 0, "add F16");
	T_OK(st_writer_add(w, "b.bf", ST_BF16, 1, sb, b) == 0, "add BF16");
	T_OK(st_writer_add(w, "empty", ST_F32, 2, s0, a) == 0, "add an empty tensor");
	T_OK(st_writer_add_raw(w, "raw", ST_U8, 1, sr, raw) == 0, "add raw U8");
	T_OK(st_writer_add(w, "bad", ST_I32, 1, sb, b) < 0, "F32 data as I32 refused");
	T_OK(st_writer_save(w, path, err, sizeof err) == 0, "save");
	st_writer_free(w);

	st_file *f = st_open(path, err, sizeof err);
	if (!T_OK(f != NULL, "reopen")) {
		printf("#   %s\n", err);
		return;
	}
	T_EQ_INT(f->ntensors, 5, "five tensors");
	T_EQ_STR(st_meta(f, "format"), "pt", "metadata");
	T_EQ_STR(st_meta(f, "quote\"d"), "back\\slash\n", "metadata with escapes");
	const st_tensor *t = st_find(f, "a");
	float out[6];
	T_OK(t && t->dtype == ST_F32 && t->ndim == 2 && t->shape[0] == 2 && t->shape[1] == 3, "shape kept");
	T_OK(t && st_to_f32(t, out) == 0 && !memcmp(out, a, sizeof a), "F32 bit-exact");
	t = st_find(f, "b.half");
	T_OK(t && st_to_f32(t, out) == 0 && fabsf(out[0] - 0.1f) < 1e-4f && fabsf(out[2] - 0.3f) < 2e-4f,
	     "F16 close");
	t = st_find(f, "b.bf");
	T_OK(t && st_to_f32(t, out) == 0 && fabsf(out[1] - 0.2f) < 2e-3f, "BF16 close");
	t = st_find(f, "empty");
	T_OK(t && st_numel(t) == 0 && t->nbytes == 0, "empty tensor");
	t = st_find(f, "raw");
	T_OK(t && t->nbytes == 4 && !memcmp(t->data, raw, 4), "raw bytes");
	T_OK(t && st_to_f32(t, out) < 0, "U8 is not converted to fp32");
	T_OK(st_find(f, "nope") == NULL, "absent name");
	/* header length is a multiple of 8 so data starts aligned */
	FILE *fp = fopen(path, "rb");
	unsigned char l8[8];
	T_OK(fp && fread(l8, 1, 8, fp) == 8 && l8[0] % 8 == 0, "header padded to 8 bytes");
	if (fp)
		fclose(fp);
	st_close(f);
}

static void test_numbers(void)
{
	T_OK(st_f16_to_f32(0x3c00) == 1.0f, "f16 1.0");
	T_OK(st_f16_to_f32(0xc000) == -2.0f, "f16 -2.0");
	T_OK(st_f16_to_f32(0x7bff) == 65504.0f, "f16 max");
	T_OK(st_f16_to_f32(0x0001) == ldexpf(1, -24), "f16 smallest subnormal");
	T_OK(isinf(st_f16_to_f32(0x7c00)) && isnan(st_f16_to_f32(0x7e00)), "f16 inf, nan");
	T_EQ_INT(st_f32_to_f16(1.0f), 0x3c00, "to f16 1.0");
	T_EQ_INT(st_f32_to_f16(65504.0f), 0x7bff, "to f16 max");
	T_EQ_INT(st_f32_to_f16(1e6f), 0x7c00, "to f16 overflow is inf");
	T_EQ_INT(st_f32_to_f16(ldexpf(1, -24)), 0x0001, "to f16 subnormal");
	T_EQ_INT(st_f32_to_f16(1.0f + ldexpf(1, -11)), 0x3c00, "to f16 ties to even (down)");
	T_EQ_INT(st_f32_to_f16(1.0f + 3 * ldexpf(1, -11)), 0x3c02, "to f16 ties to even (up)");
	T_OK(st_bf16_to_f32(0x3f80) == 1.0f, "bf16 1.0");
	T_EQ_INT(st_f32_to_bf16(1.0f), 0x3f80, "to bf16 1.0");
	T_EQ_INT(st_f32_to_bf16(1.0f + ldexpf(1, -8)), 0x3f80, "to bf16 ties to even");
	T_OK(isnan(st_bf16_to_f32(st_f32_to_bf16(NAN))), "bf16 nan stays nan");
	/* every f16 value survives f16 -> f32 -> f16 */
	int bad = 0;
	for (uint32_t h = 0; h < 65536; h++) {
		float f = st_f16_to_f32(h);
		if (!isnan(f) && st_f32_to_f16(f) != h)
			bad++;
	}
	T_EQ_INT(bad, 0, "all f16 values round-trip");
}

static void test_malformed(void)
{
	unsigned char buf[64];
	char err[256];
	T_OK(!st_parse(buf, 5, err, sizeof err) && strstr(err, "too short"), "shorter than 8 bytes");
	memset(buf, 0xff, 16);
	T_OK(!st_parse(buf, 16, err, sizeof err) && strstr(err, "too large"), "huge header length");
	memset(buf, 0, 16);
	buf[0] = 100;
	T_OK(!st_parse(buf, 16, err, sizeof err) && strstr(err, "past the end"), "header past the end");
	expect_error("[1,2]", 0, "start with '{'", "header not an object");
	expect_error("{\"a\":", 0, "not valid JSON", "truncated JSON");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4,
		     "past the end of the buffer", "truncated data");
	expect_error("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8,
		     "unknown dtype 'Q4'", "unknown dtype");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8,
		     "data_offsets span 8", "size does not match the shape");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8,
		     "end before begin", "reversed offsets");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
		     "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12,
		     "overlap", "overlapping tensors");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8,
		     "gap", "a gap before a tensor");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 8,
		     "after the last tensor", "bytes left over");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4,
		     "bad shape", "negative dimension");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]}}", 4,
		     "bad shape", "fractional dimension");
	expect_error("{\"a\":{\"dtype\":\"U8\",\"shape\":[4294967296,4294967296,4294967296],"
		     "\"data_offsets\":[0,4]}}", 4, "data_offsets span", "shape overflow");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4,
		     "[begin, end]", "one offset");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "[begin, end]", "no offsets");
	expect_error("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "missing dtype", "no dtype");
	expect_error("{\"a\":[]}", 0, "not an object", "entry not an object");
	expect_error("{\"__metadata__\":{\"k\":1}}", 0, "not a string", "metadata value not a string");
	expect_error("{\"__metadata__\":[]}", 0, "__metadata__ is not an object", "metadata not an object");
	expect_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", 4,
		     "dimensions", "too many dimensions");
	expect_error("{\"\xff\":1}", 0, "UTF-8", "invalid UTF-8 in the header");
	/* valid corner cases */
	unsigned char b2[256];
	size_t n = mkbuf(b2, "{}", 0);
	st_file *f = st_parse(b2, n, err, sizeof err);
	T_OK(f && f->ntensors == 0, "empty header, no data");
	st_close(f);
	n = mkbuf(b2, "{\"s\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}}    ", 8);
	f = st_parse(b2, n, err, sizeof err);
	T_OK(f && f->tensors[0].ndim == 0 && st_numel(&f->tensors[0]) == 1, "scalar with trailing spaces");
	st_close(f);
	char path[300];
	snprintf(path, sizeof path, "%s/missing.safetensors", dir);
	T_OK(!st_open(path, err, sizeof err) && strstr(err, "cannot open"), "missing file");
	T_OK(!st_open(dir, err, sizeof err) && strstr(err, "not a regular file"), "a directory");
}

/* Every file the fuzzer kept (tests/fuzz/corpus) goes through the reader:
 * accepted or refused with a message, never a crash (ASan checks the rest). */
static void test_corpus(void)
{
	const char *top = getenv("TOP");
	char cdir[1024];
	snprintf(cdir, sizeof cdir, "%s/tests/fuzz/corpus/safetensors", top ? top : ".");
	DIR *d = opendir(cdir);
	if (!d) {
		T_SKIP("no fuzz corpus");
		return;
	}
	int files = 0, accepted = 0, silent = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[2048];
		snprintf(p, sizeof p, "%s/%s", cdir, e->d_name);
		FILE *fp = fopen(p, "rb");
		if (!fp)
			continue;
		static unsigned char buf[1 << 20];
		size_t n = fread(buf, 1, sizeof buf, fp);
		fclose(fp);
		char err[256] = "";
		st_file *f = st_parse(buf, n, err, sizeof err);
		files++;
		if (f) {
			accepted++;
			float tmp[64];
			for (int i = 0; i < f->ntensors; i++)	/* touch the data */
				if (st_numel(&f->tensors[i]) <= 64)
					st_to_f32(&f->tensors[i], tmp);
		} else if (!err[0])
			silent++;
		st_close(f);
	}
	closedir(d);
	printf("# corpus: %d files, %d accepted\n", files, accepted);
	T_OK(files >= 20, "the corpus has files");
	T_OK(accepted > 0 && accepted < files, "the corpus has good and bad files");
	T_EQ_INT(silent, 0, "every refusal has a message");
}

int main(void)
{
	snprintf(dir, sizeof dir, "/tmp/test_st.XXXXXX");
	if (!mkdtemp(dir))
		return 1;
	test_roundtrip();
	test_numbers();
	test_malformed();
	test_corpus();
	char cmd[300];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		return 1;
	return t_done();
}
