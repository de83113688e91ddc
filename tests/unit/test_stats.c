/* test_stats — lib/stats against hand-worked and published values, the
 * bootstrap's coverage on simulated data, and scipy (Debian's
 * python3-scipy) where it computes the same thing. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "t.h"
#include "stats/stats.h"

static int near(double got, double want, double tol)
{
	if (fabs(got - want) <= tol)
		return 1;
	printf("#   got %.12g, want %.12g (tolerance %g)\n", got, want, tol);
	return 0;
}

/* Values from published tables and by hand. */
static void published(void)
{
	double lo, hi;
	/* Newcombe (1998), Statistics in Medicine 17:857, table II, method 3 (Wilson score) */
	static const struct { long k, n; double lo, hi; } nc[] = {
		{ 81, 263, 0.2553, 0.3662 }, { 15, 148, 0.0624, 0.1605 },
		{ 0, 20, 0.0, 0.1611 }, { 1, 29, 0.0061, 0.1718 },
	};
	for (size_t i = 0; i < sizeof nc / sizeof *nc; i++) {
		stats_wilson(nc[i].k, nc[i].n, 0.05, &lo, &hi);
		char what[96];
		snprintf(what, sizeof what, "Wilson %ld/%ld is Newcombe's [%.4f, %.4f]", nc[i].k, nc[i].n, nc[i].lo, nc[i].hi);
		T_OK(near(lo, nc[i].lo, 5e-5) && near(hi, nc[i].hi, 5e-5), what);
	}
	stats_wilson(5, 5, 0.05, &lo, &hi);
	T_OK(hi == 1 && near(lo, 5.0 / (5 + 1.959963984540054 * 1.959963984540054), 1e-12),
	     "Wilson 5/5: upper bound exactly 1, lower bound n/(n+z^2)");
	stats_wilson(0, 0, 0.05, &lo, &hi);
	T_OK(lo == 0 && hi == 1, "Wilson with no trials is [0, 1]");

	/* Fagerland, Lydersen, Laake (2013), BMC Med Res Methodol 13:91: b = 1, c = 7:
	 * exact conditional p 0.070, mid-p 0.039. By hand: 2 * 9/256 and 2 * (9 - 4)/256. */
	stats_mcnemar_t m;
	stats_mcnemar(1, 7, &m);
	T_OK(near(m.exact, 18.0 / 256, 1e-15), "McNemar exact, b=1 c=7: 18/256 (Fagerland 2013: 0.070)");
	T_OK(near(m.mid_p, 10.0 / 256, 1e-15), "McNemar mid-p, b=1 c=7: 10/256 (Fagerland 2013: 0.039)");
	T_OK(near(m.chi2_cc, 25.0 / 8, 1e-15), "McNemar chi-square with continuity: (|1-7|-1)^2/8");
	stats_mcnemar(1, 9, &m);
	T_OK(near(m.exact, 22.0 / 1024, 1e-15) && near(m.mid_p, 12.0 / 1024, 1e-15), "McNemar b=1 c=9 by hand");
	/* Agresti, Categorical Data Analysis (2002) 10.1.1, presidential approval: b=150, c=86:
	 * z^2 = 17.36 without correction; with it (64-1)^2/236 = 16.818 */
	stats_mcnemar(150, 86, &m);
	T_OK(near(m.chi2_cc, 63.0 * 63 / 236, 1e-12), "McNemar chi-square with continuity, Agresti's approval data");
	T_OK(m.exact < 1e-4 && m.exact > 1e-6, "McNemar exact on Agresti's data is about 3e-5");
	stats_mcnemar(4, 4, &m);
	T_OK(m.exact == 1 && m.mid_p == 1 && m.p_chi2_cc == 1, "McNemar b == c: p = 1 everywhere");
	stats_mcnemar(0, 0, &m);
	T_OK(m.exact == 1 && m.mid_p == 1, "McNemar without discordant pairs: p = 1");
	stats_mcnemar(0, 5, &m);
	T_OK(near(m.exact, 2.0 / 32, 1e-15) && near(m.mid_p, 1.0 / 32, 1e-15), "McNemar b=0 c=5: 2/32, mid-p 1/32");

	T_OK(near(stats_norm_ppf(0.975), 1.959963984540054, 1e-13), "normal quantile 0.975");
	T_OK(near(stats_norm_ppf(1e-10), -6.361340902404056, 1e-9), "normal quantile 1e-10");
	T_OK(near(stats_chi2_1_sf(3.841458820694124), 0.05, 1e-12), "chi-square 1 df: 3.8415 is the 5% point");

	double x[] = { 15, 20, 35, 40, 50 };
	T_OK(near(stats_percentile(x, 5, 0.4), 29, 1e-12), "percentile 40 of 15,20,35,40,50 is 29 (type 7)");
	T_OK(near(stats_percentile_sorted(x, 5, 0.5), 35, 0) && stats_percentile_sorted(x, 5, 1) == 50 &&
	     stats_percentile_sorted(x, 1, 0.95) == 15, "median, maximum, one value");

	/* Holm by hand: sorted 0.005*4, 0.01*3, 0.03*2, 0.04*1 -> 0.02 0.03 0.06 max(0.04, 0.06) */
	double p[] = { 0.01, 0.04, 0.03, 0.005 }, adj[4], want[] = { 0.03, 0.06, 0.06, 0.02 };
	stats_holm(p, adj, 4);
	int ok = 1;
	for (int i = 0; i < 4; i++)
		ok &= near(adj[i], want[i], 1e-15);
	T_OK(ok, "Holm adjusted p-values, hand-worked");
	double q[] = { 0.5, 0.3 };
	stats_bonferroni(q, q, 2);
	T_OK(q[0] == 1 && near(q[1], 0.6, 1e-15), "Bonferroni caps at 1, in place");
}

