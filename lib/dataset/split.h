/* split.h — deterministic grouped train/val/test assignment, balancing, stats.
 *
 * Assignment is by hash, never by position: a record's split depends only on
 * its group key (e.g. the repository name) and the seed, so every record of a
 * group lands in the same split, and adding records to the input moves no
 * existing record to another split.
 *
 * Balancing keeps at most N records per balance group: the N whose rank
 * (hash of seed and id) is smallest. The kept set of a group depends on the
 * group's members, not on their order; adding records to a group can only
 * push out records of that same group.
 */
#ifndef LS_SPLIT_H
#define LS_SPLIT_H
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum { SPLIT_TRAIN, SPLIT_VAL, SPLIT_TEST, SPLIT_N };
extern const char *const split_names[SPLIT_N];	/* "train", "val", "test" */
int split_index(const char *name);		/* -1 when not a split name */

/* "0.8,0.1,0.1": three non-negative numbers with a positive sum, normalised
 * into r. Returns 0, or -1 on a malformed list. */
int split_parse_ratios(const char *s, double r[SPLIT_N]);

/* A stable 64-bit hash of (seed, key) and the point in [0,1) it gives. */
uint64_t split_hash(unsigned long seed, const char *key);
double split_unit(unsigned long seed, const char *key);
/* The split of a group: the interval of r that split_unit(seed, group) falls in. */
int split_assign(const double r[SPLIT_N], unsigned long seed, const char *group);

/* Balancing: add every item (group, rank) in input order, then finish. */
typedef struct split_balance split_balance;
split_balance *split_balance_new(long max_per_group);
int split_balance_add(split_balance *b, const char *group, uint64_t rank);	/* 0 or -1 (no memory) */
void split_balance_finish(split_balance *b);
int split_balance_kept(const split_balance *b, size_t i);	/* the i-th item added */
void split_balance_free(split_balance *b);

/* Counts per (split, group), kept and dropped, written as an aligned table. */
typedef struct split_stats split_stats;
split_stats *split_stats_new(void);
void split_stats_add(split_stats *s, int split, const char *group, int kept);
/* Rows sorted by split then group, a total per split, and a grand total.
 * Returns 0 or -1 on a write error. */
int split_stats_write(const split_stats *s, FILE *f, const char *group_label);
void split_stats_free(split_stats *s);
/* The group with the most records (kept or not; the first in name order on
 * a tie), its count and the total. *group is borrowed until the next add;
 * NULL when there are no records. */
void split_stats_largest(const split_stats *s, const char **group, double *n, double *total);

#endif
