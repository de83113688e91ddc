# tests/lib.sh — helpers for shell tests (golden, tool and pipeline tests).
# Source it; then each check prints one TAP line that tests/run counts.
#
#   ok_if "what" cmd args...        passes when the command exits 0
#   same "what" FILE_GOT FILE_WANT  passes when the files are byte-identical
#   skip "why"                      (the machine cannot: no pid namespace, ...)
#   skip_dep "what"                 (a dependency is missing: fails under CI=true)
#   done_testing                    exit status for the runner
#
# $B/bin is on PATH; $T is a fresh temporary directory, removed at exit;
# $TOP is the repository root; PY is Debian's interpreter.
set -u
TOP=${TOP:-$(cd "$(dirname "$0")/../.." 2>/dev/null && git rev-parse --show-toplevel 2>/dev/null || pwd)}
B=${B:-build}
case $B in /*) ;; *) B=$TOP/$B ;; esac
PATH=$B/bin:$PATH
PY=/usr/bin/python3.11
T=$(mktemp -d "${TMPDIR:-/tmp}/ls-test.XXXXXX")
trap 'rm -rf "$T"' EXIT
_n=0 _failed=0

_tap() { # status what
	_n=$((_n + 1))
	if [ "$1" = 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}
ok_if() {
	_what=$1; shift
	if "$@" >"$T/.out" 2>&1; then _tap 0 "$_what"; else
		_tap 1 "$_what"; sed 's/^/#   /' "$T/.out" | head -20; fi
}
same() {
	if cmp -s "$2" "$3"; then _tap 0 "$1"; else
		_tap 1 "$1"; diff "$3" "$2" 2>&1 | head -20 | sed 's/^/#   /'; fi
}
skip() { _n=$((_n + 1)); echo "ok $_n # SKIP $1"; }
# skip_dep "what is missing": a check that cannot run because a dependency
# (a package, a tool not built) is missing; tests/run fails it under CI=true.
skip_dep() { _n=$((_n + 1)); echo "ok $_n # SKIP missing dependency: $1"; }
done_testing() { echo "1..$_n"; [ $_failed = 0 ]; }

# A throwaway git repository from files: mkrepo DIR SRC... (copies SRC into DIR, commits)
mkrepo() {
	_d=$1; shift
	mkdir -p "$_d" && cp -R "$@" "$_d"/ &&
	git -C "$_d" init -q -b main && git -C "$_d" add -A &&
	git -C "$_d" -c user.name=t -c user.email=t@example.com commit -q -m init
}

# jq_true FILTER FILE: passes when FILTER yields true for some record of FILE.
# (jq 1.6's -e looks only at the last record's output, so it is not used.)
jq_true() { jq -c "$1" "$2" 2>/dev/null | grep -qx true; }
# report LINE...: a figure shown by tests/run even when the test passes.
report() { for _l in "$@"; do echo "#: $_l"; done; }
