/* stats.c — see stats.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "base/rng.h"
#include "stats/stats.h"

double stats_norm_cdf(double x)
{
	return 0.5 * erfc(-x / M_SQRT2);
}

/* Acklam's rational approximation (relative error 1.15e-9), then one Halley
 * step against erfc, which brings it to double precision. */
double stats_norm_ppf(double p)
{
	static const double a[] = { -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
				    1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00 };
	static const double b[] = { -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
				    6.680131188771972e+01, -1.328068155288572e+01 };
	static const double c[] = { -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
				    -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00 };
	static const double d[] = { 7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
				    3.754408661907416e+00 };
	if (!(p > 0 && p < 1))
		return p == 0 ? -INFINITY : p == 1 ? INFINITY : NAN;
	double x, q, r;
	if (p < 0.02425) {
		q = sqrt(-2 * log(p));
		x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	} else if (p <= 1 - 0.02425) {
		q = p - 0.5;
		r = q * q;
		x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q /
		    (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
	} else {
		q = sqrt(-2 * log1p(-p));
		x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
		    ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
	}
	double e = stats_norm_cdf(x) - p, u = e * sqrt(2 * M_PI) * exp(x * x / 2);
	return x - u / (1 + x * u / 2);
}

double stats_chi2_1_sf(double x)
{
	return x <= 0 ? 1 : erfc(sqrt(x / 2));
}

double stats_binom_pmf(long k, long n, double p)
{
	if (k < 0 || k > n)
		return 0;
	if (p <= 0)
		return k == 0;
	if (p >= 1)
		return k == n;
	double l = lgamma(n + 1.0) - lgamma(k + 1.0) - lgamma(n - k + 1.0) + k * log(p) + (n - k) * log1p(-p);
	return exp(l);
}

double stats_binom_cdf(long k, long n, double p)
{
	if (k < 0)
		return 0;
	if (k >= n)
		return 1;
	/* sum the shorter tail, so that small probabilities keep their digits */
	double s = 0;
	if (k <= n * p) {
		for (long i = 0; i <= k; i++)
			s += stats_binom_pmf(i, n, p);
		return s > 1 ? 1 : s;
	}
	for (long i = k + 1; i <= n; i++)
		s += stats_binom_pmf(i, n, p);
	return s > 1 ? 0 : 1 - s;
}

void stats_wilson(long k, long n, double alpha, double *lo, double *hi)
{
	if (n <= 0) {
		*lo = 0, *hi = 1;
		return;
	}
	double z = stats_norm_ppf(1 - alpha / 2), z2 = z * z, p = (double)k / n;
	double centre = (p + z2 / (2.0 * n)) / (1 + z2 / n);
	double half = z / (1 + z2 / n) * sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
	/* at k == 0 or k == n one bound is exactly 0 or 1; rounding must not move it */
	*lo = k == 0 ? 0 : fmax(0, centre - half);
	*hi = k == n ? 1 : fmin(1, centre + half);
}

void stats_mcnemar(long b, long c, stats_mcnemar_t *o)
{
	long n = b + c, k = b < c ? b : c;
	if (n == 0) {
		*o = (stats_mcnemar_t){ .exact = 1, .mid_p = 1, .chi2_cc = 0, .p_chi2_cc = 1 };
		return;
	}
	double tail = stats_binom_cdf(k, n, 0.5), pk = stats_binom_pmf(k, n, 0.5);
	o->exact = fmin(1, 2 * tail);
	o->mid_p = fmin(1, 2 * (tail - pk / 2));
	/* no correction below zero: b == c gives 0 (as R's mcnemar.test) */
	double d = fabs((double)(b - c)) - 1;
	if (d < 0)
		d = 0;
	o->chi2_cc = d * d / n;
	o->p_chi2_cc = stats_chi2_1_sf(o->chi2_cc);
}

double stats_percentile_sorted(const double *x, size_t n, double q)
{
	if (n == 0)
		return NAN;
	if (q <= 0)
		return x[0];
	if (q >= 1)
		return x[n - 1];
	double h = (n - 1) * q;
	size_t i = (size_t)floor(h);
	if (i + 1 >= n)
		return x[n - 1];
	return x[i] + (h - i) * (x[i + 1] - x[i]);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

double stats_percentile(double *x, size_t n, double q)
{
	qsort(x, n, sizeof *x, cmp_double);
	return stats_percentile_sorted(x, n, q);
}

void stats_rng_seed(stats_rng *r, uint64_t seed)
{
	r->s = seed;
}

uint64_t stats_rng_next(stats_rng *r)
{
	return splitmix64(&r->s);
}

size_t stats_rng_below(stats_rng *r, size_t n)
{
	/* rejection of the short last stretch keeps every value equally likely */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n, x;
	do
		x = stats_rng_next(r);
	while (x >= limit);
	return (size_t)(x % n);
}

double stats_rng_unif(stats_rng *r)
{
	return (stats_rng_next(r) >> 11) * 0x1.0p-53;
}

int stats_bootstrap_diff(const double *a, const double *b, size_t n, int reps, double alpha,
			 uint64_t seed, double *lo, double *hi)
{
	if (n == 0 || reps <= 0)
		return -1;
	double *d = malloc(n * sizeof *d), *m = malloc((size_t)reps * sizeof *m);
	if (!d || !m) {
		free(d), free(m);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		d[i] = b[i] - a[i];
	stats_rng r;
	stats_rng_seed(&r, seed);
	for (int k = 0; k < reps; k++) {
		double s = 0;
		for (size_t i = 0; i < n; i++)
			s += d[stats_rng_below(&r, n)];
		m[k] = s / n;
	}
	qsort(m, (size_t)reps, sizeof *m, cmp_double);
	*lo = stats_percentile_sorted(m, (size_t)reps, alpha / 2);
	*hi = stats_percentile_sorted(m, (size_t)reps, 1 - alpha / 2);
	free(d), free(m);
	return 0;
}

void stats_bonferroni(const double *p, double *adj, size_t m)
{
	for (size_t i = 0; i < m; i++)
		adj[i] = fmin(1, p[i] * m);
}

struct holm_item { double p; size_t i; };

static int cmp_holm(const void *a, const void *b)
{
	const struct holm_item *x = a, *y = b;
	/* ties keep input order, so the result does not depend on qsort */
	return x->p < y->p ? -1 : x->p > y->p ? 1 : (x->i > y->i) - (x->i < y->i);
}

void stats_holm(const double *p, double *adj, size_t m)
{
	if (m == 0)
		return;
	struct holm_item *it = malloc(m * sizeof *it);
	if (!it) {	/* Bonferroni needs no memory and is never less conservative */
		stats_bonferroni(p, adj, m);
		return;
	}
	for (size_t i = 0; i < m; i++)
		it[i] = (struct holm_item){ p[i], i };
	qsort(it, m, sizeof *it, cmp_holm);
	double run = 0;
	for (size_t r = 0; r < m; r++) {
		run = fmax(run, fmin(1, it[r].p * (m - r)));
		adj[it[r].i] = run;
	}
	free(it);
}