/* The percentile bootstrap of a paired difference covers the true
 * difference about 95% of the time on simulated paired binary data. */
static void coverage(void)
{
	/* cells: both pass 0.4, only A 0.1, only B 0.2, neither 0.3: true difference 0.1 */
	const double truth = 0.1;
	const int sims = 400, n = 200;
	stats_rng r;
	stats_rng_seed(&r, 12345);
	double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b);
	int covered = 0;
	for (int s = 0; s < sims; s++) {
		for (int i = 0; i < n; i++) {
			double u = stats_rng_unif(&r);
			a[i] = u < 0.5;			/* both, only A */
			b[i] = u < 0.4 || (u >= 0.5 && u < 0.7);	/* both, only B */
		}
		double lo, hi;
		stats_bootstrap_diff(a, b, n, 1000, 0.05, (uint64_t)s, &lo, &hi);
		covered += lo <= truth && truth <= hi;
	}
	double cov = (double)covered / sims;
	printf("#: bootstrap 95%% interval covered the true difference in %.3f of %d simulations\n", cov, sims);
	T_OK(cov >= 0.92 && cov <= 0.98, "bootstrap coverage within 0.92..0.98 (nominal 0.95)");

	double lo1, hi1, lo2, hi2, lo3, hi3;
	stats_bootstrap_diff(a, b, n, 500, 0.05, 7, &lo1, &hi1);
	stats_bootstrap_diff(a, b, n, 500, 0.05, 7, &lo2, &hi2);
	stats_bootstrap_diff(a, b, n, 500, 0.05, 8, &lo3, &hi3);
	T_OK(lo1 == lo2 && hi1 == hi2, "bootstrap: same seed, same interval");
	T_OK(lo1 != lo3 || hi1 != hi3, "bootstrap: another seed, another interval");
	T_OK(stats_bootstrap_diff(a, b, 0, 500, 0.05, 7, &lo1, &hi1) < 0, "bootstrap of no pairs is refused");
	free(a), free(b);

	stats_rng_seed(&r, 1);
	long hist[3] = { 0 };
	for (int i = 0; i < 30000; i++)
		hist[stats_rng_below(&r, 3)]++;
	T_OK(labs(hist[0] - 10000) < 400 && labs(hist[1] - 10000) < 400 && labs(hist[2] - 10000) < 400,
	     "rng_below(3) is uniform");
}

