/* Unit tests for lib/dedup: normalisation, exact and near duplicates. */
#include <stdlib.h>
#include "t.h"
#include "py/dedup.h"

static const char *A =
	"def mean(xs):\n    \"\"\"Average of xs.\"\"\"\n    total = 0\n    for x in xs:\n        total += x\n"
	"    if not xs:\n        raise ValueError('empty')\n    return total / len(xs)\n";
/* the same tokens, other layout and comments */
static const char *A_REFORMATTED =
	"def mean( xs ):   # the mean\n    \"\"\"Average of xs.\"\"\"\n    total=0\n    for x in xs: # loop\n"
	"        total += x\n    if not xs:\n        raise ValueError( 'empty' )\n\n    return total/len(xs)\n";
/* one identifier renamed in one place */
static const char *A_NEAR =
	"def mean(xs):\n    \"\"\"Average of xs.\"\"\"\n    total = 0\n    for x in xs:\n        total += x\n"
	"    if not xs:\n        raise ValueError('empty')\n    return total / len(xs) \n";
static const char *B =
	"def parse(line):\n    key, _, value = line.partition('=')\n    return key.strip(), value.strip()\n";

int main(void)
{
	char *n = dd_normalize("x = 1  # c\ny = 'a # b'\n", 22);
	T_EQ_STR(n, "x = 1 y = 'a # b'", "comments and layout dropped, strings kept");
	free(n);
	n = dd_normalize("s = r'''a\n'b'''\n", 16);
	T_EQ_STR(n, "s = r'''a\n'b'''", "prefixed triple-quoted string is one token");
	free(n);

	dd_sig a, ar, an, b, a2;
	dd_sign(A, strlen(A), &a);
	dd_sign(A_REFORMATTED, strlen(A_REFORMATTED), &ar);
	dd_sign(A_NEAR, strlen(A_NEAR), &an);
	dd_sign(B, strlen(B), &b);
	dd_sign(A, strlen(A), &a2);
	T_OK(!memcmp(&a, &a2, sizeof a), "signing is deterministic");
	T_OK(a.exact[0] == ar.exact[0] && a.exact[1] == ar.exact[1], "reformatting keeps the exact hash");
	T_OK(dd_similarity(&a, &b) < 0.3, "unrelated code is not similar");

	/* a real near duplicate: a renamed variable in a longer function */
	char big1[4096], big2[4096];
	snprintf(big1, sizeof big1, "def f(a, b):\n%s", "");
	for (int i = 0; i < 30; i++) {
		char l[100];
		snprintf(l, sizeof l, "    v%d = a * %d + b\n", i, i);
		strcat(big1, l);
	}
	strcpy(big2, big1);
	strcat(big1, "    return v1\n");
	strcat(big2, "    return v2\n");
	dd_sig s1, s2;
	dd_sign(big1, strlen(big1), &s1);
	dd_sign(big2, strlen(big2), &s2);
	T_OK(dd_similarity(&s1, &s2) >= 0.85, "a one-token edit of a long function is near");
	T_OK(s1.exact[0] != s2.exact[0], "but not exact");

	dd_index *d = dd_new(0.85);
	T_EQ_INT(dd_check(d, &a, 1, 1), DD_NEW, "first is new");
	T_EQ_INT(dd_check(d, &ar, 1, 1), DD_EXACT, "reformatted copy is an exact duplicate");
	T_EQ_INT(dd_check(d, &b, 1, 1), DD_NEW, "other code is new");
	T_EQ_INT(dd_check(d, &s1, 1, 1), DD_NEW, "long function is new");
	T_EQ_INT(dd_check(d, &s2, 1, 1), DD_NEAR, "its edit is a near duplicate");
	T_EQ_INT(dd_check(d, &s2, 0, 1), DD_NEW, "with near off it is new");
	T_EQ_INT((int)dd_size(d), 4, "four remembered");
	dd_free(d);

	dd_index *x = dd_new(0.85);
	dd_check(x, &b, 1, 1);
	T_EQ_INT(dd_check(x, &a, 1, 0), DD_NEW, "check without add");
	T_EQ_INT(dd_check(x, &a, 1, 0), DD_NEW, "so still new");
	dd_free(x);
	(void)an;
	return t_done();
}
