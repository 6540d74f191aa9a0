#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The XDP program's verifier budget. The kernel's verifier gives up on a
# program after 1,000,000 processed instructions; the program stood at
# 822,577 before its line scan became a subprogram (bpf/README.md). This
# loads build/bpf/mxgate.bpf.o with bpftool into a bpffs directory of its
# own and holds the count under half the limit, so that a change that
# brings it near the limit fails here, not on an appliance's kernel.
#
# Needs root, bpffs and bpftool: exits 77 (skipped) without them. The
# directory is removed on exit.
set -u
OBJ=${MXG_BUILD:?run through make check}/bpf/mxgate.bpf.o
BUDGET=500000

. "$(dirname "$0")/../lib/check.sh"
need_root
need_cmd bpftool
[ -r "$OBJ" ] || {
	echo "FAIL: $OBJ not built"
	exit 1
}
grep -qs " /sys/fs/bpf bpf " /proc/mounts || skip "no bpffs at /sys/fs/bpf"

pin=/sys/fs/bpf/mxgate_verifier_test_$$ # bpffs refuses dots in names
log=$(mktemp)
trap 'rm -rf "$pin" "$log"' EXIT

check "the program loads" \
	bash -c "bpftool -d prog loadall '$OBJ' '$pin' type xdp >'$log' 2>&1"
processed=$(sed -n 's/^processed \([0-9]*\) insns.*/\1/p' "$log" | tail -1)
stack=$(sed -n 's/^stack depth //p' "$log" | tail -1)
echo "verifier: processed ${processed:-?} instructions, stack depth ${stack:-?}"
check "the verifier reports its count" test -n "$processed"
check "processed ${processed:-?} instructions, under $BUDGET" \
	test "${processed:-$BUDGET}" -lt "$BUDGET"
finish
