#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# run.sh TARGET [SECONDS]: runs the libFuzzer target build/fuzz/TARGET for
# SECONDS (default $FUZZ_SECONDS, else 60) from a working copy of its seed
# corpus tests/fuzz/corpus/NAME (TARGET is fuzz_NAME), with the dictionary
# tests/fuzz/NAME.dict when there is one. A crash, leak or sanitizer report
# fails, and leaves the input in build/fuzz/ (crash-*, leak-*, timeout-*):
# minimise it with `build/fuzz/TARGET -minimize_crash=1 -runs=10000 FILE`,
# then add it to tests/fuzz/corpus/NAME as a regression input.
set -u
cd "$(dirname "$0")/../.."
target=$1
seconds=${2:-${FUZZ_SECONDS:-60}}
build=${MXG_BUILD:-build}
name=${target#fuzz_}
work=$build/fuzz/corpus-$name
mkdir -p "$work"
dict=()
[ ! -f "tests/fuzz/$name.dict" ] || dict=(-dict="tests/fuzz/$name.dict")
echo "$target: $seconds s"
"$build/fuzz/$target" -max_total_time="$seconds" -rss_limit_mb=2048 \
	-timeout=10 -print_final_stats=1 -artifact_prefix="$build/fuzz/" \
	"${dict[@]}" "$work" "tests/fuzz/corpus/$name" 2>&1 |
	grep -v -e '^#[0-9]' -e '^"' -e '^###'
rc=${PIPESTATUS[0]}
if [ "$rc" -ne 0 ]; then
	echo "$target: FAILED (exit $rc); see the artifact above"
	echo "0 passed, 1 failed"
	exit 1
fi
echo "$target: no crash"
echo "1 passed, 0 failed"
