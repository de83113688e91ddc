#!/bin/sh
# tests/run itself, on a throwaway tree: it runs the unit tests the sources
# define (not a stale binary; a missing one fails), counts skips in its final
# line, and fails a skip for a missing dependency when CI=true.
. "$(dirname "$0")/../lib.sh"
R=$T/tree
mkdir -p "$R/tests/unit" "$R/tests/x" "$R/build/tests"
cp "$TOP/tests/run" "$R/tests/run"
tap() { printf '#!/bin/sh\nprintf "%s"\n' "$1" > "$2" && chmod +x "$2"; }
: > "$R/tests/unit/test_a.c"
: > "$R/tests/unit/test_gone.c"
tap 'ok 1 - a\n1..1\n' "$R/build/tests/test_a"
tap 'not ok 1 - stale\n1..1\n' "$R/build/tests/test_stale"	# its source was removed
tap 'ok 1 - x\nok 2 # SKIP no pid namespace here\nok 3 # SKIP missing dependency: python3-toolz\n1..3\n' "$R/tests/x/test-x.sh"

(cd "$R" && sh tests/run unit) > "$T/u" 2>&1
ok_if "a stale binary without its source is not run" sh -c "! grep -q test_stale '$T/u'"
ok_if "a source whose binary is missing fails" grep -q "test_gone is not built" "$T/u"

(cd "$R" && CI= sh tests/run x) > "$T/o" 2>&1; rc=$?
ok_if "skips are counted in the final line" test "$(tail -n 1 "$T/o")" = "1 passed, 0 failed, 2 skipped (1 for a missing dependency)"
ok_if "and the run passes (exit 0)" test $rc = 0
ok_if "each skip says why" sh -c "grep -q 'skipped: missing dependency: python3-toolz' '$T/o'"
(cd "$R" && CI=true sh tests/run x) > "$T/ci" 2>&1; rc=$?
ok_if "CI=true: a skip for a missing dependency fails" test "$(tail -n 1 "$T/ci")" = "1 passed, 1 failed, 1 skipped"
ok_if "CI=true: the run fails (exit 1)" test $rc = 1
ok_if "CI=true: and says which dependency" grep -q "python3-toolz" "$T/ci"
(cd "$R" && LS_TEST_DEADLINE=$(date +%s) sh tests/run) > "$T/late" 2>&1; rc=$?
ok_if "past LS_TEST_DEADLINE no test starts, each is named" \
	test "$(grep -c '^[^ ]*  *not started: past LS_TEST_DEADLINE$' "$T/late")" = 3
ok_if "and the final line counts them as skipped" \
	test "$(tail -n 1 "$T/late")" = "0 passed, 0 failed, 3 skipped (3 test files not started: past LS_TEST_DEADLINE)"
ok_if "and the run passes (exit 0)" test $rc = 0
(cd "$R" && CI= LS_TEST_DEADLINE=$(($(date +%s) + 3600)) sh tests/run x) > "$T/early" 2>&1
ok_if "before the deadline the tests run" test "$(tail -n 1 "$T/early")" = "1 passed, 0 failed, 2 skipped (1 for a missing dependency)"
done_testing
