#!/bin/sh
# The same input gives the same bytes: -j 1, -j 2 and a rerun (with
# --no-duration, the one field that measures time), including a CPU-bound
# timeout, which the CPU budget decides, not the machine's load.
. "$(dirname "$0")/../lib.sh"
S=/usr/lib/python3.11
$PY "$TOP/tests/exec/mkrecords.py" --doctests-only $S $S/statistics.py $S/fractions.py $S/heapq.py \
	$S/textwrap.py $S/difflib.py $S/shlex.py $S/ipaddress.py >"$T/in.jsonl"
jq -nc '{id: "spin", name: "f", code: "def f():\n    while True:\n        pass\n", tests: ["f()"]}' >>"$T/in.jsonl"
X="ls-exec --quiet --no-duration --timeout 1 --trace"
$X -j 1 <"$T/in.jsonl" >"$T/j1"
$X -j 2 <"$T/in.jsonl" >"$T/j2"
$X -j 2 <"$T/in.jsonl" >"$T/j2b"
ok_if "records in: $(wc -l <"$T/in.jsonl")" test "$(wc -l <"$T/j1")" = "$(wc -l <"$T/in.jsonl")"
same "-j 1 and -j 2 write the same bytes" "$T/j2" "$T/j1"
same "a rerun writes the same bytes" "$T/j2b" "$T/j2"
ok_if "the spinning record is a CPU timeout" \
	test "$(jq -r 'select(.id == "spin") | .exec.status + " " + .exec.category' "$T/j1")" = "timeout cpu_time"
done_testing
