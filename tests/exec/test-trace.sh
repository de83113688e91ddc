#!/bin/sh
# --trace: the function's observed calls in exec.examples, in the shape ls-gen
# relies on: {"function","args":[repr],"kwargs":{k: repr},"returned": repr}
# or {..., "raised": "Type: message"}; bounded count and size.
. "$(dirname "$0")/../lib.sh"
cat >"$T/in.jsonl" <<'J'
{"id":"g1","name":"scale","code":"def scale(xs, k=2):\n    if k == 0:\n        raise ValueError('k must not be 0')\n    return [x * k for x in xs]\n","tests":["scale([1, 2])","scale([3], k=3)","scale([], 0)","scale((1,), k='a')"]}
{"id":"g2","name":"fact","code":"def fact(n):\n    return 1 if n < 2 else n * fact(n - 1)\n","tests":["fact(3)"]}
{"id":"g3","name":"big","code":"def big(n):\n    return 'x' * n\n","tests":["big(3)","big(5000)"]}
{"id":"g4","name":"ident","code":"def ident(x):\n    return x\n","tests":["ident(object())","ident(None)"]}
{"id":"g5","name":"loop","code":"def loop(n):\n    return n\n","tests":["for i in range(100): loop(i)"]}
J
ls-exec --quiet --no-duration --trace --trace-count 10 --trace-repr 100 <"$T/in.jsonl" >"$T/out.jsonl"
ex() { jq -c --arg id "$1" 'select(.id == $id) | .exec.examples' "$T/out.jsonl"; }
cat >"$T/want1" <<'J'
[{"function":"scale","args":["[1, 2]"],"kwargs":{},"returned":"[2, 4]"},{"function":"scale","args":["[3]"],"kwargs":{"k":"3"},"returned":"[9]"},{"function":"scale","args":["[]","0"],"kwargs":{},"raised":"ValueError: k must not be 0"},{"function":"scale","args":["(1,)"],"kwargs":{"k":"'a'"},"returned":"['a']"}]
J
ex g1 >"$T/got1"
same "bare calls: args, kwargs, returned, raised" "$T/got1" "$T/want1"
ok_if "a raising call fails its test" test "$(jq -r 'select(.id == "g1") | .exec.status' "$T/out.jsonl")" = failed
ok_if "recursive calls are recorded in call order" \
	test "$(ex g2)" = '[{"function":"fact","args":["3"],"kwargs":{},"returned":"6"},{"function":"fact","args":["2"],"kwargs":{},"returned":"2"},{"function":"fact","args":["1"],"kwargs":{},"returned":"1"}]'
ok_if "calls with an over-long repr are left out" \
	test "$(ex g3)" = '[{"function":"big","args":["3"],"kwargs":{},"returned":"'"'xxx'"'"}]'
ok_if "reprs with memory addresses are left out" \
	test "$(ex g4)" = '[{"function":"ident","args":["None"],"kwargs":{},"returned":"None"}]'
ok_if "at most --trace-count calls" test "$(ex g5 | jq length)" = 10
ok_if "no examples without --trace" sh -c "head -1 '$T/in.jsonl' | ls-exec --quiet | jq -e '.exec | has(\"examples\") | not'"
# ls-gen's records carry only id, code and tests: the function is the code's def.
printf '%s\n' '{"id":"gen","code":"def area(w, h):\n    return w * h\n","tests":["area(2, 3)"]}' |
	ls-exec --quiet --no-duration --trace | jq -c .exec.examples >"$T/gen"
echo '[{"function":"area","args":["2","3"],"kwargs":{},"returned":"6"}]' >"$T/gen.want"
same "records without a name: the code's def is traced" "$T/gen" "$T/gen.want"
# Doctest mode, in the module's namespace: statistics.median's own doctests.
$PY "$TOP/tests/exec/mkrecords.py" --doctests-only /usr/lib/python3.11 /usr/lib/python3.11/statistics.py |
	jq -c 'select(.qualname == "median")' | ls-exec --quiet --trace >"$T/med.jsonl"
ok_if "doctest calls are traced" \
	test "$(jq -c '.exec.examples[0]' "$T/med.jsonl")" = '{"function":"median","args":["[1, 3, 5]"],"kwargs":{},"returned":"3"}'
done_testing
