#!/bin/sh
# pipelines/dataset: killed in the middle of ls-exec and run again, it redoes
# only what was missing and writes the same bytes as an uninterrupted run.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/dataset-lib.sh"
need_tools
make_corpus || { skip_dep "cannot build the corpus"; done_testing; exit 0; }
DS=$TOP/pipelines/dataset

"$DS" --out "$T/a" --repos "$CORPUS" --target 0 --chunk 60 --workers 2 --no-repair >"$T/a.log" 2>&1
ok_if "an uninterrupted run succeeds" test $? = 0
n=$(wc -l <"$T/a/synthetic_v1.jsonl")
ok_if "it validates examples ($n)" test "$n" -gt 20
ok_if "every example passed its tests" test "$(jq -r '.exec.status' "$T/a/synthetic_v1.jsonl" | sort -u)" = passed
ok_if "no example carries an error" test "$(jq -c 'select(.error != null)' "$T/a/synthetic_v1.jsonl" | wc -l)" = 0
ok_if "train + val + test = all examples" test "$(cat "$T/a/train.jsonl" "$T/a/val.jsonl" "$T/a/test.jsonl" | wc -l)" = "$n"
ok_if "the report is written" grep -q "^## Yield per stage" "$T/a/generation_report.md"
ok_if "the report embeds a chart that exists" sh -c "grep -q '!\[.*\](report/funnel.png)' '$T/a/generation_report.md' && test -s '$T/a/report/funnel.png'"

# The second run is killed (SIGKILL, its whole process group) once ls-exec has
# done half of the first chunk: a wrapper in place of ls-exec does that.
cat >"$T/exec-then-kill" <<W
#!/bin/sh
case "\$1" in --help|--version) exec ls-exec "\$@" ;; esac
cat >"$T/exec.in"
head -n \$((\$(wc -l <"$T/exec.in") / 2)) "$T/exec.in" | ls-exec "\$@" >/dev/null
kill -KILL 0
W
chmod +x "$T/exec-then-kill"
LS_EXEC=$T/exec-then-kill setsid --wait "$DS" --out "$T/b" --repos "$CORPUS" --target 0 --chunk 60 --workers 2 --no-repair >"$T/b1.log" 2>&1
rc=$?
ok_if "the second run was killed ($rc)" test "$rc" = 137
ok_if "killed before its end: no dataset yet" test ! -e "$T/b/synthetic_v1.jsonl"
ok_if "the first chunk's prompt stage was complete" test -s "$T/b/stages/chunks/0000.prompt.jsonl"
ok_if "its exec stage was not" test ! -e "$T/b/stages/chunks/0000.exec.jsonl"
ls -l --time-style=+%s.%N "$T/b/stages/chunks/0000.lift.jsonl" >"$T/lift.stat"

"$DS" --out "$T/b" --repos "$CORPUS" --target 0 --chunk 60 --workers 2 --no-repair >"$T/b2.log" 2>&1
ok_if "the resumed run succeeds" test $? = 0
ok_if "it did not redo finished stages" grep -q "lift: done before" "$T/b2.log"
ls -l --time-style=+%s.%N "$T/b/stages/chunks/0000.lift.jsonl" >"$T/lift.stat2"
same "a finished stage file is left alone" "$T/lift.stat2" "$T/lift.stat"
ok_if "ls-exec found the records done before the kill in its cache" grep -Eq "ls-exec: .*cache [1-9][0-9]* hits" "$T/b2.log"
for f in synthetic_v1.jsonl train.jsonl val.jsonl test.jsonl; do
	same "resumed run: same $f bytes" "$T/b/$f" "$T/a/$f"
done

# A third run finds everything done and writes the same bytes again.
"$DS" --out "$T/b" --repos "$CORPUS" --target 0 --chunk 60 --workers 2 --no-repair >"$T/b3.log" 2>&1
ok_if "a finished run: nothing is redone" sh -c "! grep -q 'records in' '$T/b3.log'"
same "and the dataset is unchanged" "$T/b/synthetic_v1.jsonl" "$T/a/synthetic_v1.jsonl"

# --target stops after the chunk that reaches it.
"$DS" --out "$T/c" --repos "$CORPUS" --target 5 --chunk 20 --workers 2 --no-repair --cache "$T/a/cache" >"$T/c.log" 2>&1
ok_if "--target 5: at least 5 examples" test "$(wc -l <"$T/c/synthetic_v1.jsonl")" -ge 5
ok_if "--target 5: stops before the last chunk, and the report says so" \
	grep -q "target of 5 validated examples was reached after" "$T/c/generation_report.md"
"$DS" --out "$T/d" --repos "$CORPUS" --target 100000 --chunk 60 --workers 2 --no-repair --cache "$T/a/cache" >"$T/d.log" 2>&1
ok_if "a target the corpus cannot reach fails" test $? = 1
ok_if "and the report says so" grep -q "fewer validated examples" "$T/d/generation_report.md"
done_testing
