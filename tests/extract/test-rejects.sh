#!/bin/sh
# ls-extract and the record contract: functions left out on purpose go to
# --rejects with the reason; an unreadable --exclude stops the run (66); a
# field of the wrong type is named as such.
. "$(dirname "$0")/../lib.sh"

mkdir -p "$T/src"
cat > "$T/src/m.py" <<'PY'
def keep(a):
    """Keep me."""
    return a + 1

def _private(a):
    return a

def short(a): return a

def twin(a):
    """Twin."""
    b = a * 2
    return b + 3
PY
sed -n '/^def twin/,$p' "$T/src/m.py" > "$T/src/n.py"	# the same function in another file
mkrepo "$T/repo" "$T/src/."

echo "$T/repo" | ls-extract --skip-private --rejects "$T/rej.jsonl" > "$T/out.jsonl" 2> "$T/err"; rc=$?
ok_if "exit 0" test $rc = 0
ok_if "the private function is in --rejects, with the reason" \
	jq_true 'select(.qualname == "_private") | .rejected == {"tool":"ls-extract","code":"filtered","message":"private (--skip-private)"}' "$T/rej.jsonl"
ok_if "a filtered function's record says where it is" \
	jq_true 'select(.qualname == "_private") | (.id | startswith("fn-")) and .path == "m.py" and .lineno == 5 and (.repo.name | length > 0)' "$T/rej.jsonl"
ok_if "the duplicate is in --rejects, whole, with the reason" \
	jq_true 'select(.qualname == "twin" and .path == "n.py") | .rejected.code == "duplicate" and (.rejected.message | test("exact duplicate")) and (.code | test("b \\+ 3"))' "$T/rej.jsonl"
ok_if "kept functions are not rejected" sh -c "! grep -q '\"qualname\":\"keep\"' '$T/rej.jsonl'"
n_out=$(wc -l < "$T/out.jsonl"); n_rej=$(wc -l < "$T/rej.jsonl")
ok_if "out + rejects = every function ($n_out + $n_rej = 5)" test $((n_out + n_rej)) = 5
ok_if "the summary counts them as rejected" grep -q "$n_out out, $n_rej rejected" "$T/err"
echo "$T/repo" | ls-extract --skip-private > "$T/plain.jsonl" 2>/dev/null
same "without --rejects the output is the same" "$T/plain.jsonl" "$T/out.jsonl"

# --exclude: a function matching the list is rejected as excluded.
jq -c 'select(.qualname == "keep")' "$T/out.jsonl" > "$T/eval.jsonl"
echo "$T/repo" | ls-extract --exclude "$T/eval.jsonl" --rejects "$T/rej2.jsonl" > /dev/null 2>&1
ok_if "--exclude: the match is rejected as excluded" jq_true 'select(.qualname == "keep") | .rejected.code == "excluded"' "$T/rej2.jsonl"
echo "$T/repo" | ls-extract --exclude "$T/nope.jsonl" > "$T/o" 2> "$T/err"; rc=$?
ok_if "a missing --exclude: exit 66 before any work" sh -c "test $rc = 66 && test ! -s '$T/o' && grep -q -- \"--exclude: cannot read '$T/nope.jsonl'\" '$T/err'"
echo "$T/repo" | ls-extract --exclude "$T" > "$T/o" 2> "$T/err"; rc=$?
ok_if "a directory as --exclude: exit 66" test $rc = 66
printf '{"code":"def f(): pass"}\nnot json\n' > "$T/badex.jsonl"
echo "$T/repo" | ls-extract --exclude "$T/badex.jsonl" > "$T/o" 2> "$T/err"; rc=$?
ok_if "a malformed --exclude: exit 66, not a partial decontamination" sh -c "test $rc = 66 && grep -q 'cannot read all of --exclude' '$T/err'"
echo "$T/repo" | ls-extract --exclude "$T/eval.jsonl" --rejects "$T/eval.jsonl" > /dev/null 2> "$T/err"; rc=$?
ok_if "--rejects over --exclude: exit 64" test $rc = 64

# A wrong-typed field is reported as wrong-typed, not as missing.
echo '{"path":5}' | ls-extract > "$T/o" 2>/dev/null
ok_if "path a number: 'is a number, not a string'" jq_true '.error.message == "field '"'"'path'"'"' is a number, not a string"' "$T/o"
echo "{\"path\":\"$T/repo\",\"commit\":[1]}" | ls-extract > "$T/o" 2>/dev/null
ok_if "commit an array: named" jq_true '.error.message == "field '"'"'commit'"'"' is an array, not a string"' "$T/o"

# A UTF-8 byte order mark does not change the code of the file's functions.
mkdir -p "$T/bomsrc"
printf '\357\273\277def f(a):\n    """Doc."""\n    return a\n' > "$T/bomsrc/m.py"
mkrepo "$T/bomrepo" "$T/bomsrc/."
echo "$T/bomrepo" | ls-extract > "$T/o" 2>/dev/null
ok_if "BOM: the code is the function's text" jq_true '.code == "def f(a):\n    \"\"\"Doc.\"\"\"\n    return a\n" and .lineno == 1' "$T/o"
done_testing
