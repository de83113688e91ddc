#!/bin/sh
# ls-split and the record contract: outputs never over inputs or each other,
# enum flags and counts checked, and warnings when the groups cannot split.
. "$(dirname "$0")/../lib.sh"

for i in 1 2 3 4 5 6 7 8; do echo "{\"id\":\"r$i\",\"repo\":{\"name\":\"repo$i\"}}"; done > "$T/in.jsonl"
cp "$T/in.jsonl" "$T/orig.jsonl"

ls-split --train "$T/a.jsonl" --val "$T/a.jsonl" < "$T/in.jsonl" > /dev/null 2> "$T/err"; rc=$?
ok_if "--train and --val the same file: exit 64" sh -c "test $rc = 64 && grep -q -- '--train and --val name the same file' '$T/err'"
ok_if "... nothing written" test ! -e "$T/a.jsonl"
(cd "$T" && ls-split --val out.jsonl --test ./out.jsonl < in.jsonl > /dev/null 2> err); rc=$?
ok_if "two names of one file not yet made: exit 64" test $rc = 64
ls-split --train "$T/in.jsonl" "$T/in.jsonl" > /dev/null 2> "$T/err"; rc=$?
ok_if "--train over the input: exit 64" sh -c "test $rc = 64 && grep -q -- '--train would overwrite an input' '$T/err'"
same "--train over the input: the input intact" "$T/in.jsonl" "$T/orig.jsonl"
ls-split --stats "$T/in.jsonl" "$T/in.jsonl" > /dev/null 2> "$T/err"; rc=$?
ok_if "--stats over the input: exit 64" test $rc = 64
same "--stats over the input: the input intact" "$T/in.jsonl" "$T/orig.jsonl"
ls-split --test "$T/t.jsonl" < "$T/in.jsonl" > "$T/t.jsonl" 2> "$T/err"; rc=$?
ok_if "--test also standard output: exit 64" test $rc = 64
ls-split --stats "$T/nodir/s.txt" < "$T/in.jsonl" > "$T/out" 2> "$T/err"; rc=$?
ok_if "--stats not writable: refused before any work" sh -c "test $rc = 74 && test ! -s '$T/out'"

ls-split --format jsonl < "$T/in.jsonl" > /dev/null 2> "$T/err"; rc=$?
ok_if "unknown --format: exit 64, the valid values" sh -c "test $rc = 64 && grep -q -- \"--format: want record, instruction or chat, not: 'jsonl'\" '$T/err'"
ls-split --task x < "$T/in.jsonl" > /dev/null 2> "$T/err"; rc=$?
ok_if "unknown --task: exit 64" sh -c "test $rc = 64 && grep -q 'want ir, code or repair' '$T/err'"
ls-split --max-per-group -3 < "$T/in.jsonl" > /dev/null 2> "$T/err"; rc=$?
ok_if "negative --max-per-group: exit 64 naming it" sh -c "test $rc = 64 && grep -q -- \"--max-per-group: must not be negative: '-3'\" '$T/err'"

# Warnings: one group holding most records; --by matching nothing.
for i in 1 2 3 4 5 6 7 8 9; do echo "{\"id\":\"b$i\",\"repo\":{\"name\":\"repo\"}}"; done > "$T/one.jsonl"
cat "$T/in.jsonl" >> "$T/one.jsonl"
ls-split -q < "$T/one.jsonl" > /dev/null 2> "$T/err"
ok_if "one group with most records: warned" grep -q "warning: group 'repo' holds 9 of 17 records" "$T/err"
ls-split -q < "$T/in.jsonl" > /dev/null 2> "$T/err"
ok_if "no group with most records: no warning" test ! -s "$T/err"
ls-split -q --by .nosuchfield < "$T/in.jsonl" > /dev/null 2> "$T/err"
ok_if "--by matching nothing: warned" grep -q "warning: --by '.nosuchfield' has no value for any of the 8 records" "$T/err"
done_testing
