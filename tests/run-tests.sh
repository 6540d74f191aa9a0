#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Runs test programs (cmocka binaries and scripts), shows their output and
# ends with a summary of test cases passed, skipped and failed. A script
# that exits 77 has skipped itself. Exit status is non-zero on any failure.
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
failed=()
skipped=()
cases_passed=0
cases_skipped=0
for t in "$@"; do
	echo "=== $t"
	"$t" 2>&1 | tee "$log"
	rc=${PIPESTATUS[0]}
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test(s)\./\1/p' "$log" | tail -1)
	s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test(s), listed below:/\1/p' "$log" | tail -1)
	cases_passed=$((cases_passed + ${p:-0}))
	cases_skipped=$((cases_skipped + ${s:-0}))
	case $rc in
	0) [ -n "$p" ] || cases_passed=$((cases_passed + 1)) ;;
	77) skipped+=("$t"); cases_skipped=$((cases_skipped + 1)) ;;
	*) failed+=("$t (exit $rc)") ;;
	esac
done
echo
echo "=== summary: $# programs; test cases: ${cases_passed} passed," \
	"${cases_skipped} skipped; ${#failed[@]} programs failed"
for s in "${skipped[@]}"; do echo "SKIPPED: $s"; done
for f in "${failed[@]}"; do echo "FAILED:  $f"; done
[ ${#failed[@]} -eq 0 ]
