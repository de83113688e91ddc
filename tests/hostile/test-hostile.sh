#!/bin/sh
# Hostile programs against ls-exec's sandbox: each tests/hostile/NN-*.py runs as
# a record's test_source and must get the verdict on its "# expect:" line; a
# normal record after each one must pass; nothing may be left running or written.
. "$(dirname "$0")/../lib.sh"
# Under ASan the children carry its runtime: let a huge allocation fail as
# malloc would (MemoryError) and a segfault be a segfault.
[ "${SANITIZE:-}" = 1 ] && export ASAN_OPTIONS="${ASAN_OPTIONS:-}:allocator_may_return_null=1:handle_segv=0"
H=$TOP/tests/hostile
rm -f /tmp/ls-hostile-pwned /var/tmp/ls-hostile-pwned
# Some kernels refuse 32-bit system calls (int 0x80) themselves
# (CONFIG_IA32_EMULATION off, or ia32_emulation=0): the process then gets
# SIGSEGV before the sandbox sees a call, which is as safe as the seccomp
# kill. Probe it here, outside the sandbox, with the same machine code; only
# where it segfaults is the file's "# kernel:" verdict accepted instead.
ia32_refused=no
$PY -c 'import subprocess, sys
r = subprocess.run([sys.executable, sys.argv[1]], capture_output=True)
sys.exit(0 if r.returncode == -11 else 1)' "$H/37-foreign-abi.py" && ia32_refused=yes
report "kernel refuses int 0x80 itself: $ia32_refused"
: >"$T/in.jsonl"
: >"$T/in-cpu.jsonl"
for f in "$H"/[0-9]*.py; do
	n=$(basename "$f" .py)
	# A file marked "# cpu: generous" must reach another limit than CPU
	# time, however slow the machine: it runs in a second call (below).
	in=$T/in.jsonl
	grep -qx '# cpu: generous' "$f" && in=$T/in-cpu.jsonl
	jq -nc --arg id "$n" --rawfile src "$f" \
		'{id: $id, name: "f", code: "def f():\n    return 1\n", test_source: $src}' >>"$in"
	jq -nc --arg id "after-$n" \
		'{id: $id, name: "add", code: "def add(a, b):\n    return a + b\n", tests: ["assert add(1, 2) == 3"]}' >>"$in"
done
LS_HOSTILE_SECRET=hunter2 ls-exec --cache-dir "$T/cache" -j 1 --timeout 1 --wall-timeout 5 --memory 256 --disk 8 \
	--output 256 --no-duration <"$T/in.jsonl" >"$T/out.jsonl" 2>"$T/err"
ok_if "ls-exec ran the hostile suite" test $? = 0
# Growing to --memory costs CPU: a fresh page is 6-10 us on the 2-core VMs
# (clear_page), and at --timeout 1 07-memory-growth came out a CPU timeout
# on a slower CI machine even at --memory 256. Its point is the memory
# limit, so it gets CPU time no machine runs out of first.
LS_HOSTILE_SECRET=hunter2 ls-exec --cache-dir "$T/cache" -j 1 --timeout 30 --wall-timeout 60 --memory 256 --disk 8 \
	--output 256 --no-duration <"$T/in-cpu.jsonl" >>"$T/out.jsonl" 2>>"$T/err"
ok_if "ls-exec ran the hostile programs that need CPU time" test $? = 0
for f in "$H"/[0-9]*.py; do
	n=$(basename "$f" .py)
	set -- $(sed -n 's/^# expect: //p' "$f")
	got=$(jq -r --arg id "$n" 'select(.id == $id) | .exec.status + " " + .exec.category' "$T/out.jsonl")
	want="$1 ${2:-}"
	case "$got" in "$1 ${2:-}"*) r=0 ;; *) r=1 ;; esac
	alt=$(sed -n 's/^# kernel: \([a-z_]* [a-z_]*\) where the kernel itself refuses int 0x80.*/\1/p' "$f")
	[ -n "$alt" ] && [ $ia32_refused = yes ] && [ "$got" = "$alt" ] && r=0
	ok_if "$n: $want(got: $got)" test $r = 0
	if grep -qx '# denied' "$f"; then
		d=$(jq -r --arg id "$n" 'select(.id == $id) | .exec.denied // 0' "$T/out.jsonl")
		ok_if "$n: its process creation counted in exec.denied (got: $d)" test "$d" -ge 1
	fi
	after=$(jq -r --arg id "after-$n" 'select(.id == $id) | .exec.status' "$T/out.jsonl")
	ok_if "the example after $n passes" test "$after" = passed
done
ok_if "nothing written outside the working directory" \
	test ! -e /tmp/ls-hostile-pwned -a ! -e /var/tmp/ls-hostile-pwned -a ! -e /dev/shm/ls-hostile-pwned
# The zygotes and their children carry ls-exec's argv, with our unique $T in it.
strays=$(ps -e -o pid=,args= | grep -F -- "$T/cache" | grep -v grep)
ok_if "no sandboxed process left running${strays:+: $strays}" test -z "$strays"
done_testing
