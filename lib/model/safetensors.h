/* safetensors.h — read and write the safetensors format exactly.
 *
 * A file is: 8 bytes, the header length N as a little-endian u64; N bytes of
 * UTF-8 JSON, an object mapping tensor names to {"dtype", "shape",
 * "data_offsets": [begin, end]} plus an optional "__metadata__" object of
 * string values (the header may be padded with spaces); then the byte buffer.
 * Offsets are relative to the buffer, tensors are contiguous and
 * non-overlapping, and together they cover the whole buffer.
 *
 * The reader validates all of this and reports the first problem as a message
 * ("tensor 'x': data_offsets past the end of the buffer"); it never trusts a
 * length it has not checked against the file. Files are memory-mapped
 * read-only: tensor data pointers stay valid until st_close.
 */
#ifndef LS_SAFETENSORS_H
#define LS_SAFETENSORS_H
#include <stddef.h>
#include <stdint.h>

typedef enum {
	ST_BOOL, ST_U8, ST_I8, ST_F8_E5M2, ST_F8_E4M3, ST_I16, ST_U16, ST_F16,
	ST_BF16, ST_I32, ST_U32, ST_F32, ST_F64, ST_I64, ST_U64, ST_NDTYPES
} st_dtype;

#define ST_MAX_DIMS 8
#define ST_MAX_HEADER (100u << 20)	/* the reference implementation's limit */

typedef struct {
	char *name;
	st_dtype dtype;
	int ndim;
	int64_t shape[ST_MAX_DIMS];
	size_t nbytes;
	const void *data;	/* into the mapping; not aligned in general */
} st_tensor;

typedef struct st_file {
	int ntensors;
	st_tensor *tensors;	/* in data-offset order */
	int nmeta;
	char **meta_keys, **meta_vals;
	/* private */
	void *map;
	size_t mapsz;
	int owns_map;
} st_file;

const char *st_dtype_name(st_dtype d);
int st_dtype_from_name(const char *s);	/* -1 if unknown */
size_t st_dtype_size(st_dtype d);

/* Open and validate a file (mmap). NULL with a message in err on failure. */
st_file *st_open(const char *path, char *err, size_t errsz);
/* Validate a buffer already in memory; the result points into buf (which must
 * outlive it) and does not free it. This is what the fuzzer drives. */
st_file *st_parse(const void *buf, size_t len, char *err, size_t errsz);
void st_close(st_file *f);

const st_tensor *st_find(const st_file *f, const char *name);
const char *st_meta(const st_file *f, const char *key);	/* NULL if absent */
int64_t st_numel(const st_tensor *t);
/* Convert an F32, F16 or BF16 tensor to fp32 (n = st_numel). -1 for other dtypes. */
int st_to_f32(const st_tensor *t, float *out);

/* fp32 <-> half / bfloat16 (round to nearest even). */
float st_f16_to_f32(uint16_t h);
float st_bf16_to_f32(uint16_t h);
uint16_t st_f32_to_f16(float f);
uint16_t st_f32_to_bf16(float f);

/* Writer: add tensors (fp32 data converted to dtype F32, F16 or BF16; or raw
 * bytes with st_writer_add_raw), metadata, then save. Data pointers must stay
 * valid until st_writer_save. The file is written to PATH.tmp and renamed. */
typedef struct st_writer st_writer;
st_writer *st_writer_new(void);
int st_writer_add(st_writer *w, const char *name, st_dtype dtype, int ndim,
		  const int64_t *shape, const float *data);
int st_writer_add_raw(st_writer *w, const char *name, st_dtype dtype, int ndim,
		      const int64_t *shape, const void *bytes);
void st_writer_meta(st_writer *w, const char *key, const char *val);
int st_writer_save(st_writer *w, const char *path, char *err, size_t errsz);
void st_writer_free(st_writer *w);

#endif
