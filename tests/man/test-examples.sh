#!/bin/sh
# Every command of every man page's EXAMPLES section runs (the manual's
# examples are tests, as jq's are): .Dl lines and .Bd -literal blocks, in
# page order, in a fresh copy of a fixture directory per page that holds the
# files they name (repos, functions.jsonl, suite.jsonl, models/tiny, ...).
# A command passes when the whole pipe exits 0 (pipefail). The few that need
# the network or the whole corpus are listed below with the test that covers
# them, and reported as skipped.
. "$(dirname "$0")/../lib.sh"
cd "$TOP" || exit 70
# pattern<TAB>why: examples not run here
cat > "$T/notrun" <<'X'
--github-search	needs api.github.com (tests/repos runs the search against a local server)
--endpoint https://api.example.com	needs a real endpoint (tests/infer/test-endpoint.sh runs a local one)
pipelines/corpus build/corpus |	builds the whole corpus (minutes): make demo and tests/pipeline run it
--site owner/name=/srv/venvs/name	needs a virtualenv of the user's (tests/exec/test-real-layouts.sh runs --site)
--on-error skip --rejects bad.jsonl	shows records with errors going to --rejects (errors are its point; tests/exec/test-real-layouts.sh checks --on-error)
jq -r .error.code bad.jsonl	reads the --rejects file of the example above
find /usr/lib/python3.11 -name	a pipe that head cuts (SIGPIPE under pipefail); tests/train/test-pretrain.sh trains on such text
X

