#!/bin/sh
# ls-lift over every function of the standard library (~15,000 records), one
# core (-j 1), against two baselines in the same run:
#   record layer:          read, parse and write the same records (tests/bin/rec-addfield)
#   record layer + parse:  the same, plus tree-sitter's parse of each function's code
# Goals: >= 5,000 functions/s, and ls-lift within 2x of "record layer + parse"
# (the JSON round trip and the parse set the limit; the analysis must be nearly free).
set -eu
. "$(dirname "$0")/lib.sh"
TOP=$(cd "$(dirname "$0")/.." && pwd)
D=$(mktemp -d); trap 'rm -rf "$D"' EXIT
$PY "$TOP/tests/lift/mkrecords.py" /usr/lib/python3.11 > "$D/in.jsonl"
n=$(wc -l < "$D/in.jsonl")
size=$(du -m "$D/in.jsonl" | cut -f1)

# the record layer plus a tree-sitter parse of each record's code, nothing else
cat > "$D/parse.c" <<'C'
#include <string.h>
#include "py/pyparse.h"
#include "rec/tool.h"
static void *init(ls_tool *t, void *c, int w) { (void)t, (void)c, (void)w; char e[200]; return py_parser_new(e, sizeof e); }
static void fin(void *p) { ts_parser_delete(p); }
static jv map(void *p, jv rec, ls_tool *t) {
	(void)t;
	const char *c = rec_str(rec, "code");
	if (c)
		ts_tree_delete(py_parse(p, c, strlen(c)));
	return jv_object_set(rec, jv_string("x"), jv_number(1));
}
int main(int argc, char **argv) {
	ls_tool t = { .name = "rec-parse", .synopsis = "[FILE ...]", .about = "bench baseline" };
	ls_stage st = { .worker_init = init, .worker_free = fin, .map = map };
	ls_parse(&t, argc, argv);
	return ls_run(&t, &st);
}
C
${CC:-cc} -O2 -D_GNU_SOURCE -I"$TOP/lib" $(pkg-config --cflags tree-sitter) -o "$D/rec-parse" "$D/parse.c" \
	"$TOP/$B/libls.a" $(pkg-config --libs tree-sitter) -ljq -lxxhash -lm -pthread

# CPU seconds (user + system) of the best of N runs: the machine is shared,
# and one core's throughput is what the goal is about; wall times are printed too.
cpu_of() {
	_n=$1; shift
	_best=
	for _i in $(seq "$_n"); do
		/usr/bin/time -f '%U %S' -o "$D/time" "$@" >/dev/null 2>&1
		_t=$(awk '{print $1 + $2}' "$D/time")
		if [ -z "$_best" ] || [ "$(echo "$_t < $_best" | bc -l)" = 1 ]; then _best=$_t; fi
	done
	printf '%.3f\n' "$_best"
}
crec=$(cpu_of 3 "$TOP/$B/tests/bin/rec-addfield" -q "$D/in.jsonl")
cparse=$(cpu_of 3 "$D/rec-parse" -q "$D/in.jsonl")
clift=$(cpu_of 3 "$TOP/$B/bin/ls-lift" -q "$D/in.jsonl")
cprompt=$(cpu_of 3 "$TOP/$B/bin/ls-prompt" -q "$D/in.jsonl")
trec=$(best_of 3 "$TOP/$B/tests/bin/rec-addfield" -q "$D/in.jsonl")
tparse=$(best_of 3 "$D/rec-parse" -q "$D/in.jsonl")
tlift=$(best_of 3 "$TOP/$B/bin/ls-lift" -q "$D/in.jsonl")
tprompt=$(best_of 3 "$TOP/$B/bin/ls-prompt" -q "$D/in.jsonl")
echo "ls-lift: $n standard-library function records, ${size} MB, one core (-j 1); CPU s (wall s)"
echo "  record layer alone:       ${crec}s (${trec}s)"
echo "  record layer + parse:     ${cparse}s (${tparse}s)"
echo "  ls-lift:                  ${clift}s (${tlift}s)   $(echo "$n / $clift" | bc) functions/s of CPU   (goal >= 5000)"
echo "  ls-prompt:                ${cprompt}s (${tprompt}s)   $(echo "$n / $cprompt" | bc) functions/s of CPU"
echo "  ratio ls-lift / (record layer + parse): $(ratio "$clift" "$cparse") CPU, $(ratio "$tlift" "$tparse") wall   (goal <= 2.00)"
echo "  ratio ls-lift / record layer alone:     $(ratio "$clift" "$crec") CPU, $(ratio "$tlift" "$trec") wall"
