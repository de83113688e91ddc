#!/bin/sh
# The record contract's safety rules, through the bare record-layer tool
# (tests/bin/rec-addfield) and the tools' option tables: no output over an
# input, options refused with the flag named, stop at a write error or a
# signal with the summary, numbers and BOMs passed through, quoted errors.
. "$(dirname "$0")/../lib.sh"
R=$B/tests/bin/rec-addfield

seq 1 500 | awk '{printf "{\"id\":\"r%d\",\"n\":%d}\n", $1, $1}' > "$T/in.jsonl"
cp "$T/in.jsonl" "$T/orig.jsonl"

# An output that is an input: refused before any work, the input intact.
"$R" --rejects "$T/in.jsonl" "$T/in.jsonl" > "$T/out" 2> "$T/err"; rc=$?
ok_if "--rejects naming an input: exit 64" test $rc = 64
ok_if "--rejects naming an input: says so" grep -q -- "--rejects would overwrite an input" "$T/err"
same "--rejects naming an input: the input is intact" "$T/in.jsonl" "$T/orig.jsonl"
(cd "$T" && "$R" --rejects ./in.jsonl in.jsonl > out 2> err); rc=$?
ok_if "the same file under another name: exit 64" test $rc = 64
"$R" "$T/in.jsonl" >> "$T/in.jsonl" 2> "$T/err"; rc=$?
ok_if "standard output appending to an input: exit 64" sh -c "test $rc = 64 && grep -q 'standard output is also an input' '$T/err'"
same "standard output appending to an input: the input is intact" "$T/in.jsonl" "$T/orig.jsonl"
"$R" --rejects "$T/rej.jsonl" < "$T/in.jsonl" >> "$T/rej.jsonl" 2> "$T/err"; rc=$?
ok_if "--rejects also standard output: exit 64" test $rc = 64
"$R" < "$T/in.jsonl" >> "$T/in.jsonl" 2> "$T/err"; rc=$?
ok_if "stdin and stdout the same file: exit 64" test $rc = 64
same "stdin and stdout the same file: the input is intact" "$T/in.jsonl" "$T/orig.jsonl"
"$R" --rejects "$T/no/such/dir/rej.jsonl" "$T/in.jsonl" > "$T/out" 2> "$T/err"; rc=$?
ok_if "--rejects not writable: exit 74 before any work" sh -c "test $rc = 74 && test ! -s '$T/out' && grep -q \"cannot open '$T/no/such/dir/rej.jsonl' for writing\" '$T/err'"

# Option values: refused with the flag named and, for enums, the valid values.
"$R" --on-error=maybe < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "unknown --on-error: exit 64 with the valid values" sh -c "test $rc = 64 && grep -q -- \"--on-error: want pass, skip or fail, not: 'maybe'\" '$T/err'"
"$R" --limit -1 < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "negative --limit: exit 64 naming it" sh -c "test $rc = 64 && grep -q -- \"--limit: must not be negative: '-1'\" '$T/err'"
"$R" -j 0 < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "-j 0: says what it got" sh -c "test $rc = 64 && grep -q \"not '0'\" '$T/err'"
"$R" --fail-on x < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "not a number: names the flag" sh -c "test $rc = 64 && grep -q -- \"--fail-on: not a whole number: 'x'\" '$T/err'"
ls-lift --min-score nan < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "NaN for a float flag: exit 64 naming it" sh -c "test $rc = 64 && grep -q -- '--min-score: not a finite number' '$T/err'"
ls-lift --profile nope < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "ls-lift --profile: the valid values" sh -c "test $rc = 64 && grep -q 'want full or lift-sys' '$T/err'"
ls-prompt --strategy nope < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "ls-prompt --strategy: the valid values" sh -c "test $rc = 64 && grep -q 'want combined, docstring, signature or examples' '$T/err'"
ls-exec --keep passed,nope < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "ls-exec --keep: each member checked" sh -c "test $rc = 64 && grep -q 'comma-separated list of passed, failed' '$T/err'"
ls-infer --template nope --tokenizer x < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "ls-infer --template: the valid values" sh -c "test $rc = 64 && grep -q 'want chatml or raw' '$T/err'"
ls-extract --min-lines -2 < /dev/null > /dev/null 2> "$T/err"; rc=$?
ok_if "ls-extract negative --min-lines: exit 64" sh -c "test $rc = 64 && grep -q -- '--min-lines: must not be negative' '$T/err'"
ls-gen --only nosuch --no-exec > /dev/null 2> "$T/err"; rc=$?
ok_if "ls-gen --only: an unknown category is refused with the list" sh -c "test $rc = 64 && grep -q \"unknown category 'nosuch' (the templates have: .*list-search\" '$T/err'"
ls-gen --report "$T/no/dir/r.json" --no-exec > /dev/null 2> "$T/err"; rc=$?
ok_if "ls-gen --report not writable: refused before any work" sh -c "test $rc = 74 && ! grep -q 'tasks' '$T/err'"

