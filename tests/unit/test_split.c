/* Unit tests for lib/split: ratios, hash assignment, balancing, the stats table. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include "t.h"
#include "dataset/split.h"

int main(void)
{
	double r[SPLIT_N];
	T_OK(split_parse_ratios("0.8,0.1,0.1", r) == 0 && fabs(r[0] - 0.8) < 1e-12 &&
	     fabs(r[2] - 0.1) < 1e-12, "ratios parse");
	T_OK(split_parse_ratios("8,1,1", r) == 0 && fabs(r[0] - 0.8) < 1e-12, "ratios normalised");
	T_OK(split_parse_ratios("1,0,0", r) == 0 && r[1] == 0, "zero ratios allowed");
	T_OK(split_parse_ratios("0.8,0.2", r) < 0, "two numbers refused");
	T_OK(split_parse_ratios("0.8,0.1,0.1,0", r) < 0, "four numbers refused");
	T_OK(split_parse_ratios("0.8,-0.1,0.3", r) < 0, "negative refused");
	T_OK(split_parse_ratios("0,0,0", r) < 0, "zero sum refused");
	T_OK(split_parse_ratios("a,b,c", r) < 0, "not numbers refused");
	T_OK(split_parse_ratios("nan,1,1", r) < 0, "nan refused");
	T_EQ_INT(split_index("val"), SPLIT_VAL, "split names");
	T_EQ_INT(split_index("dev"), -1, "unknown split name");

	/* The hash is a fixed function of (seed, key): pinned so that a change
	 * of hash (which would move every record) cannot pass unnoticed. */
	T_OK(split_hash(0, "toolz") == 0xb5b69f4f022666afULL, "hash is pinned (XXH3 of \"0\\0toolz\")");
	T_OK(split_hash(0, "toolz") != split_hash(1, "toolz"), "seed changes the hash");
	T_OK(split_hash(1, "2toolz") != split_hash(12, "toolz"), "seed and key are separated");

	/* Assignment follows the ratios over many groups. */
	split_parse_ratios("0.8,0.1,0.1", r);
	int n[SPLIT_N] = { 0 }, same = 1;
	char key[32];
	for (int i = 0; i < 20000; i++) {
		snprintf(key, sizeof key, "repo-%d", i);
		int s = split_assign(r, 7, key);
		n[s]++;
		same &= s == split_assign(r, 7, key);
	}
	T_OK(same, "assignment is deterministic");
	T_OK(n[0] > 15600 && n[0] < 16400, "about 80% train");
	T_OK(n[1] > 1800 && n[1] < 2200 && n[2] > 1800 && n[2] < 2200, "about 10% val and test");
	split_parse_ratios("0,1,0", r);
	int allval = 1;
	for (int i = 0; i < 1000; i++) {
		snprintf(key, sizeof key, "k%d", i);
		allval &= split_assign(r, 0, key) == SPLIT_VAL;
	}
	T_OK(allval, "ratio 0,1,0 puts everything in val");

	/* Balancing: at most 2 per group, the smallest ranks, whatever the order. */
	split_balance *b = split_balance_new(2);
	const char *groups[] = { "a", "b", "a", "a", "b", "c", "a" };
	uint64_t ranks[] = { 50, 10, 40, 5, 20, 1, 60 };
	for (int i = 0; i < 7; i++)
		split_balance_add(b, groups[i], ranks[i]);
	split_balance_finish(b);
	int want[] = { 0, 1, 1, 1, 1, 1, 0 }, got_all = 1;
	for (int i = 0; i < 7; i++)
		got_all &= split_balance_kept(b, i) == want[i];
	T_OK(got_all, "balance keeps the two smallest ranks per group");
	T_OK(!split_balance_kept(b, 7), "out of range is not kept");
	split_balance_free(b);
	b = split_balance_new(2);
	for (int i = 6; i >= 0; i--)
		split_balance_add(b, groups[i], ranks[i]);
	split_balance_finish(b);
	got_all = 1;
	for (int i = 0; i < 7; i++)
		got_all &= split_balance_kept(b, 6 - i) == want[i];
	T_OK(got_all, "balance: the same records kept in reverse order");
	split_balance_free(b);
	b = split_balance_new(0);
	split_balance_add(b, "a", 1);
	split_balance_finish(b);
	T_OK(!split_balance_kept(b, 0), "max 0 keeps nothing");
	split_balance_free(b);

	/* Stats. */
	split_stats *st = split_stats_new();
	split_stats_add(st, SPLIT_TRAIN, "toolz", 1);
	split_stats_add(st, SPLIT_TRAIN, "toolz", 1);
	split_stats_add(st, SPLIT_TRAIN, "boltons", 1);
	split_stats_add(st, SPLIT_TEST, "stdlib", 1);
	split_stats_add(st, SPLIT_TEST, "stdlib", 0);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	split_stats_write(st, f, "repo");
	fclose(f);
	const char *want_table =
		"split  repo      records    share   dropped\n"
		"train  boltons         1    33.3%         0\n"
		"train  toolz           2    66.7%         0\n"
		"train  (all)           3    75.0%         0\n"
		"val    (all)           0     0.0%         0\n"
		"test   stdlib          1   100.0%         1\n"
		"test   (all)           1    25.0%         1\n"
		"all    (all)           4   100.0%         1\n";
	T_EQ_STR(buf, want_table, "stats table");
	free(buf);
	split_stats_free(st);
	return t_done();
}