# --- fixtures ------------------------------------------------------------
F=$T/fixtures; mkdir -p "$F" "$T/home"
export HOME=$T/home XDG_CACHE_HOME=$T/home/.cache
DIST=/usr/lib/python3/dist-packages
mkdir -p "$T/src/toolz" && cp -R $DIST/toolz "$T/src/toolz/" && rm -rf "$T/src/toolz"/toolz/__pycache__ "$T/src/toolz"/toolz/*/__pycache__
mkrepo "$F/toolz" "$T/src/toolz/."
echo "# second commit" >> "$F/toolz/toolz/__init__.py" && git -C "$F/toolz" -c user.name=t -c user.email=t@e commit -qam two
mkdir -p "$T/src/mi" && cp -R $DIST/more_itertools "$T/src/mi/" && rm -rf "$T/src/mi"/more_itertools/__pycache__
mkrepo "$F/more-itertools" "$T/src/mi/."
echo "file://$F/toolz" > "$F/urls.txt"
(cd "$F" && echo toolz | ls-repos -q > repos.jsonl &&
	ls-extract -q repos.jsonl > functions.jsonl &&
	cp functions.jsonl fns.jsonl &&
	ls-lift -q functions.jsonl | ls-prompt -q | ls-exec -q > validated.jsonl &&
	cp validated.jsonl train.jsonl &&
	ls-gen -q --no-exec --count 6 --seed 1 > suite.jsonl &&
	jq -c '. + {completion: .code}' suite.jsonl > completions.jsonl &&
	printf '{"text":"def add(a, b):"}\n{"text":"hello world"}\n' > texts.jsonl)
ok_if "fixtures: repositories and records" test -s "$F/validated.jsonl" -a -s "$F/suite.jsonl"
"$B/tests/test_mkmodel" "$F/models/tiny" --tokenizer "$TOP/tests/fixtures/tiny-tokenizer.json" \
	--adapter "$F/adapters/v1" --std 0.3 --dim 64 --layers 2 >/dev/null 2>&1
ok_if "fixtures: a tiny model and adapter" test -f "$F/models/tiny/model.safetensors" -a -f "$F/adapters/v1/adapter_model.safetensors"
# for the tools that came later (ls-train, ls-abtest, ls-registry, constrained ls-infer, repair)
(cd "$F" && cp -R models/tiny models/base &&
	mkdir -p tests docs share build/demo results &&
	cp -R "$TOP/tests/abtest" tests/ && cp -R "$TOP/docs/schema" docs/ && cp -R "$TOP/share/grammar" share/ &&
	cp models/tiny/config.json config.json && cp models/tiny/tokenizer.json tokenizer.json &&
	jq -c 'select((.prompt + .code | length) < 600) | {id, instruction: "Write the function.", input: .prompt, output: .code}' suite.jsonl > sft.jsonl &&
	cp sft.jsonl val.jsonl && cp sft.jsonl build/demo/train.jsonl &&
	jq -c '{text: .code}' suite.jsonl > code.jsonl &&
	jq -c '{id, prompt: .prompt}' suite.jsonl > tasks.jsonl &&
	jq -c '{id, prompt: .prompt, schema: {type: "object", properties: {name: {type: "string"}}, required: ["name"]}}' suite.jsonl > mixed.jsonl &&
	jq -c '{id, completion: "{\"name\": \"x\"}"}' suite.jsonl > out.jsonl &&
	echo '{"suite": {"pass_rate": 0.5}}' > results/metrics.json &&
	jq -n '{default: "ft", models: {base: {path: "models/base"}, ft: {path: "models/base", adapter: "adapters/v1"}}}' > models.json &&
	ls-exec -q --code-field completion < completions.jsonl > base.jsonl && cp base.jsonl ft.jsonl &&
	jq -c 'select(.error == null and .exec.status == "passed") | . + {task: "repair", buggy: .code, failure: {message: "AssertionError"}, split: "train"}' validated.jsonl > repair_train.jsonl)
ok_if "fixtures: records and files for the later tools" test -s "$F/sft.jsonl" -a -s "$F/base.jsonl"

# --- the examples ------------------------------------------------------------
# examples PAGE: one command per line (mdoc escapes undone, a literal
# block's continuation lines joined)
examples() {
	awk '/^\.Sh EXAMPLES/{on=1; next} /^\.Sh/{on=0}
	on && /^\.Dl /{ sub(/^\.Dl /, ""); print; next }
	on && /^\.Bd -literal/{ bd=1; cmd=""; next }
	on && /^\.Ed/{ if (cmd != "") print cmd; bd=0; next }
	on && bd { line=$0; sub(/^[ \t]+/, "", line); cmd = cmd (cmd == "" ? "" : " ") line;
		if (line !~ /[|\\]$/) { print cmd; cmd="" } else sub(/\\$/, "", cmd) }' "$1" |
	sed 's/\\e/\\/g; s/\\&//g; s/\\-/-/g'
}
n=0
for page in man/*.1 man/*.7; do
	name=$(basename "$page")
	W=$T/run/$name; mkdir -p "$T/run" && cp -R "$F" "$W"
	examples "$page" > "$T/ex"
	ok_if "$name: has examples" test -s "$T/ex"
	while IFS= read -r ex; do
		n=$((n + 1))
		why=$(awk -F'\t' -v ex="$ex" 'index(ex, $1) { print $2; exit }' "$T/notrun")
		if [ -n "$why" ]; then skip "$name: $ex: $why"; continue; fi
		# exit 0 through the whole pipe, and no record with an error
		# (the contract's exit 0 with per-record errors is not a working example)
		bash -o pipefail -c "cd '$W' && ( $ex )" > "$T/out" 2> "$T/err"; rc=$?
		if [ $rc = 0 ] && ! grep -q ' [1-9][0-9]* errors' "$T/err" && ! grep -q '"error":{' "$T/out"; then
			_tap 0 "$name: $ex"
		else
			_tap 1 "$name: $ex (exit $rc)"; sed 's/^/#   /' "$T/err" | head -5; grep '"error":{' "$T/out" | head -2 | cut -c1-300 | sed 's/^/#   /'
		fi
	done < "$T/ex"
done
report "$n examples in $(ls man/*.1 man/*.7 | wc -l) pages"
done_testing
