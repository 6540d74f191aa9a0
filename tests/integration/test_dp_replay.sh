#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgate-dp against mxgate-replay (DESIGN §5: one semantics): every
# capture of the test corpus (tests/captures/*.pcap*, mxgate-scenario's
# presets in every format and link type) and generated mixes go through
# net_pcap ports with --clock rx-timestamp. For each capture and policy:
#  - the summary JSON is byte-identical to mxgate-replay's;
#  - the frames forwarded out of port 1 are exactly replay's --pass
#    output, in order (frame hashes), and the RSTs sent back out of
#    port 0 exactly its --reset output;
#  - every mbuf is back in its pool at exit.
# The pcap PMD reads timestamps in microseconds and every frame as
# Ethernet, so each capture is first normalised (dp_pcap normalize) and
# both engines replay the same normalised file.
. "$(dirname "$0")/dp/lib.sh"
need_tools

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup_eal' EXIT

captures=()
for f in "$ROOT"/tests/captures/*.pcap*; do
	[ -f "$f" ] && captures+=("$f")
done
SCEN=$BUILD/bin/mxgate-scenario
if [ -x "$SCEN" ]; then
	"$SCEN" demo "$tmp/scen-demo.pcap" &&
		captures+=("$tmp/scen-demo.pcap")
	for v in "pcapng sll2" "pcap-ns raw" "pcap sll" "pcapng eth"; do
		set -- $v
		out=$tmp/scen-demo-small-$1-$2.cap
		"$SCEN" --format "$1" --linktype "$2" demo-small "$out" &&
			captures+=("$out")
	done
else
	echo "note: $SCEN not built: scenario captures not covered"
fi
"$DPPCAP" gen "$tmp/gen-mix1.pcap" mix 6000 1
"$DPPCAP" gen "$tmp/gen-mix2.pcap" mix 3000 7
"$DPPCAP" gen "$tmp/gen-benign.pcap" benign 2000 3
"$DPPCAP" gen "$tmp/gen-synflood.pcap" synflood 3000 5
captures+=("$tmp"/gen-*.pcap)

policies=("$POLICIES/policy-mix.json" "$POLICIES/policy-monitor.json")
for f in "$ROOT"/control/examples/*.json; do
	[ -f "$f" ] && policies+=("$f")
done

n=0
for cap in "${captures[@]}"; do
	n=$((n + 1))
	norm=$tmp/in-$n.pcap
	if ! "$DPPCAP" normalize "$cap" "$norm" >"$tmp/norm.txt"; then
		bad "$(basename "$cap"): cannot normalise"
		continue
	fi
	grep -q converted "$tmp/norm.txt" &&
		echo "note: $(basename "$cap") normalised to Ethernet/µs"
	for pol in "${policies[@]}"; do
		name="$(basename "$cap") / $(basename "$pol")"
		rm -f "$tmp"/r-* "$tmp"/d-*
		if ! "$REPLAY" --policy "$pol" --pass "$tmp/r-pass.pcap" \
			--reset "$tmp/r-rst.pcap" "$norm" >"$tmp/r.json" \
			2>"$tmp/r.err"; then
			bad "$name: mxgate-replay failed: $(cat "$tmp/r.err")"
			continue
		fi
		# shellcheck disable=SC2046
		if ! run_dp "$tmp/d.json" "$tmp/d.err" $(eal 0@0,1@1) \
			--vdev "net_pcap0,rx_pcap=$norm,tx_pcap=$tmp/d-p0.pcap" \
			--vdev "net_pcap1,tx_pcap=$tmp/d-p1.pcap" -- \
			--policy "$pol" --clock rx-timestamp --idle-exit 300; then
			bad "$name: mxgate-dp failed"
			tail -5 "$tmp/d.err"
			continue
		fi
		check "$name: summary identical" cmp -s "$tmp/d.json" "$tmp/r.json"
		if ! cmp -s "$tmp/d.json" "$tmp/r.json"; then
			echo "  replay: $(cat "$tmp/r.json")"
			echo "  dp:     $(cat "$tmp/d.json")"
		fi
		"$DPPCAP" hash "$tmp/d-p1.pcap" >"$tmp/d-pass.h"
		"$DPPCAP" hash "$tmp/r-pass.pcap" >"$tmp/r-pass.h"
		check "$name: forwarded frames = replay --pass ($(wc -l <"$tmp/r-pass.h"))" \
			cmp -s "$tmp/d-pass.h" "$tmp/r-pass.h"
		"$DPPCAP" hash "$tmp/d-p0.pcap" >"$tmp/d-rst.h"
		"$DPPCAP" hash "$tmp/r-rst.pcap" >"$tmp/r-rst.h"
		check "$name: RSTs = replay --reset ($(wc -l <"$tmp/r-rst.h"))" \
			cmp -s "$tmp/d-rst.h" "$tmp/r-rst.h"
		check "$name: no mbuf leaked" mbufs_back "$tmp/d.err"
	done
done
finish
