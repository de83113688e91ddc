/* nn/util.h — small helpers the nn modules share: messages, files, a seeded RNG. */
#ifndef LS_NN_UTIL_H
#define LS_NN_UTIL_H
#include <stddef.h>
#include <stdint.h>

/* snprintf into err (when non-NULL); always returns -1 for "return nn_err(...)". */
int nn_err(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A whole file, NUL-terminated, malloc'd; NULL with errno set. */
char *nn_slurp(const char *path, size_t *len);

/* mkdir -p; 0 or -1 with errno set. */
int nn_mkdirs(const char *path);

/* xoshiro-like generator seeded through splitmix64: the same seed gives the same
 * stream on every machine. */
typedef struct { uint64_t s[4]; } nn_rng;
void nn_rng_seed(nn_rng *r, uint64_t seed);
uint64_t nn_rng_next(nn_rng *r);
float nn_rng_float(nn_rng *r);		/* uniform in [0, 1) */
float nn_rng_normal(nn_rng *r);		/* standard normal (Box-Muller) */

#endif
