#!/bin/sh
# pipelines/dataset's repair stage: rounds of ls-break until the target,
# repair tasks split with their functions, the report's repair section, and
# a run killed inside the repair stage writes the same bytes when run again.
. "$(dirname "$0")/../lib.sh"
. "$TOP/tests/pipeline/dataset-lib.sh"
need_tools
command -v ls-break >/dev/null 2>&1 || { skip "ls-break is not built yet"; done_testing; exit 0; }
mkrepo "$T/repos/toolz" /usr/lib/python3/dist-packages/toolz >/dev/null || { skip "no python3-toolz"; done_testing; exit 0; }
echo "$T/repos/toolz" >"$T/repos.txt"
DS=$TOP/pipelines/dataset
F="--repos $T/repos.txt --chunk 60 --workers 2 --per-function 1"

"$DS" --out "$T/a" $F --target 0 >"$T/a.log" 2>&1
ok_if "a run with repair tasks succeeds" test $? = 0
n=$(wc -l <"$T/a/synthetic_v1.jsonl")
nr=$(wc -l <"$T/a/repair_v1.jsonl")
ok_if "validated functions ($n) and repair tasks ($nr)" test "$n" -gt 20 -a "$nr" -gt 20
ok_if "--target 0: one round" test "$(cat "$T/a/stages/repair.rounds")" = "1 1"
ok_if "every repair task failed cleanly after its control passed" \
	test "$(jq -r '"\(.exec.status) \(.fix.exec.status)"' "$T/a/repair_v1.jsonl" | sort -u)" = "failed passed"
ok_if "at most 1 per function" test "$(jq -r .break.parent "$T/a/repair_v1.jsonl" | sort | uniq -c | awk '$1 > 1' | wc -l)" = 0
ok_if "every parent is a validated function" sh -c "jq -r .break.parent '$T/a/repair_v1.jsonl' | sort -u >'$T/p' && jq -r .id '$T/a/synthetic_v1.jsonl' | sort >'$T/v' && test -z \"\$(comm -23 '$T/p' '$T/v')\""
ok_if "repair train + val + test = all repair tasks" test "$(cat "$T/a/repair_train.jsonl" "$T/a/repair_val.jsonl" "$T/a/repair_test.jsonl" | wc -l)" = "$nr"
# A repair task is in the split of its function.
for f in train val test; do jq -r '"\(.id) '$f'"' "$T/a/$f.jsonl"; done | sort >"$T/fsplit"
for f in train val test; do jq -r '"\(.break.parent) '$f'"' "$T/a/repair_$f.jsonl"; done | sort -u >"$T/rsplit"
ok_if "each repair task is in its function's split" test -z "$(comm -23 "$T/rsplit" "$T/fsplit")"
ok_if "the report has the repair section" grep -q "^## Repair tasks" "$T/a/generation_report.md"
ok_if "with the yield per operator and its chart" sh -c "grep -q '^### Yield per operator' '$T/a/generation_report.md' && test -s '$T/a/report/operators.png'"
ok_if "and a sample of repair tasks" test "$(grep -c '^#### ' "$T/a/generation_report.md")" -ge 5
# Cheapest first: the doctest functions' chunks (C), their repair tasks
# (0), then the chunks of functions with repository tests only, and theirs.
order=$(sed -n 's/^dataset: chunk .*/C/p; s/^dataset: repair of group \([01]\).*/\1/p' "$T/a.log" | uniq | tr -d '\n')
ok_if "doctest functions and their repair tasks first, then the rest (log: $order)" \
	sh -c "case '$order' in C0|C0C1) exit 0 ;; *) exit 1 ;; esac"
report "toolz: $n validated functions, $nr repair tasks in one round of 1 mutant per function"

# Killed inside ls-exec --code-field buggy, then run again: the same bytes.
cat >"$T/exec-then-kill" <<W
#!/bin/sh
case "\$1" in --help|--version) exec ls-exec "\$@" ;; esac
case "\$*" in *--code-field*) ;; *) exec ls-exec "\$@" ;; esac
cat >"$T/exec.in"
head -n \$((\$(wc -l <"$T/exec.in") / 2)) "$T/exec.in" | ls-exec "\$@" >/dev/null
kill -KILL 0
W
chmod +x "$T/exec-then-kill"
LS_EXEC=$T/exec-then-kill setsid --wait "$DS" --out "$T/b" $F --target 0 --cache "$T/a/cache" >"$T/b1.log" 2>&1
ok_if "the run was killed in the repair stage ($?)" sh -c "test ! -e '$T/b/repair_v1.jsonl' && test -s '$T/b/stages/repair/g0-r00-c0000.mutants.jsonl'"
"$DS" --out "$T/b" $F --target 0 --cache "$T/a/cache" >"$T/b2.log" 2>&1
ok_if "the resumed run succeeds" test $? = 0
ok_if "it did not redo the mutants" grep -q "break: done before" "$T/b2.log"
for f in synthetic_v1.jsonl repair_v1.jsonl repair_train.jsonl repair_val.jsonl repair_test.jsonl; do
	same "resumed run: same $f bytes" "$T/b/$f" "$T/a/$f"
done

# A target above one round's yield: a second round.
"$DS" --out "$T/c" $F --target $((n + nr + 1)) --cache "$T/a/cache" >"$T/c.log" 2>&1
rc=$?
nc=$(wc -l <"$T/c/repair_v1.jsonl")
ok_if "--target beyond one round: a second round ($(cat "$T/c/stages/repair.rounds"))" grep -q "repair of group 0, round 2" "$T/c.log"
# (the doctest functions' first round: a second round of theirs comes
# before the functions with repository tests only)
cat "$T"/a/stages/repair/g0-r00-c*.repair.jsonl | jq -r .id | sort >"$T/ia"
jq -r .id "$T/c/repair_v1.jsonl" | sort >"$T/ic"
ok_if "and it keeps the first round's tasks ($(wc -l <"$T/ia"))" test -s "$T/ia" -a -z "$(comm -23 "$T/ia" "$T/ic")"
ok_if "reached, or said it could not ($rc, $n + $nc)" sh -c "test $rc = 0 -a $((n + nc)) -ge $((n + nr + 1)) || grep -q 'fewer than the target' '$T/c.log'"
"$DS" --out "$T/d" $F --target 0 --no-repair --cache "$T/a/cache" >"$T/d.log" 2>&1
ok_if "--no-repair: no repair tasks" test $? = 0 -a ! -s "$T/d/repair_v1.jsonl"
same "--no-repair: the same validated functions" "$T/d/synthetic_v1.jsonl" "$T/a/synthetic_v1.jsonl"
done_testing
