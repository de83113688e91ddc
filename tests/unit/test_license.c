/* Unit tests for lib/license: SPDX ids by text similarity, near-misses included. */
#include <stdlib.h>
#include "t.h"
#include "repo/license.h"

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	long sz = ftell(f);
	rewind(f);
	char *b = malloc((size_t)sz + 1);
	*n = fread(b, 1, (size_t)sz, f);
	fclose(f);
	return b;
}

int main(void)
{
	char err[256];
	license_db *db = license_db_load("share/licenses", err, sizeof err);
	if (!T_OK(db != NULL, "licence texts load")) {
		printf("# %s\n", err);
		return t_done();
	}
	static const struct { const char *file, *want; } cases[] = {
		{ "mit-urllib3.txt", "MIT" },
		{ "mit-reworded.txt", "MIT" },
		{ "mit-commons-clause.txt", "NOASSERTION" },
		{ "readme-mentions-mit.txt", "NOASSERTION" },
		{ "bsd2-filled.txt", "BSD-2-Clause" },
		{ "bsd3-regents.txt", "BSD-3-Clause" },
		{ "isc-filled.txt", "ISC" },
		{ "0bsd-filled.txt", "0BSD" },
		{ "gpl2.txt", "GPL-2.0" },
		{ "gpl3-notice.txt", "GPL-3.0" },
		{ "lgpl21.txt", "LGPL-2.1" },
		{ "lgpl3.txt", "LGPL-3.0" },
		{ "agpl3.txt", "AGPL-3.0" },
		{ "apache2.txt", "Apache-2.0" },
		{ "mpl2.txt", "MPL-2.0" },
		{ "unlicense.txt", "Unlicense" },
		{ "psf.txt", "NOASSERTION" },
		/* standard notices that point to a licence, and SPDX lines */
		{ "apache2-notice.txt", "Apache-2.0" },
		{ "gpl2-notice.txt", "GPL-2.0" },
		{ "lgpl3-notice.txt", "LGPL-3.0" },
		{ "mpl2-notice.txt", "MPL-2.0" },
		{ "spdx-line.txt", "MIT OR Apache-2.0" },
		{ "readme-mentions-apache.txt", "NOASSERTION" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char path[256], what[300];
		snprintf(path, sizeof path, "tests/fixtures/licenses/%s", cases[i].file);
		size_t n;
		char *text = slurp(path, &n);
		if (!T_OK(text != NULL, path))
			continue;
		double score;
		const char *id = license_identify(db, text, n, &score);
		snprintf(what, sizeof what, "%s is %s (score %.3f)", cases[i].file, cases[i].want, score);
		T_EQ_STR(id, cases[i].want, what);
		free(text);
	}
	T_OK(!strcmp(license_identify(db, "", 0, NULL), "NOASSERTION"), "empty text is NOASSERTION");
	T_OK(license_filename("LICENSE") && license_filename("COPYING.LESSER") && license_filename("licence.md") &&
	     license_filename("LICENSE-MIT") && !license_filename("licensed_thing.py") && !license_filename("README"),
	     "licence file names");
	license_db_free(db);
	return t_done();
}