# A write error stops the run at once: exit 74, the summary says how far it got.
seq 1 100000 | awk '{printf "{\"id\":\"r%d\",\"n\":%d}\n", $1, $1}' > "$T/big.jsonl"
( trap '' PIPE; { "$R" "$T/big.jsonl" 2> "$T/err"; echo $? > "$T/rc"; } | head -n 1 > /dev/null )
ok_if "EPIPE (SIGPIPE ignored): exit 74" test "$(cat "$T/rc")" = 74
n_in=$(sed -n 's/.*: \([0-9]*\) in,.*/\1/p' "$T/err")
ok_if "EPIPE: stopped at once ($n_in of 100000 read)" test "${n_in:-100000}" -lt 100000
if [ -w /dev/full ]; then
	"$R" "$T/big.jsonl" > /dev/full 2> "$T/err"; rc=$?
	n_in=$(sed -n 's/.*: \([0-9]*\) in,.*/\1/p' "$T/err")
	ok_if "ENOSPC: exit 74, stopped at once ($n_in read)" sh -c "test $rc = 74 && test '${n_in:-100000}' -lt 100000"
else skip "no /dev/full"; fi

# SIGTERM (and SIGINT, which a background job here ignores): the line being written is finished, the summary printed.
seq 1 3000 | awk '{printf "{\"id\":\"r%d\",\"n\":%d}\n", $1, $1}' > "$T/slow.jsonl"
# (a sanitized build starts slowly: give it time to set its handlers)
delay=0.5; [ "${SANITIZE:-}" = 1 ] && delay=4
"$R" --sleep-us 5000 "$T/slow.jsonl" > "$T/out" 2> "$T/err" & pid=$!
sleep $delay; kill -TERM $pid; wait $pid; rc=$?
ok_if "SIGTERM: exit 143" test $rc = 143
ok_if "SIGTERM: summary printed" grep -q "in, .* out, .*stopped by SIGTERM" "$T/err"
n_out=$(wc -l < "$T/out")
ok_if "SIGTERM: stopped early ($n_out records), every line whole" sh -c "test $n_out -lt 3000 && jq -c . '$T/out' > /dev/null && test \"\$(tail -c 1 '$T/out' | od -An -c | tr -d ' ')\" = '\\n'"
ok_if "SIGTERM: the summary counts what was written" grep -q " $n_out out" "$T/err"
# with -j 2 a signal does not wait for the ring of records read ahead (64
# here, each up to a second): those not yet started are not counted in
"$R" -j 2 --sleep-us 500000 "$T/slow.jsonl" > "$T/out" 2> "$T/err" & pid=$!
sleep $delay; kill -TERM $pid; wait $pid; rc=$?
n_out=$(wc -l < "$T/out")
ok_if "SIGTERM with -j 2: exit 143, stopped at the records started ($n_out out)" sh -c "test $rc = 143 && test $n_out -lt 40"
ok_if "SIGTERM with -j 2: as many in as out" grep -q ": $n_out in, $n_out out" "$T/err"
mkfifo "$T/fifo"
{ head -n 3 "$T/in.jsonl"; sleep 10; } > "$T/fifo" & feeder=$!
"$R" "$T/fifo" > "$T/out" 2> "$T/err" & pid=$!
sleep $delay; kill -TERM $pid; t0=$(date +%s); wait $pid; rc=$?; t1=$(date +%s)
kill $feeder 2>/dev/null
ok_if "a signal ends a read blocked on a quiet pipe (rc $rc)" sh -c "test $((t1 - t0)) -le 2 && test $(wc -l < "$T/out") = 3 && grep -q 'stopped by SIG' '$T/err'"

