/* cuda/ops_cuda.h — the CUDA table of nn/ops.h, and choosing a device.
 *
 * The table holds fp32 tensors in device memory; its GEMMs go through cuBLAS
 * (cublasGemmEx, fp32 accumulation; the inputs rounded to bf16 on the tensor
 * cores by default, see nn_cuda_gemm_mode), the other ops are our kernels
 * (cuda/kernels.cu). The driver (libcuda.so.1) and cuBLAS (libcublas.so.13)
 * are opened with dlopen on first use, and the kernels are a fatbin embedded
 * in the binary, so a tool built with CUDA starts and runs on the CPU on a
 * machine without a driver, a GPU or the CUDA libraries.
 *
 * As in the CPU table, embed's ids and rope's inv_freq are host memory (the
 * model keeps them there); everything else is device memory from alloc.
 * A CUDA error inside an op ends the process (exit 70) with the op's name:
 * the ops return nothing, and a half-computed forward pass is no result.
 */
#ifndef LS_CUDA_OPS_CUDA_H
#define LS_CUDA_OPS_CUDA_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "nn/ops.h"

/* The CUDA table, initialised on the first call (device 0 as
 * CUDA_VISIBLE_DEVICES orders them); NULL with the reason in err when there
 * is no usable device (no driver, no GPU, no cuBLAS, built without nvcc).
 * Later calls give the same answer. */
const nn_ops *nn_cuda_ops(char *err, size_t errsz);

/* "NVIDIA H100 80GB HBM3, sm_90, 79.1 GiB" once initialised, else NULL. */
const char *nn_cuda_device(void);

/* The GEMM's arithmetic: "bf16" (default: cuBLAS's CUBLAS_COMPUTE_32F_FAST_16BF,
 * bf16 products summed in fp32), "tf32" or "fp32". The environment variable
 * LS_CUDA_GEMM sets it at initialisation. Returns 0, or -1 for an unknown mode. */
int nn_cuda_gemm_mode(const char *mode);
const char *nn_cuda_gemm_name(void);

/* The self-test: ops checked against the CPU table (nn/opcheck.h) with the
 * GEMM tolerance of ops' arithmetic, after a header line naming the device.
 * Returns the number of ops over tolerance. */
int nn_self_test(const nn_ops *ops, uint64_t seed, FILE *out);

/* --device: "cpu", "cuda" or "auto". cuda without a usable device is an
 * error (NULL, reason in err; the caller exits 69); auto falls back to the
 * CPU and puts the reason in notice (empty otherwise) for a one-line message.
 * NULL with err set for another name. */
const nn_ops *nn_device_open(const char *name, char *err, size_t errsz, char *notice,
			     size_t noticesz);

/* The kernels' fatbin, embedded by ops_cuda.c with .incbin when nvcc built it. */
extern const unsigned char nn_cuda_fatbin[];

#endif
