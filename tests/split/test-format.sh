#!/bin/sh
# ls-split --format: instruction and chat examples for the ir and code tasks.
. "$(dirname "$0")/../lib.sh"

cat >"$T/in.jsonl" <<'J'
{"id":"fn-a","repo":{"name":"r"},"split":"train","prompt":"Add a and b.","code":"def add(a, b):\n    return a + b\n","ir":{"signature":{"name":"add"},"intent":{"summary":"add two numbers"},"quality":{"score":1}}}
{"id":"fn-b","repo":{"name":"r"},"split":"val","prompt":"Negate x.","code":"def neg(x):\n    return -x\n","ir":{"intent":{"summary":"negate a number"}}}
{"id":"fn-c","repo":{"name":"r"},"split":"test","code":"def f():\n    pass\n"}
J

ls-split --quiet --on-error skip --format instruction --task ir --rejects "$T/rej" <"$T/in.jsonl" >"$T/ir" 2>/dev/null
cat >"$T/want" <<'J'
{"id":"fn-a","split":"train","task":"ir","instruction":"I","input":"Add a and b.","output":"{\"intent\":{\"summary\":\"add two numbers\"},\"signature\":{\"name\":\"add\"}}"}
{"id":"fn-b","split":"val","task":"ir","instruction":"I","input":"Negate x.","output":"{\"intent\":{\"summary\":\"negate a number\"}}"}
J
jq -c '.instruction = "I"' "$T/ir" >"$T/ir.i"
same "instruction, ir: prompt in, sorted IR out, id and split kept" "$T/ir.i" "$T/want"
ok_if "a record without a prompt is rejected" test "$(jq -r '"\(.id) \(.error.code)"' "$T/rej")" = "fn-c missing-field"
ok_if "the default instruction mentions the IR" test "$(jq -r .instruction "$T/ir" | sort -u | grep -c IR)" = 1

ls-split --quiet --on-error skip --format chat --task code --instruction 'You write Python.' <"$T/in.jsonl" >"$T/chat" 2>/dev/null
cat >"$T/want" <<'J'
{"id":"fn-a","split":"train","task":"code","messages":[{"role":"system","content":"You write Python."},{"role":"user","content":"Add a and b."},{"role":"assistant","content":"def add(a, b):\n    return a + b\n"}]}
{"id":"fn-b","split":"val","task":"code","messages":[{"role":"system","content":"You write Python."},{"role":"user","content":"Negate x."},{"role":"assistant","content":"def neg(x):\n    return -x\n"}]}
J
same "chat, code, own instruction" "$T/chat" "$T/want"

ls-split --quiet --on-error skip --format instruction --task code --input ir <"$T/in.jsonl" 2>/dev/null | jq -r .input >"$T/irin"
printf '%s\n' '{"intent":{"summary":"add two numbers"},"signature":{"name":"add"}}' '{"intent":{"summary":"negate a number"}}' >"$T/want"
same "code from the IR: the IR is the input" "$T/irin" "$T/want"

# Files per split take formatted records too.
ls-split --quiet --on-error skip --format instruction --task code --train "$T/tr" --val "$T/va" --test "$T/te" <"$T/in.jsonl" 2>/dev/null
ok_if "formatted train file" test "$(jq -r '"\(.id) \(.output | length)"' "$T/tr")" = "fn-a 32"
ok_if "formatted test file is empty (no prompt)" test ! -s "$T/te"
ls-split --quiet --format instruction <"$T/in.jsonl" 2>/dev/null | jq -r '"\(.id) \(.error.code // "-")"' >"$T/pass"
printf '%s\n' 'fn-a -' 'fn-b -' 'fn-c missing-field' >"$T/want"
same "--on-error pass (default): the record goes on with its error" "$T/pass" "$T/want"
ls-split --quiet --on-error fail --format instruction <"$T/in.jsonl" >/dev/null 2>&1
ok_if "--on-error fail: status 65" test $? = 65
ls-split --quiet --format alpaca </dev/null 2>/dev/null
ok_if "unknown format: usage error" test $? = 64
done_testing
