#!/bin/sh
# Rebuild tests/lift/golden.jsonl from golden.list (run by hand when the set
# changes; then review and regenerate the expected outputs with
#   sh tests/lift/test-golden.sh --update; sh tests/prompt/test-golden.sh --update).
set -eu
here=$(dirname "$0")
PY=/usr/bin/python3.11
grep -v '^#' "$here/golden.list" | while IFS='	' read -r root path qual; do
	case $root in stdlib) dir=/usr/lib/python3.11 ;; deb) dir=/usr/lib/python3/dist-packages ;; esac
	$PY "$here/mkrecords.py" "$dir" "$dir/$path" | jq -c --arg q "$qual" 'select(.qualname == $q)' | head -1
done > "$here/golden.jsonl"
wc -l "$here/golden.jsonl"
