/* rec-addfield — the record layer alone: read records, add "x": 1, write.
 * Used by the record-layer tests and by bench/record.sh (against jq -c '. + {x:1}').
 * With --fail-on K, records whose "n" equals K fail (to test --on-error);
 * with --drop-odd, records with an odd "n" are dropped (to test --rejects). */
#include <stdlib.h>
#include <unistd.h>
#include "rec/tool.h"

static struct { int fail_on, drop_odd, sleep_us; } o = { .fail_on = -1000000 };

static const ls_opt opts[] = {
	{ "fail-on", 0, "K", LS_INT, &o.fail_on, "fail records whose n is K" },
	{ "drop-odd", 0, NULL, LS_FLAG, &o.drop_odd, "drop records whose n is odd" },
	{ "sleep-us", 0, "US", LS_INT, &o.sleep_us, "sleep this long per record (ordering tests)" },
	{ 0 }
};

static jv map(void *w, jv rec, ls_tool *t)
{
	(void)w;
	(void)t;
	double n = rec_num(rec, "n", -1);
	if (o.sleep_us)
		usleep((useconds_t)(o.sleep_us * ((int)n % 3)));
	if (n == o.fail_on)
		return ls_fail(rec, "test", "n is %d", o.fail_on);
	if (o.drop_odd && (long)n % 2)
		return ls_drop(rec, "odd");
	return jv_object_set(rec, jv_string("x"), jv_number(1));
}

int main(int argc, char **argv)
{
	ls_tool t = { .name = "rec-addfield", .synopsis = "[options] [FILE ...]",
		      .about = "add \"x\": 1 to every record (a record-layer test tool)",
		      .opts = opts, .cacheable = 1 };
	ls_stage st = { .map = map };
	ls_parse(&t, argc, argv);
	return ls_run(&t, &st);
}
