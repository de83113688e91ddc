/* rec-addfield — the record layer alone: read records, add "x": 1, write.
 * Used by the record-layer tests and by bench/record.sh (against jq -c '. + {x:1}').
 * With --fail-on K, records whose "n" equals K fail (to test --on-error);
 * with --drop-odd, records with an odd "n" are dropped (to test --rejects).
 * With --pull the loop is the tool's own (ls_next, as ls-split and ls-abtest
 * do it) and each record gets "at": "FILE:LINE"; --also FILE is then a
 * second input stream, read after the operands. */
#include <stdlib.h>
#include <unistd.h>
#include "rec/tool.h"

static struct { int fail_on, drop_odd, sleep_us, pull; const char *also; } o = { .fail_on = -1000000 };

static const ls_opt opts[] = {
	{ "fail-on", 0, "K", LS_INT, &o.fail_on, "fail records whose n is K" },
	{ "drop-odd", 0, NULL, LS_FLAG, &o.drop_odd, "drop records whose n is odd" },
	{ "sleep-us", 0, "US", LS_INT, &o.sleep_us, "sleep this long per record (ordering tests)" },
	{ "pull", 0, NULL, LS_FLAG, &o.pull, "read with ls_next, add \"at\": FILE:LINE" },
	{ "also", 0, "FILE", LS_IN, &o.also, "with --pull: a second input stream" },
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
	if (!o.pull)
		return ls_run(&t, &st);
	ls_begin(&t);
	char *also[] = { (char *)o.also };
	rec_reader *second = o.also ? ls_open_input(&t, also, 1) : NULL;
	jv rec;
	ls_pos at;
	for (int stream = 0; stream < 2; stream++)
		while (stream == 0 ? ls_next(&t, &rec, &at) : second && ls_next_from(&t, second, &rec, &at)) {
			char where[4200];
			snprintf(where, sizeof where, "%s:%ld", at.file, at.line);
			ls_take(&t, map(NULL, jv_object_set(rec, jv_string("at"), jv_string(where)), &t));
		}
	return ls_end(&t);
}
