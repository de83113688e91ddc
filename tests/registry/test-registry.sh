#!/bin/sh
# ls-registry: register, list, best, promote, roll back, audit; crash safety
# under kill -9 and concurrent writers.
. "$(dirname "$0")/../lib.sh"

export SOURCE_DATE_EPOCH=1700000000 LS_REGISTRY=$T/reg.db
cd "$T" || exit 70
mkdir -p base a1 a2
echo '{"model_type":"llama"}' >base/config.json
echo weights >base/model.safetensors
for v in 1 2; do
	echo '{"peft_type":"LORA","r":8}' >a$v/adapter_config.json
	echo "adapter $v" >a$v/adapter_model.safetensors
	echo "{\"suite\":{\"pass_rate\":0.$((v + 3))},\"loss\":$((3 - v))}" >m$v.json
done
printf '{"id":"a","split":"train","category":"strings"}\n{"id":"b","split":"train","category":"math"}\n{"id":"c","split":"train","category":"math"}\n' >train.jsonl

ok_if "register a model" ls-registry --quiet register base base
ls-registry --quiet register lora a1 --base base --data train.jsonl --metrics m1.json >v1.json
ok_if "register an adapter: its name is lora@v1" jq_true '.id == "lora@v1" and .version == 1' v1.json
ok_if "the kind is guessed from adapter_config.json" jq_true '.kind == "adapter"' v1.json
ok_if "its config is the adapter's own" jq_true '.config.r == 8' v1.json
ok_if "the data manifest counts records and categories" \
	jq_true '.data[0].records == 3 and .data[0].by_category.math == 2 and (.data[0].hash | length) == 32' v1.json
ok_if "every file has a content hash" jq_true '[.files[].hash | length] == [32, 32]' v1.json
ls-registry --quiet register lora a2 --base base --metrics m2.json --actor ci >v2.json
ok_if "the next version is lora@v2, made by ci" jq_true '.id == "lora@v2" and .actor == "ci"' v2.json
ok_if "different files, different hashes" test "$(jq -r .hash v1.json)" != "$(jq -r .hash v2.json)"

ls-registry --quiet list >list.jsonl
ok_if "list: three versions, oldest first by name" test "$(jq -r .id list.jsonl | tr '\n' ' ')" = "base@v1 lora@v1 lora@v2 "
ok_if "list NAME" test "$(ls-registry --quiet list lora | jq -r .id | tr '\n' ' ')" = "lora@v1 lora@v2 "
ok_if "list --table" sh -c 'ls-registry --quiet list --table | grep -q "^lora@v2 *adapter"'
ok_if "show NAME is the latest" test "$(ls-registry --quiet show lora | jq -r .id)" = lora@v2
ok_if "best by a metric path" test "$(ls-registry --quiet best suite.pass_rate | jq -r .id)" = lora@v2
ok_if "best --minimize" test "$(ls-registry --quiet best loss --minimize | jq -r .id)" = lora@v2
ok_if "best of a metric nobody has is an error (65)" sh -c 'ls-registry --quiet best nope 2>/dev/null; test $? = 65'

ls-registry --quiet compare lora@v1 lora@v2 >cmp.json
ok_if "compare: the delta of each metric" jq_true '.metrics["suite.pass_rate"].delta == 0.1 and .same_files == false' cmp.json

ok_if "no default before a promotion" test -z "$(ls-registry --quiet default)"
ls-registry --quiet promote lora@v1 --reason first --models models.json >/dev/null
ok_if "promote writes the models file's default" jq_true '.default == "lora@v1"' models.json
ok_if "an adapter's entry names its base's directory" \
	jq_true ".models[\"lora@v1\"].path == \"$T/base\" and .models[\"lora@v1\"].adapter == \"$T/a1\"" models.json
ls-registry --quiet promote lora@v2 --models models.json >/dev/null
ok_if "promote again" test "$(ls-registry --quiet default | jq -r .id)" = lora@v2
ls-registry --quiet rollback --reason "worse on the suite" --models models.json >rb.json
ok_if "rollback: the previous default is back" test "$(jq -r .id rb.json)" = lora@v1
ok_if "rollback: the models file follows" jq_true '.default == "lora@v1"' models.json
ok_if "list marks the default" test "$(ls-registry --quiet list | jq -r 'select(.default) | .id')" = lora@v1
ls-registry --quiet log decision lora@v2 --detail '{"retrain":false,"why":"too few new examples"}' >/dev/null
ls-registry --quiet audit >audit.jsonl
ok_if "the audit trail holds every change in order" \
	test "$(jq -r '"\(.event):\(.version)"' audit.jsonl | tr '\n' ' ')" = \
	"register:base@v1 register:lora@v1 register:lora@v2 promote:lora@v1 promote:lora@v2 rollback:lora@v2 decision:lora@v2 "