/* scipy computes each value in a child python; lines "name value". */
static const char scipy_script[] =
	"import sys\n"
	"try:\n"
	"    import numpy as np\n"
	"    from scipy import stats as s\n"
	"except ImportError:\n"
	"    print('skip'); sys.exit(0)\n"
	"for b, c in [(0,5),(1,7),(3,10),(12,30),(50,70),(150,86),(400,460),(9,9)]:\n"
	"    n, k = b + c, min(b, c)\n"
	"    print('exact', b, c, s.binomtest(b, n, 0.5).pvalue)\n"
	"    print('midp', b, c, min(1.0, 2 * (s.binom.cdf(k, n, 0.5) - 0.5 * s.binom.pmf(k, n, 0.5))))\n"
	"for k, n in [(0,7),(3,10),(81,263),(499,1000),(999,1000),(17,17)]:\n"
	"    ci = s.binomtest(k, n).proportion_ci(0.95, 'wilson')\n"
	"    print('wilson', k, n, ci.low, ci.high)\n"
	"    ci = s.binomtest(k, n).proportion_ci(0.9, 'wilson')\n"
	"    print('wilson90', k, n, ci.low, ci.high)\n"
	"for x in [0.1, 1.0, 3.84, 10.0, 25.0]:\n"
	"    print('chi2', x, 0, s.chi2.sf(x, 1))\n"
	"for p in [1e-6, 0.01, 0.3, 0.5, 0.9, 0.999]:\n"
	"    print('ppf', p, 0, s.norm.ppf(p))\n"
	"x = [3.5, 1.0, 9.0, 4.25, 7.0, 2.0, 8.5]\n"
	"for q in [0.05, 0.5, 0.95]:\n"
	"    print('pct', q, 0, np.percentile(x, q * 100))\n";

static void against_scipy(void)
{
	FILE *f = fopen("/usr/bin/python3.11", "r");
	if (!f) {
		T_SKIP("no /usr/bin/python3.11");
		return;
	}
	fclose(f);
	char path[] = "/tmp/test_stats.XXXXXX";
	int fd = mkstemp(path);
	FILE *s = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!s) {
		T_OK(0, "temporary script");
		return;
	}
	fputs(scipy_script, s);
	fclose(s);
	char cmd[128];
	snprintf(cmd, sizeof cmd, "/usr/bin/python3.11 %s", path);
	FILE *p = popen(cmd, "r");
	char line[512], name[32];
	int n = 0, bad = 0;
	while (p && fgets(line, sizeof line, p)) {
		if (!strncmp(line, "skip", 4)) {
			T_SKIP("python3-scipy not installed");
			break;
		}
		double u, v, w, w2 = 0, got = NAN, got2 = 0;
		int fields = sscanf(line, "%31s %lf %lf %lf %lf", name, &u, &v, &w, &w2);
		if (fields < 4)
			continue;
		stats_mcnemar_t m;
		double x[] = { 3.5, 1.0, 9.0, 4.25, 7.0, 2.0, 8.5 };
		if (!strcmp(name, "exact") || !strcmp(name, "midp")) {
			stats_mcnemar((long)u, (long)v, &m);
			got = name[0] == 'e' ? m.exact : m.mid_p;
		} else if (!strncmp(name, "wilson", 6)) {
			stats_wilson((long)u, (long)v, name[6] ? 0.1 : 0.05, &got, &got2);
		} else if (!strcmp(name, "chi2"))
			got = stats_chi2_1_sf(u);
		else if (!strcmp(name, "ppf"))
			got = stats_norm_ppf(u);
		else if (!strcmp(name, "pct"))
			got = stats_percentile(x, 7, u);
		n++;
		double tol = 1e-9 * fmax(1, fabs(w));
		if (!near(got, w, tol) || (fields == 5 && !near(got2, w2, 1e-9))) {
			bad++;
			printf("#   %s", line);
		}
	}
	int rc = p ? pclose(p) : -1;
	unlink(path);
	if (n > 0) {
		printf("#: %d values compared with scipy, %d differ\n", n, bad);
		T_OK(bad == 0 && rc == 0, "McNemar exact and mid-p, Wilson 95% and 90%, chi-square, normal quantile, percentiles agree with scipy");
	}
}

int main(void)
{
	published();
	coverage();
	against_scipy();
	return t_done();
}
