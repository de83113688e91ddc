# tests/pipeline/dataset-lib.sh — a small corpus for the dataset pipeline tests.
# Source after tests/lib.sh. Sets CORPUS (a file of repository paths).
need_tools() {
	for t in ls-repos ls-extract ls-lift ls-prompt ls-exec ls-split; do
		command -v $t >/dev/null 2>&1 || { skip_dep "$t is not built yet"; done_testing; exit 0; }
	done
}
# Two real libraries with doctests and tests, as git repositories.
make_corpus() {
	local dp=/usr/lib/python3/dist-packages
	mkrepo "$T/repos/toolz" "$dp/toolz" >/dev/null &&
	mkrepo "$T/repos/more-itertools" "$dp/more_itertools" >/dev/null || return 1
	CORPUS=$T/repos.txt
	printf '%s\n' "$T/repos/toolz" "$T/repos/more-itertools" >"$CORPUS"
}
