/* nn/opcheck.h — one ops table checked against another (the reference).
 *
 * Every op runs on seeded random inputs of awkward shapes (odd sizes, length-1
 * and long sequences, GQA ratios, a prefix already in the cache) in both
 * tables; the results are downloaded and compared element by element with
 * numpy's allclose rule |got - want| <= atol + rtol * |want|. One line per
 * op goes to out:
 *
 *	ok     attention   max abs 1.2e-06  max rel 3.1e-06  tol abs 2e-05 rel 2e-04  (9 shapes)
 *
 * This is `ls-infer --device cuda --self-test`: the CUDA table against the CPU
 * table, which is the reference. */
#ifndef LS_NN_OPCHECK_H
#define LS_NN_OPCHECK_H
#include <stdint.h>
#include <stdio.h>
#include "nn/ops.h"

/* The tolerances of the table's products: gemm_rel is the relative error
 * of one rounded input (bf16: 2^-8, tf32: 2^-10 (rounded up), fp32: 1e-6). */
typedef struct { double gemm_rel; } nn_check_opts;

/* Returns the number of ops over tolerance (0: all agree). */
int nn_ops_check(const nn_ops *ref, const nn_ops *dut, uint64_t seed, const nn_check_opts *o,
		 FILE *out);

#endif
