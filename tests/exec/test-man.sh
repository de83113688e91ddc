#!/bin/sh
# man/ls-exec.1 against the tool: SYNOPSIS = --help's usage line, every
# option documented, and the EXAMPLES that need no other tool work.
. "$(dirname "$0")/../lib.sh"
M=$TOP/man/ls-exec.1
syn=$(MANWIDTH=200 man -l -Tutf8 "$M" 2>/dev/null | col -b | sed -n '/^SYNOPSIS/{n;p;q}' | sed 's/^ *//')
use=$(ls-exec --help | sed -n 's/^usage: //p')
ok_if "SYNOPSIS matches --help ('$syn')" test "$syn" = "$use"
for o in $(ls-exec --help | sed -n '/^options:/,/^common/s/^ *\(--[a-z-]*\).*/\1/p'); do
	ok_if "man page documents $o" grep -q "^\.It Fl -${o#--}" "$M"
done
echo '{"id":"x","name":"f","code":"def f(a, b): return a * b","tests":["f(2, 3)"]}' |
	ls-exec --quiet --trace | jq -c .exec.examples >"$T/ex"
echo '[{"function":"f","args":["2","3"],"kwargs":{},"returned":"6"}]' >"$T/want"
same "the --trace example works" "$T/ex" "$T/want"
done_testing
