#!/bin/sh
# ls-split: grouped, hash-based, deterministic assignment.
. "$(dirname "$0")/../lib.sh"

# 2,000 function-like records in 60 repositories.
jq -nc 'range(0; 2000) | {id: "fn-\(. * 7919 % 10007)", repo: {name: "repo\(. % 60)"},
	kind: (["function", "method", "property"][. % 3]), prompt: "Do \(.).", code: "def f\(.)():\n    pass\n"}' >"$T/in.jsonl"

ls-split --quiet <"$T/in.jsonl" >"$T/a.jsonl"
ls-split --quiet <"$T/in.jsonl" >"$T/b.jsonl"
same "same input, same bytes" "$T/a.jsonl" "$T/b.jsonl"
jq -r .id "$T/in.jsonl" >"$T/in.ids"
jq -r .id "$T/a.jsonl" >"$T/a.ids"
same "every record out, in input order" "$T/a.ids" "$T/in.ids"
ok_if "every record has a split" test "$(jq -r .split "$T/a.jsonl" | sort | uniq | tr '\n' ' ')" = "test train val "
ok_if "no repository in two splits" test "$(jq -r '"\(.repo.name) \(.split)"' "$T/a.jsonl" | sort -u | cut -d' ' -f1 | uniq -d | wc -l)" = 0
ntrain=$(jq -r 'select(.split == "train") | .repo.name' "$T/a.jsonl" | sort -u | wc -l)
ok_if "about 80% of the 60 repositories in train ($ntrain)" test "$ntrain" -ge 38 -a "$ntrain" -le 58

# Files instead of a field: the same assignment.
ls-split --quiet --train "$T/tr" --val "$T/va" --test "$T/te" <"$T/in.jsonl" >"$T/rest"
ok_if "with three files nothing goes to stdout" test ! -s "$T/rest"
for s in train val test; do
	f=$T/tr; [ $s = val ] && f=$T/va; [ $s = test ] && f=$T/te
	jq -c "select(.split == \"$s\")" "$T/a.jsonl" >"$T/want.$s"
	same "--$s file holds the $s records" "$f" "$T/want.$s"
done
ls-split --quiet --test "$T/te2" <"$T/in.jsonl" >"$T/rest2"
ok_if "splits without a file go to stdout" test "$(jq -r .split "$T/rest2" | sort -u | tr '\n' ' ')" = "train val "
same "only --test: the same test file" "$T/te2" "$T/te"

# Adding records moves none: 500 more records (new and old repositories).
jq -nc 'range(2000; 2500) | {id: "fn-x\(.)", repo: {name: "repo\(. % 90)"}}' >"$T/more.jsonl"
cat "$T/more.jsonl" "$T/in.jsonl" | ls-split --quiet | jq -r 'select(.id | startswith("fn-x") | not) | "\(.id) \(.split)"' | sort >"$T/grown"
jq -r '"\(.id) \(.split)"' "$T/a.jsonl" | sort >"$T/orig"
same "adding records (before them) moves no existing record" "$T/grown" "$T/orig"

# The seed changes the assignment, deterministically.
ls-split --quiet --seed 5 <"$T/in.jsonl" >"$T/s5"
ls-split --quiet --seed 5 <"$T/in.jsonl" >"$T/s5b"
same "seed 5 twice: same bytes" "$T/s5" "$T/s5b"
ok_if "another seed, another assignment" sh -c "! cmp -s '$T/s5' '$T/a.jsonl'"

# --by: grouping by another expression; no value falls back to the id.
ls-split --quiet --by .kind <"$T/in.jsonl" >"$T/k"
ok_if "--by .kind: one split per kind" test "$(jq -r '"\(.kind) \(.split)"' "$T/k" | sort -u | wc -l)" = 3
ls-split --quiet --by .nothing --ratios 1,1,1 <"$T/in.jsonl" >"$T/n"
ok_if "--by without a value: records are their own group" test "$(jq -r .split "$T/n" | sort -u | wc -l)" = 3

# An existing split field is kept unless --resplit.
jq -c '.split = "test"' "$T/in.jsonl" | ls-split --quiet >"$T/pre"
ok_if "an existing split is kept" test "$(jq -r .split "$T/pre" | sort -u)" = test
jq -c '.split = "test"' "$T/in.jsonl" | ls-split --quiet --resplit >"$T/re"
same "--resplit assigns again" "$T/re" "$T/a.jsonl"

# Ratios.
ls-split --quiet --ratios 0,0,1 <"$T/in.jsonl" >"$T/r"
ok_if "--ratios 0,0,1: all test" test "$(jq -r .split "$T/r" | sort -u)" = test

# Sharding: shards split separately and concatenated are one run, as sets.
for k in 0 1 2; do ls-split --quiet --shard $k/3 <"$T/in.jsonl"; done | jq -r '"\(.id) \(.split)"' | sort >"$T/sh"
same "3 shards concatenated = one run" "$T/sh" "$T/orig"

# --limit counts records written to files too.
ls-split --quiet --limit 10 --train "$T/l1" --val "$T/l2" --test "$T/l3" <"$T/in.jsonl" >"$T/l4"
ok_if "--limit 10 over files and stdout" test "$(cat "$T/l1" "$T/l2" "$T/l3" "$T/l4" | wc -l)" = 10

# The stats table.
ls-split --stats "$T/stats" <"$T/in.jsonl" >/dev/null 2>"$T/err"
ok_if "stats: a total per split" test "$(grep -c '(all)' "$T/stats")" = 4
ok_if "stats: all records counted" grep -q "^all  *(all) *2000 " "$T/stats"
ok_if "stats: one row per repository" test "$(grep -vc '(all)' "$T/stats")" = 61
ok_if "--stats FILE: not on stderr" sh -c "! grep -q '^split ' '$T/err'"
ls-split <"$T/in.jsonl" >/dev/null 2>"$T/err2"
grep -v '^ls-split:' "$T/err2" >"$T/stats2"
same "without --stats the table goes to stderr" "$T/stats2" "$T/stats"
done_testing
