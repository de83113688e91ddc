/* test_opcheck.c — the table-against-table check behind `ls-infer --self-test`,
 * and choosing a device. The CPU table against itself agrees on every op; a
 * table with two ops made slightly wrong fails on exactly those two; the CUDA
 * table is checked against the CPU where a GPU works, and skipped otherwise. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "t.h"
#include "cuda/ops_cuda.h"
#include "nn/opcheck.h"

/* a backend whose rmsnorm is off by 1e-3 relative and whose swiglu_backward
 * forgets the gate's derivative term */
static void bad_rmsnorm(float *out, const float *in, const float *w, int R, int D, float eps)
{
	nn_cpu_ops.rmsnorm(out, in, w, R, D, eps);
	for (size_t i = 0; i < (size_t)R * D; i++)
		out[i] *= 1.001f;
}

static void bad_swiglu_backward(float *dg, float *du, const float *dh, const float *g,
				const float *u, size_t n)
{
	nn_cpu_ops.swiglu_backward(dg, du, dh, g, u, n);
	for (size_t i = 0; i < n; i++)
		dg[i] = dh[i] * u[i] / (1 + expf(-g[i]));
}

static int count(const char *text, const char *prefix)
{
	int n = 0;
	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		n += !strncmp(p, prefix, strlen(prefix));
	return n;
}

/* the report as TAP comments (its "ok" lines are not this test's checks) */
static void show(const char *text)
{
	for (const char *p = text; *p;) {
		const char *e = strchr(p, '\n');
		int n = e ? (int)(e - p) : (int)strlen(p);
		printf("#   %.*s\n", n, p);
		p += n + (e != NULL);
	}
}

static char *run(const nn_ops *dut, int *failed)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	*failed = nn_ops_check(&nn_cpu_ops, dut, 42, NULL, f);
	fclose(f);
	return buf;
}

int main(void)
{
	int failed;
	char *out = run(&nn_cpu_ops, &failed);
	T_EQ_INT(failed, 0, "the CPU table agrees with itself");
	T_EQ_INT(count(out, "ok "), 19, "one line per op, all ok");
	T_OK(strstr(out, "max abs 0.0e+00") && !strstr(out, "FAIL"), "with zero error");
	free(out);

	nn_ops bad = nn_cpu_ops;
	bad.rmsnorm = bad_rmsnorm;
	bad.swiglu_backward = bad_swiglu_backward;
	out = run(&bad, &failed);
	T_EQ_INT(failed, 2, "a table with two wrong ops fails two");
	T_OK(strstr(out, "FAIL  rmsnorm ") && strstr(out, "FAIL  swiglu_bwd "), "the two it names");
	T_EQ_INT(count(out, "FAIL"), 2, "and no other");
	show(out);
	free(out);

	char err[512], notice[512];
	T_OK(nn_device_open("cpu", err, sizeof err, notice, sizeof notice) == &nn_cpu_ops && !notice[0],
	     "--device cpu");
	T_OK(!nn_device_open("gpu", err, sizeof err, notice, sizeof notice) &&
	     strstr(err, "unknown device 'gpu'"), "an unknown device is an error");
	const nn_ops *cuda = nn_cuda_ops(err, sizeof err);
	if (!cuda) {
		T_OK(!strncmp(err, "no CUDA device", 14), "without a GPU the reason says 'no CUDA device'");
		printf("#: skipped: %s\n", err);
		T_OK(nn_device_open("auto", err, sizeof err, notice, sizeof notice) == &nn_cpu_ops &&
		     strstr(notice, "using the CPU"), "--device auto falls back to the CPU with a notice");
		T_OK(!nn_device_open("cuda", err, sizeof err, notice, sizeof notice) &&
		     strstr(err, "--device cuda: no CUDA device"), "--device cuda without one is an error");
		T_SKIP("the CUDA table against the CPU: no CUDA device");
	} else {
		printf("#: device: %s, gemm %s\n", nn_cuda_device(), nn_cuda_gemm_name());
		T_OK(nn_device_open("auto", err, sizeof err, notice, sizeof notice) == cuda && !notice[0],
		     "--device auto takes the GPU");
		out = run(cuda, &failed);
		show(out);
		T_EQ_INT(failed, 0, "the CUDA table agrees with the CPU on every op");
		free(out);
	}
	return t_done();
}
