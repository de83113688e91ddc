#!/bin/sh
# pipelines/dataset --shard K/N: N shards concatenated equal one unsharded run
# (as sets of ids, split by split).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/dataset-lib.sh"
need_tools
make_corpus || { skip "cannot build the corpus"; done_testing; exit 0; }
DS=$TOP/pipelines/dataset

"$DS" --out "$T/all" --repos "$CORPUS" --target 0 --workers 2 >"$T/all.log" 2>&1
ok_if "unsharded run" test $? = 0
for k in 0 1 2; do
	"$DS" --out "$T/s$k" --repos "$CORPUS" --target 0 --workers 2 --shard $k/3 \
		--cache "$T/all/cache" >"$T/s$k.log" 2>&1
	ok_if "shard $k/3" test $? = 0
done
for f in synthetic_v1 train val test; do
	cat "$T"/s[012]/$f.jsonl | jq -r .id | sort >"$T/sharded.$f"
	jq -r .id "$T/all/$f.jsonl" | sort >"$T/whole.$f"
	same "$f: 3 shards = one run (ids)" "$T/sharded.$f" "$T/whole.$f"
done
ok_if "the shards are disjoint and not empty" sh -c "for k in 0 1 2; do test -s '$T/s'\$k/synthetic_v1.jsonl || exit 1; done; test \$(sort -u '$T/sharded.synthetic_v1' | wc -l) = \$(wc -l <'$T/sharded.synthetic_v1')"
done_testing
