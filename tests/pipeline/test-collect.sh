#!/bin/sh
# pipelines/collect: only new repositories and commits are processed, nothing
# is collected twice, evaluation sets are decontaminated, weak categories get
# targeted tasks, and the report shows the drift.
. "$(dirname "$0")/../lib.sh"
# Two small repositories with doctests.
mkpkg() { # DIR NAME: a package with three doctested functions
	mkdir -p "$T/src/$1/$2"
	cat >"$T/src/$1/$2/__init__.py" <<X
def ${2}_double(x):
    """Double x.

    >>> ${2}_double(2)
    4
    """
    return 2 * x


def ${2}_square(x):
    """Square x.

    >>> ${2}_square(3)
    9
    """
    return x * x


def ${2}_neg(x):
    """Negate x.

    >>> ${2}_neg(3)
    -3
    """
    return -x
X
}
mkpkg a alpha
mkpkg b beta
mkrepo "$T/repos/alpha" "$T/src/a/alpha"
mkrepo "$T/repos/beta" "$T/src/b/beta"
printf '%s\n' "$T/repos/alpha" "$T/repos/beta" >"$T/repos.txt"
S=$T/state
col() { "$TOP/pipelines/collect" --state "$S" --repos "$T/repos.txt" --workers 2 "$@"; }

col 2>"$T/err1"
ok_if "first run: exit 0" test $? = 0
ok_if "first run: 6 examples collected" test "$(wc -l <"$S/collected.jsonl")" = 6
ok_if "first run: both repositories are new" grep -q '2 repositories, 2 new' "$T/err1"
ok_if "the collection is in id order" sh -c "jq -r .id '$S/collected.jsonl' | LC_ALL=C sort -c"
cp "$S/collected.jsonl" "$T/c1"

col 2>"$T/err2"
ok_if "nothing new: no repository processed" grep -q '2 repositories, 0 new' "$T/err2"
same "nothing new: the collection is unchanged" "$S/collected.jsonl" "$T/c1"
report "re-run with nothing new: $(sed -n 's/.* in \([0-9.]* s\);.*/\1/p' "$T/err2")"

# A new commit in one repository: only it is processed; its new function is
# added; the functions it already had are not collected twice.
cat >>"$T/repos/beta/beta/__init__.py" <<'X'


def beta_inc(x):
    """Add one.

    >>> beta_inc(1)
    2
    """
    return x + 1
X
git -C "$T/repos/beta" -c user.name=t -c user.email=t@example.com commit -qam more
# and an evaluation set holding alpha's code under another id: decontaminated
jq -c 'select(.name == "alpha_double" or .qualname == "alpha_double") | {id: "eval-1", code}' "$S/collected.jsonl" >"$T/eval.jsonl"
ok_if "an evaluation set of one record" test "$(wc -l <"$T/eval.jsonl")" = 1
col 2>"$T/err3"
ok_if "a new commit: one repository processed" grep -q '2 repositories, 1 new' "$T/err3"
ok_if "its new function added, its old ones not twice" test "$(wc -l <"$S/collected.jsonl")" = 7
ok_if "duplicates counted" grep -q '1 new, 3 already collected' "$T/err3"
ok_if "the report shows the drift" grep -q '^| repository | beta | 3 | 4 | +1 |$' "$S/runs/0003/report.md"

# Decontamination: a fresh collection with --exclude never takes alpha_double.
"$TOP/pipelines/collect" --state "$T/state2" --repos "$T/repos.txt" --exclude "$T/eval.jsonl" 2>"$T/err4"
ok_if "--exclude: the evaluation set's function is not collected" test "$(wc -l <"$T/state2/collected.jsonl")" = 6
ok_if "--exclude: counted as in an evaluation set" grep -q '1 in an evaluation set' "$T/err4"

# Targeted: an evaluation whose category 'sorting' is below the overall rate.
cat >"$T/evaluation.json" <<'X'
{"overall": {"n": 10, "passed": [4, 6]},
 "groups": [{"by": "category", "rows": [{"value": "sorting", "n": 4, "passed": [1, 1]},
                                       {"value": "strings", "n": 6, "passed": [3, 5]}]}]}
X
col --evaluation "$T/evaluation.json" --gen-count 5 2>"$T/err5"
ok_if "targeted: the weak category gets ls-gen tasks" test "$(jq -r .category "$S/targeted.jsonl" | sort -u)" = sorting
ok_if "targeted: 5 tasks" test "$(wc -l <"$S/targeted.jsonl")" = 5
ok_if "targeted: the targets are in the report" grep -q 'targets from .*: sorting' "$S/runs/0004/report.md"
ok_if "bad usage: 64" sh -c "'$TOP/pipelines/collect' --frob 2>/dev/null; test \$? = 64"
ok_if "an unreadable --repos: 66" sh -c "'$TOP/pipelines/collect' --repos '$T/nope' 2>/dev/null; test \$? = 66"
done_testing
