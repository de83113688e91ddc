/* license.h — SPDX licence identification by text similarity.
 *
 * A licence file is compared with the reference texts in DATADIR/licenses
 * (one SPDX-ID.txt each) as sets of word 3-grams, after lowercasing,
 * dropping punctuation and copyright lines. The best Dice coefficient wins
 * if it reaches the threshold, so a reworded MIT with another copyright line
 * is still MIT, and the close relatives (BSD-2/BSD-3, ISC/0BSD, GPL/LGPL/AGPL)
 * are told apart by the clauses only one of them has. */
#ifndef LS_LICENSE_H
#define LS_LICENSE_H
#include <stddef.h>

typedef struct license_db license_db;

/* Load every *.txt from dir; NULL with a message in err when none loads. */
license_db *license_db_load(const char *dir, char *err, size_t errsz);
void license_db_free(license_db *db);

/* Identify text[0..n): an "SPDX-License-Identifier:" line gives its
 * expression; else the closest full text (Dice of word 3-grams); else a
 * standard notice (DIR/headers/ID.txt, e.g. "Licensed under the Apache
 * License, Version 2.0 ...") that makes up most of the text. Returns the
 * SPDX id or expression (static storage of db, or of the calling thread
 * until its next call), or "NOASSERTION" when nothing is close enough;
 * *score gets the best Dice or, for a notice, the share of it found. */
const char *license_identify(const license_db *db, const char *text, size_t n, double *score);

/* Is this a file name that usually holds a licence (LICENSE, COPYING.txt, ...)? */
int license_filename(const char *basename);

#define LICENSE_THRESHOLD 0.80

#endif
