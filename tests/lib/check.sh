# SPDX-License-Identifier: BSD-3-Clause
# The integration tests' harness (sourced by every tests/integration and
# tests/e2e script): one way to count checks and report them.
#
#   ok WHAT, bad WHAT          a check that held, one that failed
#   check WHAT CMD...          runs CMD: ok if it exits 0, bad otherwise
#   expect_eq WHAT GOT WANT    ok if GOT = WANT, else bad showing both
#   skip WHY                   the whole test is skipped: exit 77
#   need_root WHY              skip unless root
#   need_cmd CMD...            skip unless every CMD is installed
#   need_built FILE...         skip unless every FILE is built (executable)
#   wait_for SECONDS CMD...    runs CMD every 0.1 s until it succeeds;
#                              non-zero if it never did within SECONDS
#   finish                     "N passed, M failed"; non-zero on a failure
#
# A test ends with `finish` (its status is the test's), or with `exit 77`
# through skip. tests/run-tests.sh reads the closing line.

checks=0
fails=0

ok() {
	checks=$((checks + 1))
	echo "ok: $*"
}

bad() {
	checks=$((checks + 1))
	fails=$((fails + 1))
	echo "FAIL: $*"
}

check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

expect_eq() {
	if [ "$2" = "$3" ]; then
		ok "$1"
	else
		bad "$1: got '$2', want '$3'"
	fi
}

skip() {
	echo "SKIP: $*"
	exit 77
}

need_root() {
	[ "$(id -u)" = 0 ] || skip "needs root${1:+ ($1)}"
}

need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || skip "needs $c (make deps)"
	done
}

need_built() {
	local f
	for f in "$@"; do
		[ -x "$f" ] || skip "$f not built"
	done
}

# wait_for SECONDS CMD...: retry CMD (quietly) every 0.1 s for SECONDS.
wait_for() {
	local n=$(($1 * 10))
	shift
	while [ "$n" -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}

finish() {
	echo "$((checks - fails)) passed, $fails failed"
	[ "$fails" -eq 0 ]
}
