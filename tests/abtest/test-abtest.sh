#!/bin/sh
# ls-abtest on hand-made verdict files (tests/abtest/base.jsonl, ft.jsonl):
# 12 paired tasks, 1 passed only by base and 7 only by ft (McNemar exact
# p = 18/256, mid-p = 10/256), and one record for each way of being left out.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 1
A=tests/abtest/base.jsonl F=tests/abtest/ft.jsonl

ls-abtest "$A" "$F" >"$T/r.md" 2>"$T/err"
ok_if "exit 0" test $? = 0
same "the Markdown report (tests/abtest/expected.md)" "$T/r.md" tests/abtest/expected.md
ls-abtest "$A" "$F" >"$T/r2.md" 2>/dev/null
same "the same input gives the same bytes" "$T/r2.md" "$T/r.md"
ok_if "one summary line: paired and left out" grep -q '^ls-abtest: 29 in, 1 out, 0 rejected, 0 errors, 12 paired, 5 left out' "$T/err"

ls-abtest --json "$A" "$F" >"$T/j" 2>/dev/null
ok_if "--json: one record" test "$(wc -l <"$T/j")" = 1
ok_if "passes, discordant pairs, McNemar exact and mid-p" jq -e '.overall.passed == [5, 11] and
	.overall.discordant == [1, 7] and (.overall.mcnemar.exact - 18/256 | fabs) < 1e-12 and
	(.overall.mcnemar.mid_p - 10/256 | fabs) < 1e-12 and .overall.n == 12' "$T/j"
ok_if "no significant difference at alpha 0.05" jq -e '.verdict.better == null' "$T/j"
ok_if "every record accounted for: paired twice, or left out with a reason" jq -e \
	'(.input.records | add) == 2 * .input.paired + ([.input.left_out[].count] | add)' "$T/j"
ok_if "left out: no id, no verdict, duplicate id, no partner, each with an example" jq -e \
	'[.input.left_out[] | [.reason, .count, .example]] == [["no id", 1, "tests/abtest/base.jsonl:14"],
	 ["no verdict", 1, "t14"], ["duplicate id", 1, "t01"], ["no partner with a verdict", 2, "t14"]]' "$T/j"
ok_if "failure categories that grew and shrank (an exception by its type), with examples" jq -e '
	(.failures | map({(.category): .change}) | add) ==
	 {"failed/wrong_output": -4, "error/syntax_error": -2, "failed/exception:IndexError": 1, "timeout/cpu_time": -1}
	and (.failures[] | select(.category == "failed/exception:IndexError") | .example[1].id) == "t05"' "$T/j"
ok_if "latency p50/p95 (type 7 percentiles) and tokens" jq -e '.usage.latency_ms.p50 == [155, 245] and
	(.usage.latency_ms.p95[0] - 560 | fabs) < 1e-9 and (.usage.latency_ms.p95[1] - 294.5 | fabs) < 1e-9
	and .usage.tokens.out_mean == [21, 8] and .usage.tokens.in_mean == [25, 25]' "$T/j"
ok_if "breakdowns by category and difficulty, Holm-adjusted" jq -e '[.groups[].by] == ["category", "difficulty"]
	and ([.groups[0].rows[].p_holm | . - 0.5 | fabs < 1e-12] == [true, true])' "$T/j"

ls-abtest --json --alpha 0.1 "$A" "$F" 2>/dev/null | jq -c .verdict >"$T/v"
ok_if "at alpha 0.1: ft better" grep -q '"better":"ft"' "$T/v"
ls-abtest --json --alpha 0.1 "$F" "$A" 2>/dev/null >"$T/swap"
ok_if "sides swapped: the discordant pairs swap, the winner stays ft" jq -e \
	'.verdict.better == "ft" and .overall.discordant == [7, 1] and .overall.diff < 0' "$T/swap"
for s in 0 1 2 3 4; do ls-abtest --json --seed $s --resamples 7 "$A" "$F" 2>/dev/null | jq -c .overall.diff_ci; done |
	sort -u | wc -l >"$T/nseeds"
ls-abtest --json --seed 3 "$A" "$F" 2>/dev/null | jq -c '.overall | [.diff, .bootstrap.seed]' >"$T/s3"
ok_if "--seed: other seeds draw other resamples; the seed is in the report" sh -c \
	"[ \$(cat '$T/nseeds') -gt 1 ] && [ \"\$(cat '$T/s3')\" = '[0.5,3]' ]"
ok_if "the bootstrap interval holds the observed difference" jq -e \
	'.overall.diff_ci[0] <= .overall.diff and .overall.diff <= .overall.diff_ci[1]' "$T/j"

