#!/bin/sh
# ls-repos on throwaway git repositories made from standard-library sources.
. "$(dirname "$0")/../lib.sh"
L=$TOP/tests/fixtures/licenses
C=$T/cache

# Four repositories with different licences and layouts.
mkrepo "$T/mit" /usr/lib/python3.11/json "$L/mit-reworded.txt"
mv "$T/mit/mit-reworded.txt" "$T/mit/LICENSE" && git -C "$T/mit" add -A && git -C "$T/mit" -c user.name=t -c user.email=t@e commit -qm lic
mkdir -p "$T/src-gpl/tests" && cp /usr/lib/python3.11/textwrap.py "$T/src-gpl/" && cp /usr/lib/python3.11/test/test_textwrap.py "$T/src-gpl/tests/" && cp "$L/gpl3-notice.txt" "$T/src-gpl/COPYING"
mkrepo "$T/gpl" "$T/src-gpl"/*
mkdir -p "$T/src-bsd" && cp /usr/lib/python3.11/heapq.py /usr/lib/python3.11/bisect.py "$T/src-bsd/" && cp "$L/bsd2-filled.txt" "$T/src-bsd/LICENSE.txt" && printf 'import pytest\n\ndef test_x():\n    assert 1\n' > "$T/src-bsd/test_heap.py"
mkrepo "$T/bsd" "$T/src-bsd"/*
mkdir -p "$T/src-none" && cp /usr/lib/python3.11/fnmatch.py "$T/src-none/"
mkrepo "$T/none" "$T/src-none"/*
mkdir -p "$T/notrepo" && git init -q "$T/empty" && git init -q -b main "$T/unborn" && git -C "$T/unborn" checkout -q -b other 2>/dev/null

printf '%s\n' "$T/mit" "$T/gpl" "$T/bsd" "$T/none" > "$T/paths"
ls-repos --cache-dir "$C" < "$T/paths" > "$T/out" 2> "$T/err"
ok_if "four records" test "$(wc -l < "$T/out")" = 4
ok_if "licences: MIT, GPL-3.0, BSD-2-Clause, none" sh -c "jq -r '.license // \"null\"' '$T/out' | tr '\n' ' ' | grep -qx 'MIT GPL-3.0 BSD-2-Clause null '"
ok_if "licence file names kept" sh -c "jq -r '.license_file // \"-\"' '$T/out' | tr '\n' ' ' | grep -qx 'LICENSE COPYING LICENSE.txt - '"
ok_if "python files counted" sh -c "jq -r .py_files '$T/out' | tr '\n' ' ' | grep -qx '$(ls /usr/lib/python3.11/json/*.py | wc -l) 2 3 1 '"
ok_if "python bytes are the blobs' sizes" test "$(jq -r 'select(.name=="none").py_bytes' "$T/out")" = "$(stat -c %s /usr/lib/python3.11/fnmatch.py)"
ok_if "test files and framework: unittest in tests/, pytest by import" sh -c "jq -r '[.test_files, .test_framework] | @tsv' '$T/out' | tr '\t\n' ', ' | grep -qx '0, 1,unittest 1,pytest 0, '"
ok_if "commit is HEAD" test "$(jq -r 'select(.name=="gpl").commit' "$T/out")" = "$(git -C "$T/gpl" rev-parse HEAD)"
ok_if "default branch" test "$(jq -r 'select(.name=="gpl").default_branch' "$T/out")" = main
ok_if "ids are distinct and stable" sh -c "jq -r .id '$T/out' | sort -u | wc -l | grep -qx 4 && ls-repos -q --cache-dir '$C' < '$T/paths' | cmp -s - '$T/out'"

# Metadata in JSONL input is kept; filters drop to --rejects and are counted.
printf '{"path":"%s","stars":10,"topic":"json"}\n{"path":"%s","stars":1}\n{"path":"%s","stars":50}\n' "$T/mit" "$T/gpl" "$T/bsd" > "$T/meta.jsonl"
ls-repos --cache-dir "$C" --min-stars 5 --rejects "$T/rej" < "$T/meta.jsonl" > "$T/out2" 2> "$T/err"
ok_if "--min-stars keeps 2, metadata kept" sh -c "test \$(wc -l < '$T/out2') = 2 && jq 'select(.name==\"mit\") | .topic==\"json\" and .stars==10' '$T/out2' | grep -qx true"
ok_if "--min-stars: the dropped one is in --rejects with a reason" grep -q '"rejected":{"tool":"ls-repos","code":"filtered","message":"fewer stars than --min-stars"}' "$T/rej"
ok_if "summary counts the rejected one" grep -q "3 in, 2 out, 1 rejected, 0 errors" "$T/err"
ok_if "--license MIT,BSD-2-Clause" sh -c "ls-repos -q --cache-dir '$C' --license mit,BSD-2-Clause < '$T/paths' | jq -r .name | tr '\n' ' ' | grep -qx 'mit bsd '"
ok_if "--license none keeps the unlicensed one" sh -c "ls-repos -q --cache-dir '$C' --license none < '$T/paths' | jq -r .name | grep -qx none"
ok_if "--require-tests" sh -c "ls-repos -q --cache-dir '$C' --require-tests < '$T/paths' | jq -r .name | tr '\n' ' ' | grep -qx 'gpl bsd '"
ok_if "--min-py-files 2" sh -c "ls-repos -q --cache-dir '$C' --min-py-files 2 < '$T/paths' | jq -r .name | tr '\n' ' ' | grep -qx 'mit gpl bsd '"
ok_if "--limit 1" test "$(ls-repos -q --cache-dir "$C" --limit 1 < "$T/paths" | wc -l)" = 1

# Cloning: a file:// URL is cloned into --cache-dir; a second run fetches into the same clone.
echo "file://$T/gpl" | ls-repos --cache-dir "$C" > "$T/c1" 2>/dev/null
ok_if "file:// URL is cloned" sh -c "jq -e '.fetch==\"cloned\"' '$T/c1' >/dev/null && test -d \"\$(jq -r .path '$T/c1')\""
echo "# more" >> "$T/gpl/textwrap.py" && git -C "$T/gpl" -c user.name=t -c user.email=t@e commit -qam more
echo "file://$T/gpl" | ls-repos --cache-dir "$C" > "$T/c2" 2>/dev/null
ok_if "second run updates the same clone" sh -c "jq -e '.fetch==\"updated\"' '$T/c2' >/dev/null && test \"\$(jq -r .path '$T/c1')\" = \"\$(jq -r .path '$T/c2')\""
ok_if "and sees the new commit" test "$(jq -r .commit "$T/c2")" = "$(git -C "$T/gpl" rev-parse HEAD)"
ok_if "--ref of an older commit" test "$(echo "$T/gpl" | ls-repos -q --ref HEAD~1 | jq -r .commit)" = "$(git -C "$T/gpl" rev-parse HEAD~1)"

# Bad input: each a clear per-record error, and the run goes on.
printf '%s\n' "$T/notrepo" "$T/empty" "$T/unborn" "file:///nonexistent/x.git" "$T/missing" "$T/mit" > "$T/bad"
ls-repos --cache-dir "$C" < "$T/bad" > "$T/out3" 2> "$T/err"; rc=$?
ok_if "bad inputs: exit 0, all six records out" sh -c "test $rc = 0 && test \$(wc -l < '$T/out3') = 6"
ok_if "error codes" sh -c "jq -r '.error.code // \"ok\"' '$T/out3' | tr '\n' ' ' | grep -qx 'not_a_repository empty_repository unborn_head clone_failed not_found ok '"
ok_if "summary: 5 errors" grep -q "6 in, 6 out, 0 rejected, 5 errors" "$T/err"
ls-repos --cache-dir "$C" --on-error=skip --rejects "$T/rej3" < "$T/bad" > "$T/out4" 2>/dev/null
ok_if "--on-error=skip: one out, five in --rejects" sh -c "test \$(wc -l < '$T/out4') = 1 && test \$(wc -l < '$T/rej3') = 5"

# GitHub search against a local server: pagination, both kinds of rate limit, the token.
$PY "$TOP/tests/repos/fake-github.py" "$T/port" 2> "$T/srv.log" &
srv=$!
for i in 1 2 3 4 5 6 7 8 9 10; do [ -s "$T/port" ] && break; sleep 0.2; done
GITHUB_TOKEN=sekrit ls-repos --cache-dir "$C" --api-url "http://127.0.0.1:$(cat "$T/port")" \
	--github-search 'language:python' > "$T/gh" 2> "$T/gherr"
kill $srv 2>/dev/null
ok_if "search: three items over two pages" test "$(wc -l < "$T/gh")" = 3
ok_if "search: waited out both rate limits" test "$(grep -c 'rate limit reached; waiting' "$T/gherr")" = 2
ok_if "search: the token was sent" grep -q "auth=Bearer sekrit" "$T/srv.log"
ok_if "search: metadata kept (name, stars, licence hint)" sh -c "jq 'select(.name==\"octo/repo1\") | .stars==900 and .license_hint==\"MIT\"' '$T/gh' | grep -qx true"
ok_if "search: unclonable results are per-record errors" test "$(jq -r .error.code "$T/gh" | sort -u)" = clone_failed
# Names: owner/name from a URL or the origin remote, else the directory, never
# "repo" or ".git" for bare clones kept as NAME/repo (ls-split groups by it).
N=$T/names
mkdir -p "$N/funcy" "$N/slug" "$N/hz"
git clone -q --bare "$T/none" "$N/funcy/repo" && git clone -q --bare "$T/none" "$N/toolz.git"
git clone -q --bare "$T/none" "$N/hz/repo" && git -C "$N/hz/repo" remote set-url origin https://github.com/python-humanize/humanize.git
git clone -q "$T/none" "$N/slug/repo" && git -C "$N/slug/repo" remote set-url origin git@github.com:un33k/python-slugify.git
printf '%s\n' "$N/funcy/repo" "$N/toolz.git" "$N/hz/repo" "$N/slug/repo" "$N/slug/repo/.git" "file://$N/funcy/repo" > "$T/np"
ls-repos -q --cache-dir "$C" < "$T/np" > "$T/names.out" 2>&1
ok_if "names: directory for bare clones, owner/name from remotes (https, scp)" sh -c \
	"jq -r .name '$T/names.out' | tr '\n' ' ' | grep -qx 'funcy toolz python-humanize/humanize un33k/python-slugify un33k/python-slugify funcy '"
ok_if "names: a name given in the input is kept" sh -c \
	"printf '{\"path\":\"%s\",\"name\":\"mine\"}\n' '$N/funcy/repo' | ls-repos -q --cache-dir '$C' | jq -r .name | grep -qx mine"

# Licences given as the standard notice (sortedcontainers' Apache-2.0) or an
# SPDX line; top-level test.py / tests.py are test files (python-slugify).
mkdir -p "$T/src-ap" && cp /usr/lib/python3.11/fnmatch.py "$T/src-ap/" && cp "$L/apache2-notice.txt" "$T/src-ap/LICENSE" &&
	printf 'import unittest\nimport fnmatch\n\nclass T(unittest.TestCase):\n    def test_a(self):\n        self.assertTrue(fnmatch.fnmatch("a", "*"))\n' > "$T/src-ap/test.py"
mkrepo "$T/ap" "$T/src-ap"/*
mkdir -p "$T/src-sp" && cp /usr/lib/python3.11/fnmatch.py "$T/src-sp/tests.py" && printf 'SPDX-License-Identifier: BSD-3-Clause\n' > "$T/src-sp/LICENSE"
mkrepo "$T/sp" "$T/src-sp"/*
printf '%s\n' "$T/ap" "$T/sp" | ls-repos -q --cache-dir "$C" > "$T/lic.out"
ok_if "licence: the Apache-2.0 notice is Apache-2.0" test "$(jq -r 'select(.name=="ap").license' "$T/lic.out")" = Apache-2.0
ok_if "licence: an SPDX-License-Identifier line" test "$(jq -r 'select(.name=="sp").license' "$T/lic.out")" = BSD-3-Clause
ok_if "top-level test.py and tests.py are test files" sh -c "jq -r .test_files '$T/lic.out' | tr '\n' ' ' | grep -qx '1 1 '"
done_testing