# ls-gen on SIGTERM ends the ls-exec it runs and removes its temporary files.
mkdir -p "$T/gtmp"
TMPDIR=$T/gtmp ls-gen --count 100 > "$T/out" 2> "$T/err" & pid=$!
n=0; while [ $n -lt 100 ] && ! pgrep -f "$T/gtmp/ls-gen" > /dev/null; do sleep 0.1; n=$((n + 1)); done
kill -TERM $pid; wait $pid; rc=$?
sleep 0.2
ok_if "ls-gen SIGTERM: exit 143 with the summary" sh -c "test $rc = 143 && grep -q 'stopped by SIGTERM' '$T/err'"
pgrep -f "[l]s-exec.*$T/gtmp/ls-gen" > /dev/null; r=$?
ok_if "ls-gen SIGTERM: its ls-exec ended" test $r = 1
ok_if "ls-gen SIGTERM: no temporary files left" test -z "$(ls "$T/gtmp")"

# Numbers in fields the tool does not own pass through byte-exact.
printf '{"id":"a","big":9007199254740993,"huge":1E400,"tiny":1e-400,"p":0.10000000000000000001,"l":[12345678901234567890]}\n' > "$T/num.jsonl"
"$R" -q "$T/num.jsonl" > "$T/out"
printf '{"id":"a","big":9007199254740993,"huge":1E400,"tiny":1e-400,"p":0.10000000000000000001,"l":[12345678901234567890],"x":1}\n' > "$T/want"
same "numbers a double cannot hold pass through as written" "$T/out" "$T/want"
"$R" -q -j 3 --cache "$T/numc" "$T/num.jsonl" > /dev/null
"$R" -q -j 3 --cache "$T/numc" "$T/num.jsonl" > "$T/out"
same "... also from the cache and with -j 3" "$T/out" "$T/want"

# A byte order mark does not make the first line malformed.
printf '\357\273\277{"id":"a","n":1}\n' > "$T/bom.jsonl"
"$R" -q "$T/bom.jsonl" > "$T/out"; rc=$?
ok_if "BOM: read, exit 0" sh -c "test $rc = 0 && grep -q '^{\"id\":\"a\",\"n\":1,\"x\":1}\$' '$T/out'"

# Error messages quote at most 200 bytes of a bad line, control characters escaped.
{ printf '{"bad \033]0;pwned\007 '; head -c 5000 /dev/zero | tr '\0' 'y'; printf '\n'; } > "$T/evil.jsonl"
"$R" "$T/evil.jsonl" > /dev/null 2> "$T/err"; rc=$?
ok_if "bad line: exit 65, no control character on stderr" sh -c "test $rc = 65 && ! grep -q \"\$(printf '\\033')\" '$T/err' && grep -q 'x1b]0;pwned' '$T/err'"
ok_if "bad line: at most 200 bytes of it quoted" test "$(head -n 1 "$T/err" | wc -c)" -lt 600

# The build id: in --version, and in every cache key.
ok_if "--version prints the build id" sh -c "'$R' --version | grep -q '^build id 0\\.[0-9.]*-[0-9a-f]*.*-data\\.[0-9a-f]\\{16\\}\$'"
for tool in "$B"/bin/ls-*; do
	"$tool" --version | grep -q '^build id ' || echo "no build id: $tool"
