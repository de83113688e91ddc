#!/bin/sh
# Every exec.status and the usual categories, --keep/--rejects, and a record
# that cannot be run at all.
. "$(dirname "$0")/../lib.sh"
# Under ASan the children carry its runtime: let a huge allocation fail as
# malloc would (MemoryError) and a segfault be a segfault.
[ "${SANITIZE:-}" = 1 ] && export ASAN_OPTIONS="${ASAN_OPTIONS:-}:allocator_may_return_null=1:handle_segv=0"
r() { # id code tests-json [extra-json]
	jq -nc --arg id "$1" --arg code "$2" --argjson tests "$3" --argjson x "${4:-{\}}" \
		'{id: $id, name: "f", code: $code, tests: $tests} + $x'
}
{
r passed 'def f(x):
    return x + 1
' '["assert f(1) == 2"]'
r assertion 'def f(x):
    return x
' '["assert f(1) == 2"]'
r exception 'def f(x):
    return x / 0
' '["f(1)"]'
r wrong_output 'def f(x):
    return x
' '[]' '{"docstring": ">>> f(2)\n3"}'
r syntax_error 'def f(x)
    return x
' '["f(1)"]'
r import_error 'import no_such_module_here
def f(x):
    return x
' '["f(1)"]'
r cpu_time 'def f():
    while True:
        pass
' '["f()"]'
r wall_time 'def f():
    import time
    time.sleep(100)
' '["f()"]'
r memory 'def f():
    return bytearray(1 << 40)
' '["f()"]'
r output_limit 'def f():
    import os
    while True:
        os.write(1, b"y" * 4096)
' '["f()"]'
r violation 'def f():
    import socket
    socket.socket(socket.AF_INET)
' '["f()"]'
r segfault 'def f():
    import ctypes
    ctypes.string_at(0)
' '["f()"]'
r early_exit 'def f():
    import os
    os._exit(3)
' '["f()"]'
r no_tests 'def f():
    pass
' '[]'
r test_error 'def f():
    pass
' '["f((("]'
r no_code 'def f():
    pass
' '["f()"]'
} | jq -c 'if .id == "no_code" then del(.code) else . end' >"$T/in.jsonl"
ls-exec --quiet --no-duration --timeout 1 --wall-timeout 3 --output 64 <"$T/in.jsonl" >"$T/out.jsonl"
ok_if "one verdict per record, in order" test "$(jq -r .id "$T/out.jsonl" | tr '\n' ' ')" = "$(jq -r .id "$T/in.jsonl" | tr '\n' ' ')"
while read -r id status; do
	got=$(jq -r --arg id "$id" 'select(.id == $id) | .exec.status + " " + .exec.category' "$T/out.jsonl")
	ok_if "$id: $status ($got)" test "$got" = "$status $id"
done <<'W'
passed passed
assertion failed
exception failed
wrong_output failed
syntax_error error
import_error error
cpu_time timeout
wall_time timeout
memory memory
output_limit output_limit
violation violation
segfault crash
early_exit error
no_tests error
test_error error
no_code error
W
ok_if "every exec has the contract's fields" test "$(jq -c '.exec | [has("status","tests_run","tests_passed","failures","category","mode")] | all' "$T/out.jsonl" | sort -u)" = true
ok_if "failures say what failed" test "$(jq -r 'select(.id == "assertion") | .exec.failures[0].test' "$T/out.jsonl")" = "assert f(1) == 2"
ok_if "other fields are kept" test "$(jq -r 'select(.id == "wrong_output") | .docstring' "$T/out.jsonl")" = ">>> f(2)
3"
jq -c 'select(.id != "cpu_time" and .id != "wall_time")' "$T/in.jsonl" >"$T/fast.jsonl"
ls-exec --quiet --no-duration --keep passed --rejects "$T/rej.jsonl" --timeout 1 --wall-timeout 3 --output 64 \
	<"$T/fast.jsonl" >"$T/kept.jsonl"
ok_if "--keep passed passes on only what passed" test "$(jq -r .id "$T/kept.jsonl")" = passed
ok_if "the rest go to --rejects with their verdicts" \
	test "$(jq -r 'select(.id == "violation") | .exec.status' "$T/rej.jsonl")" = violation
ok_if "nothing is lost" test "$(($(wc -l <"$T/kept.jsonl") + $(wc -l <"$T/rej.jsonl")))" = "$(wc -l <"$T/fast.jsonl")"
ls-exec --quiet --keep passed,failed --no-duration --timeout 1 --wall-timeout 3 <"$T/fast.jsonl" >"$T/k2.jsonl"
ok_if "--keep takes a list" test "$(jq -r .exec.status "$T/k2.jsonl" | sort -u | tr '\n' ' ')" = "failed passed "
ok_if "duration_ms is there by default" sh -c "head -1 '$T/in.jsonl' | ls-exec --quiet | jq -e '.exec.duration_ms >= 0'"
ok_if "a bad --mode is a usage error" sh -c "ls-exec --mode nope </dev/null; test \$? = 64"
# A repr's address differs from run to run: failure messages mask it.
jq -nc '{id: "addr", name: "f", code: "def f():\n    return object()\n", docstring: ">>> f()\n1\n"}' |
	ls-exec --quiet --no-duration >"$T/addr.out"
