#!/bin/sh
# ls-infer --endpoint against a local OpenAI-compatible server (fake-openai.py):
# the request, the key, retries with backoff, the concurrency limit, errors.
. "$(dirname "$0")/../lib.sh"
[ -x "$PY" ] || { skip_dep "no $PY"; done_testing; exit; }
"$PY" "$TOP/tests/infer/fake-openai.py" "$T/port" sekrit & srv=$!
trap 'kill $srv 2>/dev/null; rm -rf "$T"' EXIT
i=0; while [ ! -s "$T/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
url=http://127.0.0.1:$(cat "$T/port")/v1

cat >"$T/in.jsonl" <<'X'
{"id":"1","prompt":"add two numbers"}
{"id":"2","instruction":"You write Python.","input":"reverse a list"}
{"id":"3","messages":[{"role":"user","content":"FLAKY one"},{"role":"assistant","content":"ref"}]}
{"id":"4","prompt":"BROKEN"}
{"id":"5","prompt":"a b c d e f g h"}
{"id":"6","prompt":"say STOP here"}
X
OPENAI_API_KEY=sekrit ls-infer --endpoint "$url" --model fake-1 --concurrency 2 --stop STOP \
	-n 5 <"$T/in.jsonl" >"$T/out.jsonl" 2>"$T/err"
ok_if "exit status 0 with an error record" test $? = 0
jq -c 'del(.latency_ms)' "$T/out.jsonl" >"$T/got"
cat >"$T/want" <<'X'
{"id":"1","prompt":"add two numbers","completion":"echo: add two numbers","model":"fake-1","adapter":null,"tokens_in":3,"tokens_out":4,"finish_reason":"stop"}
{"id":"2","instruction":"You write Python.","input":"reverse a list","completion":"echo: reverse a list [system:","model":"fake-1","adapter":null,"tokens_in":6,"tokens_out":5,"finish_reason":"length"}
{"id":"3","messages":[{"role":"user","content":"FLAKY one"},{"role":"assistant","content":"ref"}],"completion":"echo: FLAKY one","model":"fake-1","adapter":null,"tokens_in":2,"tokens_out":3,"finish_reason":"stop"}
{"id":"4","prompt":"BROKEN","error":{"tool":"ls-infer","code":"endpoint","message":"URL: HTTP 400: this prompt is broken"}}
{"id":"5","prompt":"a b c d e f g h","completion":"echo: a b c d","model":"fake-1","adapter":null,"tokens_in":8,"tokens_out":5,"finish_reason":"length"}
{"id":"6","prompt":"say STOP here","completion":"echo: say ","model":"fake-1","adapter":null,"tokens_in":3,"tokens_out":2,"finish_reason":"stop"}
X
sed "s|$url/chat/completions|URL|" "$T/got" >"$T/got2"
same "records in order, fields added, a retried request succeeds, a 400 is an error record" "$T/got2" "$T/want"
ok_if "latency_ms is a number" sh -c "jq -e 'select(.error == null) | .latency_ms >= 0' '$T/out.jsonl' >/dev/null"
curl -s "$url/../stats" >"$T/stats"
ok_if "never more than --concurrency requests in flight" jq -e '.max_concurrent <= 2 and .max_concurrent >= 1' "$T/stats"
ok_if "FLAKY took three attempts (two retries)" jq -e '.requests == 8' "$T/stats"

OPENAI_API_KEY=wrong ls-infer --endpoint "$url" --model fake-1 --retries 0 <"$T/in.jsonl" >"$T/out2" 2>/dev/null
ok_if "a wrong key is reported on each record" sh -c "jq -r '.error.message' '$T/out2' | grep -c 'HTTP 401: bad api key' | grep -qx 6"
MY_KEY=sekrit ls-infer --endpoint "$url" --api-key-env MY_KEY --model fake-1 --input-field q.text \
	--system "be brief" <<'X' >"$T/out3" 2>/dev/null
{"q":{"text":"nested"}}
X
ok_if "--input-field path, --system, --api-key-env" jq -e '.completion == "echo: nested [system: be brief]"' "$T/out3"
ls-infer --endpoint http://127.0.0.1:1/v1 --model x --retries 1 <<'X' >"$T/out4" 2>/dev/null
{"prompt":"p"}
X
ok_if "an unreachable server: an error record after retries" \
	sh -c "jq -r .error.message '$T/out4' | grep -q 'after 2 attempts'"
done_testing
