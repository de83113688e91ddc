#!/bin/sh
# ls-split --max-per-group: which records are kept does not depend on their order.
. "$(dirname "$0")/../lib.sh"

jq -nc 'range(0; 600) | {id: "fn-\(.)", repo: {name: "r\(. % 7)"}, kind: (["function", "method", "property", "async"][. * . % 4])}' >"$T/in.jsonl"

ls-split --quiet --balance-by .kind --max-per-group 50 --rejects "$T/rej" <"$T/in.jsonl" >"$T/a"
ok_if "at most 50 per kind" test "$(jq -r .kind "$T/a" | sort | uniq -c | awk '$1 > 50' | wc -l)" = 0
ok_if "kinds with more keep exactly 50" test "$(jq -r .kind "$T/a" | sort | uniq -c | awk '$1 == 50' | wc -l)" -ge 2
ok_if "kept + dropped = input" test $(($(wc -l <"$T/a") + $(wc -l <"$T/rej"))) = 600
ok_if "dropped records say why" test "$(jq -r .rejected.code "$T/rej" | sort -u)" = balanced

# Reversed input: the same records kept, in the new input order.
tac "$T/in.jsonl" | ls-split --quiet --balance-by .kind --max-per-group 50 >"$T/b"
jq -r .id "$T/a" | sort >"$T/a.ids"
jq -r .id "$T/b" | sort >"$T/b.ids"
same "reversed input keeps the same records" "$T/b.ids" "$T/a.ids"
tac "$T/b" >"$T/b.rev"
same "and writes them in input order" "$T/b.rev" "$T/a"

# Another seed keeps other records.
ls-split --quiet --balance-by .kind --max-per-group 50 --seed 3 <"$T/in.jsonl" | jq -r .id | sort >"$T/c.ids"
ok_if "another seed keeps other records" sh -c "! cmp -s '$T/c.ids' '$T/a.ids'"

# Default balance group: the --by group (the repository).
ls-split --quiet --max-per-group 10 <"$T/in.jsonl" >"$T/d"
ok_if "default balance group is the repository" test "$(jq -r .repo.name "$T/d" | sort | uniq -c | awk '$1 == 10' | wc -l)" = 7
ls-split --quiet --max-per-group 10 <"$T/in.jsonl" >"$T/d2"
same "balanced output is deterministic" "$T/d2" "$T/d"

# Stats show what was dropped.
ls-split --balance-by .kind --max-per-group 50 --stats "$T/st" <"$T/in.jsonl" >/dev/null 2>&1
ok_if "stats count the dropped" grep -q "^all  *(all) *$(wc -l <"$T/a") *100.0% *$(wc -l <"$T/rej")\$" "$T/st"

ls-split --quiet --balance-by .kind <"$T/in.jsonl" >/dev/null 2>&1
ok_if "--balance-by without --max-per-group is a usage error" test $? = 64
done_testing
