#!/bin/sh
# Every tool has a man page whose SYNOPSIS matches its --help usage line,
# which documents every option --help lists, has the usual sections, and
# renders without warnings.
. "$(dirname "$0")/../lib.sh"
for bin in "$B"/bin/ls-*; do
	tool=$(basename "$bin")
	page=$TOP/man/$tool.1
	if [ ! -f "$page" ]; then _tap 1 "$tool: man page exists"; continue; fi
	ok_if "$tool: renders without warnings" sh -c "groff -mandoc -ww -z '$page' 2>&1 | { ! grep -q .; }"
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		grep -q "^\.Sh $s" "$page" || { _tap 1 "$tool: section $s"; continue 2; }
	done
	_tap 0 "$tool: has NAME, SYNOPSIS, DESCRIPTION, OPTIONS, EXIT STATUS, EXAMPLES, SEE ALSO"
	usage=$("$bin" --help | head -n 1 | sed 's/^usage: //' | tr 'A-Z' 'a-z' | tr -s ' ')
	synopsis=$(MANWIDTH=200 man -l "$page" 2>/dev/null | col -b | awk '/^SYNOPSIS/{f=1;next} /^[A-Z]/{f=0} f' | tr -s ' \n' ' ' | sed 's/^ //; s/ $//' | tr 'A-Z' 'a-z')
	ok_if "$tool: SYNOPSIS matches --help ('$usage')" test "$synopsis" = "$usage"
	missing=
	for o in $("$bin" --help | sed -n '/^options:/,/^$/p' | grep -o -- '--[a-z0-9-]*' | sort -u); do
		grep -q -- "Fl -${o#--}\b" "$page" || missing="$missing $o"
	done
	ok_if "$tool: documents every option of --help${missing:+ (missing:$missing)}" test -z "$missing"
done
if [ -f "$TOP/man/lift-sys.7" ]; then
	ok_if "lift-sys.7 renders without warnings" sh -c "groff -mandoc -ww -z '$TOP/man/lift-sys.7' 2>&1 | { ! grep -q .; }"
else _tap 1 "man/lift-sys.7 exists"; fi
done_testing
