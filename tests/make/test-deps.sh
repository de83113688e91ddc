#!/bin/sh
# `make deps` (and so `make check`) installs nothing, and calls neither
# apt-get nor sudo, when everything is present, also for a user who is not
# root; when a package is missing it updates the lists first, through sudo
# for such a user. apt-get, sudo, npm and id are stand-ins that log calls.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 70
F=$T/fake; mkdir -p "$F"
for c in apt-get sudo; do
	printf '#!/bin/sh\necho "%s $*" >> "%s/calls"\n[ %s = sudo ] && exec "$@"\nexit 0\n' "$c" "$T" "$c" > "$F/$c"
done
printf '#!/bin/sh\n[ "$1" = -u ] && { echo 1000; exit 0; }\nexec /usr/bin/id "$@"\n' > "$F/id"
printf '#!/bin/sh\necho "npm $*" >> "%s/calls"\nexit 1\n' "$T" > "$F/npm"
chmod +x "$F"/*

# everything present (the dependencies this build already has): nothing called
: > "$T/calls"
PATH=$F:$PATH make -s deps > "$T/out" 2>&1
ok_if "all present: make deps succeeds" test $? = 0
ok_if "all present: says so" grep -q "system packages: all present" "$T/out"
ok_if "all present, not root: no apt-get, no sudo, no npm" test ! -s "$T/calls"

# a missing package: apt-get update, then install, through sudo
: > "$T/calls"
PATH=$F:$PATH make -s deps-apt DEBS="bash ls-no-such-package" > "$T/out" 2>&1
ok_if "one missing: names it" grep -q "installing: ls-no-such-package" "$T/out"
ok_if "one missing, not root: sudo apt-get update, then install of that one only" sh -c \
	"grep -q '^sudo apt-get update' '$T/calls' && grep -q '^apt-get install .* ls-no-such-package' '$T/calls' && ! grep -q 'install.* bash' '$T/calls'"

# no npm or node on the PATH at all, but the grammar and the npm packages
# are there: nothing to fetch, so no apt-get install of nodejs/npm either
mkdir -p "$T/bin"
for d in /usr/local/bin /usr/bin /bin; do
	for c in "$d"/*; do
		n=${c##*/}
		case $n in npm|node|npx|nodejs|apt-get|sudo|id) continue ;; esac
		[ -e "$T/bin/$n" ] || ln -s "$c" "$T/bin/$n"
	done
done
rm -f "$F/npm"
: > "$T/calls"
PATH=$F:$T/bin make -s deps > "$T/out" 2>&1
ok_if "no npm on the PATH, nothing to fetch: make deps succeeds" test $? = 0
ok_if "no npm on the PATH, nothing to fetch: no apt-get, no sudo" test ! -s "$T/calls"

# plain `make` builds every tool (the default goal is `all`, not the first
# rule in the file, which is the build id's stamp)
make -n -W cmd/ls-exec.c 2>/dev/null > "$T/plan"	# as if ls-exec.c had changed
ok_if "make with no goal rebuilds a changed tool (the default goal is all)" grep -q 'ls-exec cmd/ls-exec.c' "$T/plan"
# a stamp without its parser.c (a fetch interrupted, or `make -j deps all`
# racing it, which used to delete parser.c for good): make deps fetches again
mkdir -p "$T/g/src" && touch "$T/g/src/parser.c.ok"
make -n GRAMMAR="$T/g" deps-npm 2>/dev/null > "$T/plan"
ok_if "a grammar stamp without parser.c: make deps fetches it again" grep -q 'npm.* pack .*tree-sitter-python' "$T/plan"
touch "$T/g/src/parser.c"
make -n GRAMMAR="$T/g" deps-npm 2>/dev/null > "$T/plan"
ok_if "with parser.c there: nothing fetched" sh -c "! grep -q 'pack' '$T/plan'"
done_testing
