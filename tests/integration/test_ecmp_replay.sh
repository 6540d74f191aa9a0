#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# N appliances behind ECMP, by replay (hw/README.md, "N appliances behind
# ECMP"): a capture of legitimate senders, one host flooding and a /24 of
# bots taking turns is split by a source-address hash into 4 parts
# (tests/tools/ecmp_proof.py), each replayed by mxgate-replay as its own
# box; the merged verdicts are compared with one box's. Per-host limits
# are exact per box; a per-prefix limit sees a quarter of the /24 on each
# box; BGP sharing (a per-prefix drop on any box blocks the /24 on every
# box 2 s later, as test_mxgated_bgp.sh measures) closes that gap.
#
# Then a global limit (20/s, burst 40) on the same capture: with the same
# policy on every box, the 4 boxes together pass 4 times the limit; with
# "ecmp_share": 4 in each box's policy (5/s, burst 10 per box), the merged
# passes are the one box's within the bound: at most rate * T plus the 4
# bursts (4 * ceil(40/4)), and at least 98 % of the one box's (a box
# whose share of the sources is under 5/s for a while passes less).
set -u
set -o pipefail
BIN=${MXG_BIN:?run through make check}
TOOLS=${MXG_BUILD:?}/tools
. "$(dirname "$0")/../lib/check.sh"
need_cmd python3 jq
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
"$TOOLS/mxgate-scenario" legit,flood,botnet24 duration=120 flood.rate=5/s \
	botnet24.rate=6/min "$T/cap.pcap" || { bad "mxgate-scenario"; finish; exit; }
python3 "$(dirname "$0")/../tools/ecmp_proof.py" "$BIN/mxgate-replay" \
	"$(dirname "$0")/ecmp/policy.json" "$T/cap.pcap" 4 "$T" \
	--share-delay 2 --json "$T/r.json" || { bad "ecmp_proof.py"; finish; exit; }
r() { jq -r "$1" "$T/r.json"; }
expect_eq "per-host drops: 4 boxes = 1 box" "$(r '.rules."per-host".split')" \
	"$(r '.rules."per-host".one')"
expect_eq "sources outside limited prefixes: same verdicts, every one" \
	"$(r '.sources_same')" "$(r '.sources')"
check "per-prefix: each box sees a share, fewer drops split" \
	test "$(r '.rules."per-net".split')" -lt "$(r '.rules."per-net".one')"
p='.prefixes."198.18.24.0/24"'
expect_eq "the bots' /24 is spread over the 4 boxes" "$(r "$p.boxes")" 4
check "split, the /24 gets more through than on one box" \
	test "$(r "$p.split")" -gt "$(r "$p.one")"
check "with BGP sharing, no more than on one box" \
	test "$(r "$p.shared")" -le "$(r "$p.one")"

# The global limit, without and with ecmp_share
E=$(dirname "$0")/ecmp
mkdir -p "$T/g1" "$T/g4"
python3 "$(dirname "$0")/../tools/ecmp_proof.py" "$BIN/mxgate-replay" \
	"$E/global.json" "$T/cap.pcap" 4 "$T/g1" --json "$T/g1.json" |
	grep -E '^(passes|mx-total)' | sed 's/^/    same policy: /' ||
	{ bad "ecmp_proof.py (global)"; finish; exit; }
python3 "$(dirname "$0")/../tools/ecmp_proof.py" "$BIN/mxgate-replay" \
	"$E/global.json" "$T/cap.pcap" 4 "$T/g4" --box-policy \
	"$E/global-share4.json" --json "$T/g4.json" |
	grep -E '^(passes|mx-total)' | sed 's/^/    ecmp_share 4: /' ||
	{ bad "ecmp_proof.py (global, ecmp_share)"; finish; exit; }
one=$(jq -r .passes.one "$T/g4.json")
same=$(jq -r .passes.split "$T/g1.json")
shared=$(jq -r .passes.split "$T/g4.json")
secs=$(jq -r '.duration | ceil' "$T/g4.json")
check "same policy on 4 boxes: the global limit passes more ($same vs $one)" \
	test "$((same * 10))" -gt "$((one * 13))"
bound=$((20 * secs + 4 * 10))
check "ecmp_share 4: 4 boxes pass $shared <= 20/s * ${secs} s + 4 * 10 = $bound" \
	test "$shared" -le "$bound"
check "ecmp_share 4: 4 boxes pass $shared >= 98 % of one box's $one" \
	test "$((shared * 100))" -ge "$((one * 98))"
finish
