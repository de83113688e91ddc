#!/bin/sh
# Hosts (lib/exec/interp.c): a run of records from one repository package is served
# by a sandboxed host that imports the package once. Verdicts must be those of
# --no-hosts; hostile import-time code must not change a verdict, leak state
# from one record to the next, or leave a process behind.
. "$(dirname "$0")/../lib.sh"
chmod 755 "$T"	# the sandbox's uid must reach the checkouts under $T/cache
X="ls-exec --quiet --no-duration --cache-dir $T/cache --timeout 2 --wall-timeout 4"

# A package whose functions carry doctests, among them state tests: each
# record's child must start from the import, not from the last child.
mkdir -p "$T/src/calc"
cat >"$T/src/calc/__init__.py" <<'P'
"""A small package with doctests."""
import os
COUNTER = [0]


def add(a, b):
    """
    >>> add(1, 2)
    3
    """
    return a + b


def bump():
    """Each record starts from the package as imported.

    >>> bump()
    1
    >>> open("left-by-bump", "w").write("x")
    1
    """
    COUNTER[0] += 1
    return COUNTER[0]


def clean():
    """Nothing an earlier record wrote is here.

    >>> sorted(os.listdir("."))
    []
    >>> COUNTER[0]
    0
    """
    return None


def wrong():
    """
    >>> wrong()
    2
    """
    return 1
P
mkrepo "$T/repo/calc" "$T/src/calc"
# Packages that misbehave when imported, one per repository.
mkpkg() {	# mkpkg NAME IMPORT-TIME-CODE [MORE-SOURCE [FILE]]
	mkdir -p "$T/src/$1/$1"
	: >"$T/src/$1/$1/__init__.py"
	printf '%s\n\n\ndef f():\n    """\n    >>> f()\n    1\n    """\n    return 1\n%s' "$2" "${3:-}" >"$T/src/$1/$1/${4:-__init__.py}"
	mkrepo "$T/repo/$1" "$T/src/$1/$1"
}
mkpkg quits 'import os
os._exit(0)'
mkpkg sleeps 'import time
time.sleep(1000)'
mkpkg threads 'import threading, time
threading.Thread(target=time.sleep, args=(1000,), daemon=True).start()'
FORKS='import os, time
if os.fork() == 0:
    time.sleep(1000)
    os._exit(0)'
SNEAKS='import os, resource, time
resource.setrlimit(resource.RLIMIT_NPROC, resource.getrlimit(resource.RLIMIT_NPROC)[1:] * 2)
if os.fork() == 0:
    os.setsid()	# out of the process group of the host
    time.sleep(1000)
    os._exit(0)'
mkpkg forks "$FORKS"
mkpkg sneaks "$SNEAKS"
# The one known difference: a file the import writes is in each child's
# working directory without hosts (each child imports), not with them (the
# host's import wrote it, and the directory is emptied before any child).
mkpkg writes 'import os
open("left-by-import", "w").write("x")


def seen():
    """The first record of the package: the first child of its host.

    >>> os.path.exists("left-by-import")
    False
    """'
# The last package's doctest counts the processes of the pid namespace: init,
# its host and itself. A process that an earlier host forked would be a fourth.
mkpkg counts 'import os' '

def procs():
    """
    >>> len([p for p in os.listdir("/proc") if p.isdigit()]) <= 3
    True
    """
'
# The same misbehaviour in a module the package does not import itself: the
# host imports a record's own module too (harness.py: host_warm), under the
# same rules, before the record's child.
mksub() { mkpkg "$1" "$2" "${3:-}" sub.py; }	# the code in NAME/sub.py, an empty __init__.py
mksub subforks "$FORKS"
mksub subsneaks "$SNEAKS"
mksub substate 'COUNTER = [0]' '

def bump():
    """Each record starts from the module as imported.

    >>> bump()
    1
    """
    COUNTER[0] += 1
    return COUNTER[0]
'
for r in calc quits sleeps threads forks sneaks subforks subsneaks substate writes counts; do echo "$T/repo/$r"; done >"$T/repos.txt"
ls-repos -q <"$T/repos.txt" | ls-extract -q --no-dedup >"$T/fns.jsonl"
# Records in package order, each package's functions twice (a host serves runs).
jq -c '., (.id += "-again")' "$T/fns.jsonl" >"$T/in.jsonl"
n=$(wc -l <"$T/in.jsonl")
ok_if "records from eleven packages ($n)" test "$n" -ge 20

$X -j 1 <"$T/in.jsonl" >"$T/hosts.out" 2>"$T/hosts.err"
ok_if "ls-exec with hosts ran" test $? = 0
$X -j 1 --no-hosts <"$T/in.jsonl" >"$T/plain.out"
$X -j 2 <"$T/in.jsonl" >"$T/hosts2.out"
# is NAME GOT WANT
is() { if [ "$2" = "$3" ]; then ok_if "$1" true; else ok_if "$1 (got: $2)" false; fi; }
v() { jq -c 'select(.repo.name != "writes") | [.id, .exec.status, .exec.category, .exec.tests_run, .exec.tests_passed]' "$1" >"$1.v"; }
v "$T/plain.out"; v "$T/hosts.out"; v "$T/hosts2.out"
same "verdicts with hosts are those without (but for writes)" "$T/hosts.out.v" "$T/plain.out.v"
same "verdicts with hosts: -j 1 and -j 2" "$T/hosts2.out.v" "$T/hosts.out.v"
st() { jq -r --arg q "$1" 'select(.repo.name == $q) | .exec.status + " " + .exec.category' "$T/hosts.out" | sort -u | paste -sd,; }
is "calc: passes, and the wrong doctest fails" "$(jq -r 'select(.repo.name == "calc") | .qualname + " " + .exec.status' "$T/hosts.out" | sort -u | paste -sd,)" \
	"add passed,bump passed,clean passed,wrong failed"
is "a package that exits at import: early exit, each record" "$(st quits)" "error early_exit"
is "a package that sleeps at import: timeout" "$(st sleeps)" "timeout wall_time"
is "a package that starts a thread at import still passes" "$(st threads)" "passed passed"
# Process creation is refused (EPERM in a child, the process limit in a
# host's set-up): the import fails, an environment error, and no process is left.
is "a package that forks at import: its import fails" "$(st forks)" "error import_error"
is "one that raises its process limit to fork: its import fails" "$(st sneaks)" "error import_error"
is "a module that forks at import: its import fails" "$(st subforks)" "error import_error"
is "one that raises its process limit to fork: its import fails" "$(st subsneaks)" "error import_error"
is "a module's state: each record starts from its import" "$(st substate)" "passed passed"
is "with hosts, a file the import wrote is not in the working directory" "$(st writes)" "passed passed"
is "without, it is (each child imported)" \
	"$(jq -r 'select(.repo.name == "writes") | .qualname + " " + .exec.status' "$T/plain.out" | sort -u | paste -sd,)" "f passed,seen failed"
if grep -q 'pid-ns' "$T/hosts.err"; then
	skip "no pid namespace here: the process count is not checked"
else
	is "nothing an earlier host forked is left running" "$(st counts)" "passed passed"
fi
strays=$(ps -e -o pid=,args= | grep -F -- "$T/cache" | grep -v grep)
ok_if "no sandboxed process left running${strays:+: $strays}" test -z "$strays"
done_testing
