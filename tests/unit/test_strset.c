/* Unit tests for lib/strset: membership by bytes (not by pointer, not by
 * NUL), growth past many keys, clear and reuse. */
#include <stdio.h>
#include "t.h"
#include "base/strset.h"

int main(void)
{
	strset s = { 0 };
	T_OK(!strset_has(&s, "a", 1), "an empty set has nothing");
	const char *src = "alpha beta alphabet";
	T_EQ_INT(strset_add(&s, src, 5), 1, "add 'alpha'");
	T_EQ_INT(strset_add(&s, src + 6, 4), 1, "add 'beta'");
	T_EQ_INT(strset_add(&s, src + 11, 5), 0, "'alpha' again, from another place: already there");
	T_OK(strset_has(&s, "alpha", 5), "found by its bytes");
	T_OK(!strset_has(&s, src + 11, 8), "'alphabet' is not 'alpha'");
	T_OK(!strset_has(&s, "alph", 4), "nor is a prefix");
	T_EQ_INT(s.n, 2, "two members");
	/* Many keys: the table grows and keeps every one. */
	static char keys[5000][8];
	int added = 0, found = 0;
	for (int i = 0; i < 5000; i++) {
		int n = snprintf(keys[i], sizeof keys[i], "k%d", i);
		added += strset_add(&s, keys[i], (size_t)n);
	}
	for (int i = 0; i < 5000; i++)
		found += strset_has(&s, keys[i], strlen(keys[i]));
	T_EQ_INT(added, 5000, "5,000 new keys added");
	T_EQ_INT(found, 5000, "and all found after growing");
	T_OK(s.cap >= 2 * s.n, "at most half full");
	strset_clear(&s);
	T_EQ_INT(s.n, 0, "cleared");
	T_OK(!strset_has(&s, "k1", 2) && !strset_has(&s, "alpha", 5), "nothing left after clear");
	T_EQ_INT(strset_add(&s, "k1", 2), 1, "usable again");
	strset_free(&s);
	T_OK(s.cap == 0 && s.k == NULL, "freed");
	T_OK(strset_hash("ab", 2) != strset_hash("ba", 2), "the hash sees order");
	return t_done();
}
