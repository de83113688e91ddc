#!/bin/sh
# pipelines/dataset --shard K/N: N shards concatenated equal one unsharded run
# (as sets of ids, split by split; merged by id, byte for byte).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/dataset-lib.sh"
need_tools
make_corpus || { skip_dep "cannot build the corpus"; done_testing; exit 0; }
DS=$TOP/pipelines/dataset

"$DS" --out "$T/all" --repos "$CORPUS" --target 0 --workers 2 --no-repair >"$T/all.log" 2>&1
ok_if "unsharded run" test $? = 0
for k in 0 1 2; do
	"$DS" --out "$T/s$k" --repos "$CORPUS" --target 0 --workers 2 --no-repair --shard $k/3 \
		--cache "$T/all/cache" >"$T/s$k.log" 2>&1
	ok_if "shard $k/3" test $? = 0
done
for f in synthetic_v1 train val test; do
	cat "$T"/s[012]/$f.jsonl | jq -r .id | sort >"$T/sharded.$f"
	jq -r .id "$T/all/$f.jsonl" | sort >"$T/whole.$f"
	same "$f: 3 shards = one run (ids)" "$T/sharded.$f" "$T/whole.$f"
done
# The merge of docs/SCALING.md: the bytes of one run.
mkdir -p "$T/m"
cat "$T"/s[012]/synthetic_v1.jsonl | jq -r '"\(.id)\t\(tojson)"' |
	LC_ALL=C sort -s -t "$(printf '\t')" -k1,1 | cut -f2- >"$T/m/synthetic_v1.jsonl"
ls-split --quiet --train "$T/m/train.jsonl" --val "$T/m/val.jsonl" --test "$T/m/test.jsonl" <"$T/m/synthetic_v1.jsonl"
for f in synthetic_v1 train val test; do
	same "merged as in SCALING.md: $f bytes = one run" "$T/m/$f.jsonl" "$T/all/$f.jsonl"
done
ok_if "the shards are disjoint and not empty" sh -c "for k in 0 1 2; do test -s '$T/s'\$k/synthetic_v1.jsonl || exit 1; done; test \$(sort -u '$T/sharded.synthetic_v1' | wc -l) = \$(wc -l <'$T/sharded.synthetic_v1')"
done_testing