ok_if "an address in a failure message is masked ($(jq -c '.exec.failures[0].message' "$T/addr.out"))" \
	test "$(jq -r '.exec.failures[0].message' "$T/addr.out")" = "expected:
1
got:
<object object at 0x...>"
# A CPU limit below a second: a CPU timer (SIGPROF), and RLIMIT_CPU's whole
# second behind it for code that catches or disarms the timer. (The timer's
# remaining time reads a tick over 0.3 on some kernels: "armed" asks < 1.)
jq -nc '{id: "spin", name: "f", code: "def f():\n    while True:\n        pass\n", tests: ["f()"]},
	{id: "quick", name: "f", code: "def f(x):\n    return x + 1\n", tests: ["assert f(1) == 2"]},
	{id: "armed", name: "f", code: "def f():\n    import signal\n    return signal.getitimer(signal.ITIMER_PROF)[0]\n", tests: ["assert 0 < f() < 1"]},
	{id: "disarm", name: "f", code: "def f():\n    import signal\n    signal.setitimer(signal.ITIMER_PROF, 0)\n    while True:\n        pass\n", tests: ["f()"]},
	{id: "catch", name: "f", code: "def f():\n    import signal\n    signal.signal(signal.SIGPROF, lambda *a: None)\n    while True:\n        pass\n", tests: ["f()"]}' >"$T/frac.jsonl"
ls-exec --quiet --no-duration --timeout 0.3 --wall-timeout 6 <"$T/frac.jsonl" >"$T/frac.out"
v() { jq -r --arg id "$1" 'select(.id == $id) | .exec | .status + " " + .category + " " + (.failures[0].message // "")' "$T/frac.out"; }
ok_if "--timeout 0.3: a loop is stopped ($(v spin))" test "$(v spin)" = "timeout cpu_time over 0.3 s of CPU time"
ok_if "--timeout 0.3: quick code passes" test "$(v quick)" = "passed passed "
ok_if "--timeout 0.3: the tested code runs under a CPU timer ($(v armed))" test "$(v armed)" = "passed passed "
ok_if "--timeout 0.3: disarming the timer meets RLIMIT_CPU ($(v disarm))" test "$(v disarm | cut -d' ' -f1-2)" = "timeout cpu_time"
ok_if "--timeout 0.3: catching its signal meets RLIMIT_CPU ($(v catch))" test "$(v catch | cut -d' ' -f1-2)" = "timeout cpu_time"
ok_if "--timeout 0 is a usage error" sh -c "ls-exec --timeout 0 </dev/null; test \$? = 64"
# Doctest's debugger, made only when a test asks for it (harness.py: _Runner.run),
# must act as doctest's own: pdb.set_trace() and breakpoint() read EOF and quit,
# and a debugger never used leaves a test's own trace function alone.
jq -nc '{id: "pdb", name: "f", code: "def f(x):\n    return x + 1\n",
	docstring: ">>> import pdb; pdb.set_trace()\n>>> f(1)\n2\n>>> breakpoint()\n>>> f(2)\n3\n"},
	{id: "settrace", name: "f", code: "def f(x):\n    return x + 1\n",
	docstring: ">>> import sys; sys.settrace(lambda *a: None)\n>>> sys.gettrace() is None\nFalse\n"},
	{id: "underscore", name: "f", code: "def f(x):\n    return x\n",
	docstring: ">>> _\nTraceback (most recent call last):\n    ...\nNameError: name \u0027_\u0027 is not defined\n"}' >"$T/dbg.jsonl"
ls-exec --quiet --no-duration <"$T/dbg.jsonl" >"$T/dbg.out"
ok_if "pdb.set_trace() and breakpoint() in a doctest quit at EOF, as in doctest" \
	test "$(jq -c 'select(.id == "pdb") | .exec | [.tests_run, .tests_passed, [.failures[].message]]' "$T/dbg.out")" = '[4,2,["bdb.BdbQuit","bdb.BdbQuit"]]'
ok_if "a test's trace function outlives its example, as in doctest" \
	test "$(jq -r 'select(.id == "settrace") | .exec.status' "$T/dbg.out")" = passed
ok_if "no '_' left in builtins by the zygote's own requests, as in a fresh interpreter" \
	test "$(jq -r 'select(.id == "underscore") | .exec.status' "$T/dbg.out")" = passed
done_testing
