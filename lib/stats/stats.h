/* stats.h — the statistics lift-sys reports: binomial proportions and their
 * intervals, paired tests, bootstrap intervals, percentiles and corrections
 * for multiple comparisons.
 *
 * Everything is plain double arithmetic on counts or arrays the caller owns;
 * nothing allocates except stats_bootstrap_diff (scratch, freed). Random
 * numbers come from a seeded generator of our own (SplitMix64), so a result
 * is the same on every machine for the same seed.
 *
 * Conventions: two-sided p-values, capped at 1; an interval is [lo, hi]. */
#ifndef LS_STATS_H
#define LS_STATS_H
#include <stddef.h>
#include <stdint.h>

/* The standard normal distribution: cdf, and its quantile for 0 < p < 1. */
double stats_norm_cdf(double x);
double stats_norm_ppf(double p);
/* Upper tail of chi-square with one degree of freedom. */
double stats_chi2_1_sf(double x);

/* Binomial(n, p): P(X = k) and P(X <= k), computed in log space. */
double stats_binom_pmf(long k, long n, double p);
double stats_binom_cdf(long k, long n, double p);

/* Wilson score interval for k successes in n trials at confidence 1 - alpha
 * (Wilson 1927; Newcombe 1998 method 3). n == 0 gives [0, 1]. */
void stats_wilson(long k, long n, double alpha, double *lo, double *hi);

/* McNemar's test on the discordant pairs of a paired 2x2 table: b pairs where
 * only the first succeeded, c where only the second did. */
typedef struct {
	double exact;		/* exact conditional: two-sided binomial test of b ~ Bin(b+c, 1/2) */
	double mid_p;		/* the same less the probability of the observed table */
	double chi2_cc;		/* (|b-c| - 1)^2 / (b+c), Edwards' continuity correction */
	double p_chi2_cc;	/* its upper tail, chi-square with 1 df */
} stats_mcnemar_t;
void stats_mcnemar(long b, long c, stats_mcnemar_t *out);

/* Percentile q in [0, 1] of the n sorted values x, by linear interpolation
 * between closest ranks (numpy's default, Hyndman and Fan's type 7). */
double stats_percentile_sorted(const double *x, size_t n, double q);
/* The same for unsorted values: sorts x in place. */
double stats_percentile(double *x, size_t n, double q);

/* A seeded generator: SplitMix64 (Steele, Lea, Flood 2014). */
typedef struct { uint64_t s; } stats_rng;
void stats_rng_seed(stats_rng *r, uint64_t seed);
uint64_t stats_rng_next(stats_rng *r);
size_t stats_rng_below(stats_rng *r, size_t n);	/* uniform in [0, n), unbiased */
double stats_rng_unif(stats_rng *r);		/* uniform in [0, 1) */

/* Paired bootstrap of mean(b - a) over n pairs: resamples pairs with
 * replacement `reps` times and returns the percentile interval at
 * confidence 1 - alpha. 0, or -1 when out of memory or n == 0. */
int stats_bootstrap_diff(const double *a, const double *b, size_t n, int reps, double alpha,
			 uint64_t seed, double *lo, double *hi);

/* Adjusted p-values for m tests (p and adj may be the same array):
 * Holm's step-down (1979) and Bonferroni; each adjusted value capped at 1. */
void stats_holm(const double *p, double *adj, size_t m);
void stats_bonferroni(const double *p, double *adj, size_t m);

#endif
