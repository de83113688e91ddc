/* nn/util.h — small helpers the nn modules share: messages, files, a seeded RNG
 * (the files and the RNG are base's, under the names nn code already uses). */
#ifndef LS_NN_UTIL_H
#define LS_NN_UTIL_H
#include <stddef.h>
#include <stdint.h>
#include "base/rng.h"

/* snprintf into err (when non-NULL); always returns -1 for "return nn_err(...)". */
int nn_err(char *err, size_t errsz, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* A whole file, NUL-terminated, malloc'd; NULL with errno set. */
char *nn_slurp(const char *path, size_t *len);

/* mkdir -p; 0 or -1 with errno set. */
int nn_mkdirs(const char *path);

/* base/rng.h's generator */
typedef ls_rng nn_rng;
#define nn_rng_seed rng_seed
#define nn_rng_next rng_next
#define nn_rng_float rng_float
#define nn_rng_normal rng_normal

#endif