done > "$T/nobuild"
ok_if "every tool's --version prints the build id" test ! -s "$T/nobuild"
grep -nE '(ls-[a-z]+|\$LS_[A-Z]+|"\$1") --help' "$TOP"/pipelines/*; r=$?
ok_if "no pipeline greps a tool's --help" test $r = 1
mkdir -p "$T/share" && cp -R "$TOP/share/." "$T/share/"
LS_DATADIR=$T/share "$R" --cache "$T/bc" "$T/in.jsonl" > /dev/null 2>&1
LS_DATADIR=$T/share "$R" --cache "$T/bc" "$T/in.jsonl" > /dev/null 2> "$T/e1"
echo "# changed" >> "$T/share/exec/harness.py"
LS_DATADIR=$T/share "$R" --cache "$T/bc" "$T/in.jsonl" > /dev/null 2> "$T/e2"
ok_if "same data files: cache hits" grep -q "cache 500 hits 0 misses" "$T/e1"
ok_if "a data file changed: the cache misses" grep -q "cache 0 hits 500 misses" "$T/e2"

# The progress bar stays off the records' lines when stdout is a terminal.
if command -v script > /dev/null; then
	seq 1 40 | awk '{printf "{\"id\":\"r%d\",\"n\":%d}\n", $1, $1}' > "$T/p.jsonl"
	timeout 60 script -qc "'$R' --progress --sleep-us 10000 '$T/p.jsonl'" /dev/null > "$T/tty" 2>&1
	esc=$(printf '\033')
	tr '\r' '\n' < "$T/tty" | grep '{"id"' > "$T/lines"
	ok_if "progress on a terminal: every record on a line of its own" sh -c "test \$(wc -l < '$T/lines') = 40 && ! grep -v '^\\(${esc}\\[K\\)*{\"id\"' '$T/lines'"
	ok_if "progress on a terminal: the bar was drawn" grep -q 'records' "$T/tty"
else skip "no script(1) for a terminal"; fi

# The pull-style reader (ls_next) and a second input stream (ls_open_input).
printf '{"id":"a","n":1}\n\n{"id":"b","n":2}\n' > "$T/p1.jsonl"
printf '{"id":"c","n":3}\nnot json\n{"id":"d","n":4}\n' > "$T/p2.jsonl"
"$R" --pull --also "$T/p2.jsonl" "$T/p1.jsonl" > "$T/out" 2> "$T/err"; rc=$?
jq -r .at "$T/out" | sed "s|$T/||" | tr '\n' ' ' > "$T/at"
ok_if "ls_next and a second stream: FILE:LINE with each record, in order" test "$(cat "$T/at")" = "p1.jsonl:1 p1.jsonl:3 p2.jsonl:1 p2.jsonl:3 "
ok_if "a malformed line in the second stream: counted, exit 65" sh -c "test $rc = 65 && grep -q '4 in, 4 out, 0 rejected, 0 errors, 1 malformed lines' '$T/err' && grep -q 'p2.jsonl:2: malformed' '$T/err'"
"$R" -q --pull --shard 0/2 "$T/in.jsonl" > "$T/s0"; "$R" -q --pull --shard 1/2 "$T/in.jsonl" > "$T/s1"
ok_if "ls_next shards: the two shards make the input" test "$(cat "$T/s0" "$T/s1" | wc -l)" = 500
"$R" -q --pull --limit 7 "$T/in.jsonl" > "$T/out"
ok_if "ls_next stops at --limit" test "$(wc -l < "$T/out")" = 7
"$R" --pull --also "$T/in.jsonl" --rejects "$T/in.jsonl" "$T/p1.jsonl" > /dev/null 2>&1; rc=$?
ok_if "--rejects over the second stream: exit 64" test $rc = 64
done_testing
