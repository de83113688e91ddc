# bench/lib.sh — shared helpers for benchmarks (source it).
# best_of N CMD...: prints the best wall time in seconds of N runs (stdout of CMD discarded).
B=${B:-build}
PY=/usr/bin/python3.11
best_of() {
	_n=$1; shift
	_best=
	for _i in $(seq "$_n"); do
		_s=$(date +%s.%N)
		"$@" >/dev/null 2>&1
		_e=$(date +%s.%N)
		_t=$(echo "$_e - $_s" | bc -l)
		if [ -z "$_best" ] || [ "$(echo "$_t < $_best" | bc -l)" = 1 ]; then _best=$_t; fi
	done
	printf '%.3f\n' "$_best"
}
ratio() { printf '%.2f\n' "$(echo "$1 / $2" | bc -l)"; }
