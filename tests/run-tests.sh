#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs test programs (cmocka binaries and scripts, or "PROGRAM ARG" for a
# program with one argument) in parallel, shows each
# one's output when it ends, and closes with a summary of test cases
# passed, skipped and failed and the five slowest programs. A script that
# exits 77 has skipped itself. Exit status is non-zero on any failure.
#
# MXG_TEST_JOBS programs run at once (default: the number of CPUs). The
# programs that attach XDP programs to interfaces or make network
# namespaces and veths (names matching SERIAL below) move real traffic
# with timing bounds, so at most one of them runs at a time, beside the
# others. (BPF_PROG_TEST_RUN tests load private programs and maps: they
# run like any other.) Programs start longest
# first, by the durations of the previous run (build/test-times.txt).
set -u
jobs_max=${MXG_TEST_JOBS:-$(nproc 2>/dev/null || echo 2)}
[ "$jobs_max" -ge 1 ] 2>/dev/null || jobs_max=1
SERIAL='netns|af_packet|bypass|e2e|mxgated'
times_file=${MXG_BUILD:-build}/test-times.txt
logs=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$logs"' EXIT

# Durations of the last run here, else the ones committed with the tests
# (tests/test-times.txt, from a run on a 2-core machine), so that a fresh
# clone also starts the longest first.
declare -A last=()
seed=$times_file
[ -f "$seed" ] || seed=$(dirname "$0")/test-times.txt
if [ -f "$seed" ]; then
	while read -r s t; do last[$t]=$s; done <"$seed"
fi
# Longest first; a program never timed goes first (it may be long).
order=()
while read -r _ t; do order+=("$t"); done < <(
	for t in "$@"; do echo "${last[$t]:-100000} $t"; done | sort -k1,1nr -s)

declare -A pid_of=() start_of=() took=()
serial_running=""
cases_passed=0
cases_skipped=0
failed=()
skipped=()
queue=("${order[@]}")

is_serial() { [[ $1 =~ $SERIAL ]]; }

start() {
	local t=$1 i=$2
	start_of[$t]=$(date +%s.%N)
	# shellcheck disable=SC2086 # "PROGRAM ARG" runs PROGRAM with ARG
	($t >"$logs/$i.log" 2>&1; echo $? >"$logs/$i.rc") &
	pid_of[$t]=$!
	is_serial "$t" && serial_running=$t
}

# Account a finished program and print its output.
finish_one() {
	local t=$1 i=$2 rc p s n
	rc=$(cat "$logs/$i.rc" 2>/dev/null || echo 1)
	took[$t]=$(echo "$(date +%s.%N) ${start_of[$t]}" | awk '{printf "%.1f", $1 - $2}')
	echo "=== $t (${took[$t]} s)"
	cat "$logs/$i.log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$logs/$i.log" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' "$logs/$i.log" | tail -1)
	n=$(sed -n 's/^\([0-9]*\) passed, [0-9]* failed$/\1/p' "$logs/$i.log" | tail -1)
	cases_passed=$((cases_passed + ${p:-0} + ${n:-0}))
	cases_skipped=$((cases_skipped + ${s:-0}))
	case $rc in
	0) [ -n "$p$n" ] || cases_passed=$((cases_passed + 1)) ;;
	77) skipped+=("$t"); cases_skipped=$((cases_skipped + 1)) ;;
	*) failed+=("$t (exit $rc)") ;;
	esac
	[ "$serial_running" != "$t" ] || serial_running=""
	unset "pid_of[$t]"
}

declare -A index_of=()
i=0
for t in "${order[@]}"; do index_of[$t]=$i; i=$((i + 1)); done

while [ ${#queue[@]} -gt 0 ] || [ ${#pid_of[@]} -gt 0 ]; do
	# Start what fits: the first queued program that may run now.
	while [ ${#pid_of[@]} -lt "$jobs_max" ]; do
		pick=-1
		for ((q = 0; q < ${#queue[@]}; q++)); do
			if ! is_serial "${queue[$q]}" || [ -z "$serial_running" ]; then
				pick=$q
				break
			fi
		done
		[ $pick -ge 0 ] || break
		t=${queue[$pick]}
		queue=("${queue[@]:0:$pick}" "${queue[@]:$((pick + 1))}")
		start "$t" "${index_of[$t]}"
	done
	wait -n 2>/dev/null
	for t in "${!pid_of[@]}"; do
		kill -0 "${pid_of[$t]}" 2>/dev/null && continue
		wait "${pid_of[$t]}" 2>/dev/null
		finish_one "$t" "${index_of[$t]}"
	done
done

mkdir -p "$(dirname "$times_file")"
for t in "${!took[@]}"; do echo "${took[$t]} $t"; done | sort -k1,1nr \
	>"$times_file"
echo
echo "=== slowest five:"
head -5 "$times_file" | awk '{ t = $1; $1 = ""; printf "%8.1f s %s\n", t, $0 }' 
for s in "${skipped[@]}"; do echo "SKIPPED: $s"; done
for f in "${failed[@]}"; do echo "FAILED:  $f"; done
echo "=== $# programs: ${#failed[@]} failed, ${#skipped[@]} skipped;" \
	"test cases (a failed program counts as one failed case):"
echo "summary: ${cases_passed} passed, ${#failed[@]} failed, ${cases_skipped} skipped"
[ ${#failed[@]} -eq 0 ]
