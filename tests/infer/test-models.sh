#!/bin/sh
# ls-infer --use NAME: models by name from a models file (lib/model/models.c):
# the same completions as the flags it stands for, the file's default,
# relative paths, and clear errors for unknown names, bad files and
# endpoints that cannot be reached.
. "$(dirname "$0")/../lib.sh"
mk=$B/tests/test_mkmodel
tok=$TOP/tests/fixtures/tiny-tokenizer.json
mkdir -p "$T/zoo"
"$mk" "$T/zoo/m" --tokenizer "$tok" --adapter "$T/zoo/a" --std 0.3 --dim 64 --layers 2 >/dev/null 2>&1
cat >"$T/zoo/models.json" <<'X'
{"default": "base",
 "models": {
   "base": {"path": "m"},
   "ft": {"path": "m", "adapter": "a"},
   "ft-merged": {"path": "m", "adapter": "a", "merge": true},
   "down": {"endpoint": "http://127.0.0.1:1/v1", "model": "x"},
   "keyless": {"endpoint": "http://127.0.0.1:1/v1", "model": "x", "api_key_env": "LS_TEST_NO_SUCH_VAR"}}}
X
printf '{"id":"a","prompt":"def add(a, b):"}\n{"id":"b","prompt":"reverse a list"}\n' >"$T/in.jsonl"
noms() { jq -c 'del(.latency_ms)'; }
M=$T/zoo/models.json

ls-infer --model "$T/zoo/m" --adapter "$T/zoo/a" -n 8 <"$T/in.jsonl" 2>/dev/null | noms >"$T/want-ft"
(cd / && ls-infer --models "$M" --use ft -n 8 <"$T/in.jsonl" 2>/dev/null) | noms >"$T/got-ft"
same "--use ft: what --model and --adapter give (paths relative to the file)" "$T/got-ft" "$T/want-ft"
ls-infer --models "$M" --use ft-merged -n 8 <"$T/in.jsonl" 2>/dev/null | noms >"$T/got-ftm"
same "--use ft-merged: the merged adapter, the same completions" "$T/got-ftm" "$T/want-ft"
ls-infer --model "$T/zoo/m" -n 8 <"$T/in.jsonl" 2>/dev/null | noms >"$T/want-base"
LS_MODELS=$M ls-infer -n 8 <"$T/in.jsonl" 2>/dev/null | noms >"$T/got-env"
same "no --model: the default of \$LS_MODELS" "$T/got-env" "$T/want-base"
(cd "$T/zoo" && ls-infer -n 8 <"$T/in.jsonl" 2>/dev/null) | noms >"$T/got-cwd"
same "no --model: the default of ./models.json" "$T/got-cwd" "$T/want-base"
ok_if "the base is not the fine-tuned model" sh -c "! cmp -s '$T/want-base' '$T/want-ft'"
(cd "$T/zoo" && ls-infer --model m -n 8 <"$T/in.jsonl" 2>/dev/null) | noms >"$T/got-explicit"
same "--model given: the file's default is not used" "$T/got-explicit" "$T/want-base"

ls-infer --models "$M" --use nope <"$T/in.jsonl" >/dev/null 2>"$T/e1"
ok_if "an unknown name: exit 64, the names the file has" sh -c \
	"[ $? = 64 ] && grep -q \"unknown model 'nope' (the file names: base, ft, ft-merged, down, keyless)\" '$T/e1'"
ls-infer --models "$M" --use down <"$T/in.jsonl" >/dev/null 2>"$T/e2"
ok_if "an endpoint that cannot be reached: exit 69, said before any record" sh -c \
	"[ $? = 69 ] && grep -q \"model 'down': endpoint 'http://127.0.0.1:1/v1' cannot be reached\" '$T/e2'"
ls-infer --models "$M" --use keyless <"$T/in.jsonl" >/dev/null 2>"$T/e3"
ok_if "a key variable that is not set: exit 69, named" sh -c "[ $? = 69 ] && grep -q LS_TEST_NO_SUCH_VAR '$T/e3'"
ls-infer --models "$M" --use ft --model "$T/zoo/m" <"$T/in.jsonl" >/dev/null 2>&1
ok_if "--use with --model: usage error" test $? = 64
ls-infer --models "$T/none.json" --use ft <"$T/in.jsonl" >/dev/null 2>"$T/e4"
ok_if "a models file that does not exist: exit 66" sh -c "[ $? = 66 ] && grep -q none.json '$T/e4'"
(cd "$T" && ls-infer <"$T/in.jsonl" >/dev/null 2>"$T/e5")
ok_if "no model, no models file: --model is required" sh -c "[ $? = 64 ] && grep -q 'model is required' '$T/e5'"
echo '{"models": {"x": {"path": "m", "adaptor": "a"}}}' >"$T/bad.json"
ls-infer --models "$T/bad.json" --use x <"$T/in.jsonl" >/dev/null 2>"$T/e6"
ok_if "a key the format does not have: exit 65, named" sh -c "[ $? = 65 ] && grep -q \"unknown key 'adaptor'\" '$T/e6'"
echo '{"models": {"x": {"path": "m", "endpoint": "http://h/v1", "model": "y"}}}' >"$T/bad2.json"
ls-infer --models "$T/bad2.json" --use x <"$T/in.jsonl" >/dev/null 2>"$T/e7"
ok_if "both path and endpoint: exit 65" sh -c "[ $? = 65 ] && grep -q \"either 'path'\" '$T/e7'"
echo '{"default": "gone", "models": {}}' >"$T/bad3.json"
ls-infer --models "$T/bad3.json" <"$T/in.jsonl" >/dev/null 2>"$T/e8"
ok_if "a default that names no model: exit 65" sh -c "[ $? = 65 ] && grep -q \"unknown model 'gone' as the default\" '$T/e8'"
echo '{"models": ' >"$T/bad4.json"
ls-infer --models "$T/bad4.json" --use x <"$T/in.jsonl" >/dev/null 2>"$T/e9"
ok_if "a file that is not JSON: exit 65" sh -c "[ $? = 65 ] && grep -q 'bad4.json: not JSON' '$T/e9'"

# an endpoint by name gives what --endpoint gives
if [ -x "$PY" ]; then
	"$PY" "$TOP/tests/infer/fake-openai.py" "$T/port" sekrit & srv=$!
	trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
	i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	url=http://127.0.0.1:$(cat "$T/port")/v1
	printf '{"models": {"remote": {"endpoint": "%s", "model": "fake-1", "api_key_env": "MY_KEY"}}, "default": "remote"}\n' \
		"$url" >"$T/remote.json"
	MY_KEY=sekrit ls-infer --endpoint "$url" --model fake-1 --api-key-env MY_KEY -n 5 <"$T/in.jsonl" 2>/dev/null | noms >"$T/want-r"
	MY_KEY=sekrit ls-infer --models "$T/remote.json" --use remote -n 5 <"$T/in.jsonl" 2>/dev/null | noms >"$T/got-r"
	same "--use remote: what --endpoint, --model and --api-key-env give" "$T/got-r" "$T/want-r"
	ok_if "the endpoint's completions (not errors)" sh -c "jq -e '.completion | startswith(\"echo:\")' '$T/got-r' >/dev/null"
	kill $srv 2>/dev/null
else
	skip "no $PY"
fi
done_testing
