/* fuzz_safetensors.c — libFuzzer harness for the safetensors reader.
 * Build and run with tests/fuzz/run.sh; the corpus it grows is kept in
 * tests/fuzz/corpus/safetensors and replayed by tests/unit/test_safetensors.c
 * in every `make check`. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include "model/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	st_file *f = st_parse(data, size, err, sizeof err);
	if (!f) {
		if (!err[0])
			__builtin_trap();	/* a refusal must say why */
		return 0;
	}
	/* an accepted file must be self-consistent: touch every byte it claims */
	const uint8_t *end = data + size;
	for (int i = 0; i < f->ntensors; i++) {
		const st_tensor *t = &f->tensors[i];
		const uint8_t *p = t->data;
		if (p < data || p + t->nbytes > end)
			__builtin_trap();
		volatile uint8_t sum = 0;
		for (size_t j = 0; j < t->nbytes; j++)
			sum += p[j];
		if (st_find(f, t->name) == NULL)
			__builtin_trap();
		if (t->dtype == ST_F32 || t->dtype == ST_F16 || t->dtype == ST_BF16) {
			float tmp[256];
			if (st_numel(t) <= 256)
				st_to_f32(t, tmp);
		}
	}
	st_close(f);
	return 0;
}
