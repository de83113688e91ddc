#!/bin/sh
# The record contract, through the bare record-layer tool (tests/bin/rec-addfield).
. "$(dirname "$0")/../lib.sh"
R=$B/tests/bin/rec-addfield

seq 1 500 | awk '{printf "{\"id\":\"r%d\",\"n\":%d}\n", $1, $1}' > "$T/in.jsonl"

# A malformed line in the middle keeps every other record; exit 65 after the rest.
{ head -n 100 "$T/in.jsonl"; echo '{"n": broken'; printf '\377\376\n'; tail -n 400 "$T/in.jsonl"; } > "$T/bad.jsonl"
"$R" "$T/bad.jsonl" > "$T/out" 2> "$T/err"; rc=$?
ok_if "malformed lines: exit 65" test $rc = 65
ok_if "malformed lines: all 500 good records out" test "$(wc -l < "$T/out")" = 500
ok_if "malformed lines: FILE:LINE: in the message" grep -q "bad.jsonl:101: malformed JSON" "$T/err"
ok_if "invalid UTF-8 reported with its line" grep -q "bad.jsonl:102: invalid UTF-8" "$T/err"
ok_if "summary line counts in, out and malformed" grep -q "500 in, 500 out, 0 rejected, 0 errors, 2 malformed lines" "$T/err"

# -j 1 and -j 2 (and -j 7) give the same bytes, even when workers finish out of order.
"$R" -q --sleep-us 200 -j 1 "$T/in.jsonl" > "$T/j1"
"$R" -q --sleep-us 200 -j 2 "$T/in.jsonl" > "$T/j2"
"$R" -q --sleep-us 200 -j 7 "$T/in.jsonl" > "$T/j7"
same "-j 2 output identical to -j 1" "$T/j2" "$T/j1"
same "-j 7 output identical to -j 1" "$T/j7" "$T/j1"
jq -c '. + {x:1}' "$T/in.jsonl" > "$T/want"
same "output is what jq computes" "$T/j1" "$T/want"

# --on-error: pass (default) keeps the record with an error field; skip sends it to --rejects; fail stops.
"$R" -q --fail-on 7 "$T/in.jsonl" > "$T/pass"
ok_if "on-error=pass: record kept with error" sh -c "grep -c '\"error\":{\"tool\":\"rec-addfield\",\"code\":\"test\"' '$T/pass' | grep -qx 1 && test \$(wc -l < '$T/pass') = 500"
"$R" -q --fail-on 7 --on-error=skip --rejects "$T/rej" "$T/in.jsonl" > "$T/skip"
ok_if "on-error=skip: 499 out" test "$(wc -l < "$T/skip")" = 499
ok_if "on-error=skip: the failed record is in --rejects" grep -q '"id":"r7".*"error"' "$T/rej"
"$R" --fail-on 7 --on-error fail "$T/in.jsonl" > "$T/fail" 2> "$T/err"; rc=$?
ok_if "on-error=fail: exit 65" test $rc = 65
ok_if "on-error=fail: names the record" grep -q "record 'r7': n is 7" "$T/err"
ok_if "on-error=fail: stops early" test "$(wc -l < "$T/fail")" -lt 500
"$R" -j 3 --fail-on 7 --on-error fail "$T/in.jsonl" > "$T/fail3" 2>/dev/null; rc=$?
ok_if "on-error=fail with -j 3: exit 65" test $rc = 65
head -n 6 "$T/fail3" > "$T/f3"; head -n 6 "$T/want" > "$T/w6"
same "on-error=fail with -j 3: the records before it, in order" "$T/f3" "$T/w6"

# Filters: dropped records go to --rejects and are counted, never lost silently.
"$R" --drop-odd --rejects "$T/rej2" "$T/in.jsonl" > "$T/even" 2> "$T/err"
ok_if "drop: 250 out, 250 in rejects" sh -c "test \$(wc -l < '$T/even') = 250 && test \$(wc -l < '$T/rej2') = 250"
ok_if "drop: summary says so" grep -q "500 in, 250 out, 250 rejected, 0 errors" "$T/err"

# --shard K/N: the shards partition the input.
for k in 0 1 2; do "$R" -q --shard $k/3 "$T/in.jsonl" > "$T/s$k"; done
sort "$T/s0" "$T/s1" "$T/s2" > "$T/sall"; sort "$T/want" > "$T/wsorted"
same "3 shards together are the whole input" "$T/sall" "$T/wsorted"
ok_if "no shard is empty" sh -c "test -s '$T/s0' && test -s '$T/s1' && test -s '$T/s2'"

# --limit N stops after N output records.
"$R" -q --limit 10 "$T/in.jsonl" > "$T/lim"
ok_if "--limit 10" test "$(wc -l < "$T/lim")" = 10
"$R" -q -j 2 --limit 10 "$T/in.jsonl" > "$T/lim2"
same "--limit with -j 2: same 10" "$T/lim2" "$T/lim"

# Several files in order, a missing one reported and the rest read (exit 66).
"$R" "$T/in.jsonl" "$T/nope.jsonl" "$T/in.jsonl" > "$T/two" 2> "$T/err"; rc=$?
ok_if "missing file: reported" grep -q "cannot open '$T/nope.jsonl'" "$T/err"
ok_if "missing file: others read, exit 66" sh -c "test $rc = 66 && test \$(wc -l < '$T/two') = 1000"

# --cache: a second run is answered from the cache, with the same bytes.
"$R" --cache "$T/c" --fail-on 3 "$T/in.jsonl" > "$T/c1" 2> "$T/e1"
"$R" --cache "$T/c" --fail-on 3 "$T/in.jsonl" > "$T/c2" 2> "$T/e2"
same "cached run gives the same bytes (failures included)" "$T/c2" "$T/c1"
ok_if "cached run: all hits" grep -q "cache 500 hits 0 misses" "$T/e2"
"$R" --cache "$T/c" --fail-on 4 "$T/in.jsonl" > /dev/null 2> "$T/e3"
ok_if "other options miss the cache" grep -q "cache 0 hits 500 misses" "$T/e3"

# Usage errors: 64, with the usage line.
"$R" --no-such-flag </dev/null >/dev/null 2>"$T/err"; rc=$?
ok_if "unknown option: exit 64 with usage" sh -c "test $rc = 64 && grep -q '^usage: rec-addfield' '$T/err'"
"$R" --shard 3/3 </dev/null >/dev/null 2>&1; rc=$?
ok_if "bad --shard: exit 64" test $rc = 64
"$R" --help > "$T/help"; rc=$?
ok_if "--help: exit 0, lists common options" sh -c "test $rc = 0 && grep -q -- '--on-error pass|skip|fail' '$T/help'"
ok_if "--version" sh -c "'$R' --version | grep -q 'lift-sys'"

# An output error is reported, exit 74.
if [ -w /dev/full ]; then
	"$R" "$T/in.jsonl" > /dev/full 2> "$T/err"; rc=$?
	ok_if "write error: exit 74" sh -c "test $rc = 74 && grep -q 'write error' '$T/err'"
else skip "no /dev/full"; fi
done_testing