# one stream with a model field gives the same statistics
{ jq -c '. + {run: "base"}' "$A"; jq -c '. + {run: "ft"}' "$F"; echo '{"id":"t01","run":"other"}'; } >"$T/one.jsonl"
ls-abtest --json --by run <"$T/one.jsonl" >"$T/by" 2>/dev/null
ok_if "--by run: the same statistics as two files" sh -c \
	"[ \"\$(jq -c '.overall, .groups, .failures, .models' '$T/by')\" = \"\$(jq -c '.overall, .groups, .failures, .models' '$T/j')\" ]"
ok_if "--by run: a third model is counted, not dropped" jq -e \
	'.input.left_out[] | select(.reason == "another model") | .count == 1 and .example == "other"' "$T/by"
ls-abtest --json --by run --names ft,base <"$T/one.jsonl" 2>/dev/null >"$T/by2"
ok_if "--names picks which value is A" jq -e '.models == ["ft", "base"] and .overall.discordant == [7, 1]' "$T/by2"

# per-group tests: a category where B is far better, one where they tie
awk 'BEGIN { for (i = 0; i < 40; i++) {
	c = i < 20 ? "x" : "y"; pa = (i < 20) ? (i < 2) : (i % 2); pb = (i < 20) ? 1 : (i % 2)
	printf "{\"id\":\"g%02d\",\"category\":\"%s\",\"grp\":%d,\"exec\":{\"status\":\"%s\"}}\n", i, c, i % 3, pa ? "passed" : "failed" > "/dev/stderr"
	printf "{\"id\":\"g%02d\",\"category\":\"%s\",\"grp\":%d,\"exec\":{\"status\":\"%s\"}}\n", i, c, i % 3, pb ? "passed" : "failed" } }' \
	2>"$T/ga.jsonl" >"$T/gb.jsonl"
ls-abtest --json --group-by grp "$T/ga.jsonl" "$T/gb.jsonl" >"$T/g" 2>/dev/null
ok_if "per group: x significant after Holm, y not; B better overall" jq -e '
	(.groups[0].rows | map({(.value): .significant}) | add) == {"x": true, "y": false}
	and (.groups[0].rows[0].p_holm - ([.groups[0].rows[].mcnemar.exact] | min) * 2 | fabs) < 1e-12
	and .verdict.better == "gb"' "$T/g"
ok_if "--group-by a number field: rows 0, 1, 2" jq -e '[.groups[] | select(.by == "grp") | .rows[].value] == ["0", "1", "2"]' "$T/g"
ls-abtest "$T/ga.jsonl" "$T/gb.jsonl" 2>/dev/null | grep '^| x |' >"$T/gx"
ok_if "the Markdown row marks x with *" grep -q ' \*' "$T/gx"

# errors
{ cat "$A"; echo '{not json'; } >"$T/bad.jsonl"
ls-abtest "$T/bad.jsonl" "$F" >"$T/bad.md" 2>"$T/bad.err"
ok_if "a malformed line: exit 65, FILE:LINE named, the report still written" sh -c \
	"[ $? = 65 ] && grep -q 'bad.jsonl:16' '$T/bad.err' && grep -q 'Verdict' '$T/bad.md'"
echo '{"id":"z","exec":{"status":"passed"}}' >"$T/z.jsonl"
ls-abtest "$T/z.jsonl" "$F" >/dev/null 2>"$T/np.err"
ok_if "no pairs: exit 65 and a clear message" sh -c "[ $? = 65 ] && grep -q 'no task has a verdict from both' '$T/np.err'"
ls-abtest "$A" >/dev/null 2>&1
ok_if "one file without --by: usage error 64" test $? = 64
ls-abtest --alpha 2 "$A" "$F" >/dev/null 2>&1
ok_if "--alpha 2: usage error 64" test $? = 64
ls-abtest --names a "$A" "$F" >/dev/null 2>&1
ok_if "--names with one name: usage error 64" test $? = 64
ls-abtest "$A" "$T/missing.jsonl" >/dev/null 2>"$T/m.err"
ok_if "a missing file: named, non-zero exit" sh -c "[ $? != 0 ] && grep -q missing.jsonl '$T/m.err'"

if command -v gnuplot >/dev/null; then
	ls-abtest --plot "$T/plot" "$A" "$F" >/dev/null 2>&1
	ok_if "--plot: success and discordant charts as PNG and SVG" sh -c \
		"head -c 4 '$T/plot/success.png' | grep -q PNG && head -c 4 '$T/plot/discordant.png' | grep -q PNG &&
		 grep -q '<svg' '$T/plot/success.svg' && grep -q '<svg' '$T/plot/discordant.svg'"
else
	skip "gnuplot not installed"
fi
done_testing