ok_if "a rollback records why and where to" jq_true 'select(.event == "rollback") | .detail == {"reason":"worse on the suite","to":"lora@v1"}' audit.jsonl
ok_if "audit KIND" test "$(ls-registry --quiet audit promote | wc -l)" = 2

# Errors: clear, with the usual exit codes, and nothing written.
ok_if "unknown command: 64" sh -c 'ls-registry frob 2>/dev/null; test $? = 64'
ok_if "unknown version: 65" sh -c 'ls-registry show lora@v9 2>err; test $? = 65 && grep -q "lora@v9: no such version" err'
ok_if "promote of an unknown version changes nothing" sh -c 'ls-registry promote nope 2>/dev/null; test $? = 65 && test "$(ls-registry --quiet default | jq -r .id)" = lora@v1'
ok_if "a missing directory: 65, nothing registered" sh -c 'ls-registry register x nodir 2>/dev/null; test $? = 65 && test -z "$(ls-registry --quiet list x)"'
ok_if "a record-stream flag is refused: -j, --limit, --rejects (64)" sh -c 'for f in "-j 2" "--limit 1" "--rejects r.jsonl"; do ls-registry $f list 2>err; test $? = 64 && grep -q "unknown option" err || exit 1; done'
ok_if "--help lists none of them" sh -c '! ls-registry --help | grep -Eq -- "--(jobs|limit|shard|on-error|rejects|cache|progress)"'
ok_if "bad --detail: 64" sh -c "ls-registry log note --detail '[1' 2>/dev/null; test \$? = 64"
ok_if "a name with @ is refused" sh -c 'ls-registry register a@b a1 2>/dev/null; test $? = 64'
echo '{not json' >bad.json
ok_if "a models file that is not JSON is not overwritten" sh -c 'ls-registry promote lora@v2 --models bad.json 2>/dev/null; test $? = 74 && test "$(cat bad.json)" = "{not json"'
ok_if "... and the default did not change" test "$(ls-registry --quiet default | jq -r .id)" = lora@v1
ls-registry --quiet register nobase a1 >/dev/null
ok_if "an adapter without --base cannot go into a models file: 74, nothing promoted" sh -c 'ls-registry promote nobase --models models.json 2>err; test $? = 74 && grep -q "registered without --base" err && test "$(ls-registry --quiet default | jq -r .id)" = lora@v1'
ok_if "check: ok" test "$(ls-registry --quiet check | jq -r .check)" = ok

# Crash safety: writers killed with SIGKILL at random moments never leave a
# half-registered version (each version has all its files and its event),
# and versions stay numbered 1..N without gaps.
mkdir big
i=0; while [ $i -lt 400 ]; do echo "$i" >big/f$i; i=$((i + 1)); done
export LS_REGISTRY=$T/crash.db
k=0
while [ $k -lt 25 ]; do
	( while :; do ls-registry --quiet register big big >/dev/null 2>&1 &&
		ls-registry --quiet promote big >/dev/null 2>&1; done ) &
	w=$!
	sleep "0.0$(( (k * 37) % 9 + 1 ))"
	pkill -KILL -P $w 2>/dev/null; kill -KILL $w 2>/dev/null; wait $w 2>/dev/null
	k=$((k + 1))
done
ls-registry --quiet check >check.json 2>&1
ok_if "after 25 kill -9s: integrity and invariants ok" jq_true '.check == "ok"' check.json
n=$(ls-registry --quiet list big | wc -l)
ok_if "versions 1..$n without gaps" test "$(ls-registry --quiet list big | jq -r .version | tr '\n' ' ')" = "$(seq 1 "$n" | tr '\n' ' ')"
ok_if "every version has its 400 files" test "$(ls-registry --quiet list big | jq -r '.files | length' | sort -u)" = 400
report "registry: $n versions registered between 25 kill -9s"

# Concurrent writers queue on the lock: 4 x 5 registrations, 20 versions.
export LS_REGISTRY=$T/conc.db
for w in 1 2 3 4; do
	( j=0; while [ $j -lt 5 ]; do ls-registry --quiet register c a1 --actor "w$w" >/dev/null || echo fail; j=$((j + 1)); done ) >conc$w.out &
done
wait
ok_if "concurrent writers: no failures" test ! -s conc1.out -a ! -s conc2.out -a ! -s conc3.out -a ! -s conc4.out
ok_if "concurrent writers: versions 1..20, each once" test "$(ls-registry --quiet list c | jq -r .version | tr '\n' ' ')" = "$(seq 1 20 | tr '\n' ' ')"
ok_if "concurrent writers: check ok" test "$(ls-registry --quiet check | jq -r .check)" = ok
done_testing
