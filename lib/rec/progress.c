/* progress.c — see progress.h. */
#include "rec/progress.h"
#include "base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

struct progress {
	const char *label;
	double t0, last;
	int drawn;
};

progress *progress_start(const char *label, int enabled)
{
	if (!enabled)
		return NULL;
	progress *p = calloc(1, sizeof *p);
	if (p) {
		p->label = label;
		p->t0 = p->last = ls_now();
	}
	return p;
}

static void fmt_eta(char *b, size_t n, double s)
{
	if (s < 0 || s > 1e7)
		snprintf(b, n, "--:--");
	else if (s >= 3600)
		snprintf(b, n, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
	else
		snprintf(b, n, "%02d:%02d", (int)s / 60, (int)s % 60);
}

void progress_update(progress *p, size_t count, size_t done, size_t total)
{
	if (!p)
		return;
	double t = ls_now();
	if (t - p->last < 0.1 && p->drawn)
		return;
	p->last = t;
	p->drawn = 1;
	double el = t - p->t0, rate = el > 0 ? (double)count / el : 0;
	char eta[32];
	if (total && done) {
		double frac = (double)done / (double)total;
		int w = 20, fill = (int)(frac * w);
		char bar[32];
		for (int i = 0; i < w; i++)
			bar[i] = i < fill ? '#' : '.';
		bar[w] = 0;
		fmt_eta(eta, sizeof eta, el / frac - el);
		fprintf(stderr, "\r\033[K%s [%s] %3.0f%% %zu records %.0f/s ETA %s",
			p->label, bar, frac * 100, count, rate, eta);
	} else
		fprintf(stderr, "\r\033[K%s %zu records %.0f/s", p->label, count, rate);
	fflush(stderr);
}

void progress_clear(progress *p)
{
	if (!p || !p->drawn)
		return;
	fprintf(stderr, "\r\033[K");
	fflush(stderr);
	p->drawn = 0;
}

void progress_end(progress *p)
{
	if (!p)
		return;
	if (p->drawn)
		fprintf(stderr, "\r\033[K");
	free(p);
}
