#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The committed exact-limit captures (tests/captures/README.md): a sender
# at exactly its limit is never dropped. Each capture, replayed under its
# committed policy by mxgate-replay, prints exactly its committed summary
# JSON, byte for byte: with the core engine (the sanitized build), and
# with --engine xdp when BPF is there (root). The generator still makes
# exactly the committed bytes. tests/lib/corpus.sh lists the captures and
# their policies, so the differential tests hold XDP and mxgate-dp to
# them too.
#
#   exact-1ps     one IPv4 source, a SYN to 25 every 1.000000 s, 100
#                 times, under 1/s burst 1 per host: 100/100 pass
#   exact-100ps   one IPv4 source, a SYN to 25 every 10 ms, 300 times,
#                 under 100/s burst 1 per host: 300/300 pass
set -u
BIN=${MXG_BIN:?run through make check}
REPLAY=${MXG_SAN_BIN:?}/mxgate-replay
SCEN=${MXG_TOOLS:?}/mxgate-scenario
CAP=$(cd "$(dirname "$0")/../captures" && pwd)
. "$(dirname "$0")/../lib/check.sh"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# name, attempts, then the mxgate-scenario arguments that make it
# (tests/captures/README.md)
CASES=(
	"exact-1ps 100 flood flood.rate=1/s flood.duration=100"
	"exact-100ps 300 flood flood.rate=100/s flood.duration=3"
)

# Can this machine run the XDP program? (root, BPF permitted)
xdp=0
if [ "$(id -u)" = 0 ] &&
	"$BIN/mxgate-replay" --engine xdp "$CAP/exact-1ps.pcap" >/dev/null 2>&1; then
	xdp=1
fi

for c in "${CASES[@]}"; do
	read -r name n args <<<"$c"
	pcap=$CAP/$name.pcap
	policy=$CAP/$name.policy.json
	want=$CAP/$name.summary.json
	# shellcheck disable=SC2086 # the arguments are words
	if "$SCEN" $args "$T/$name.pcap" >/dev/null 2>"$T/err" &&
		cmp -s "$T/$name.pcap" "$pcap"; then
		ok "$name: mxgate-scenario $args makes the committed bytes"
	else
		bad "$name: mxgate-scenario $args no longer makes $pcap" \
			"($(head -1 "$T/err"))"
	fi
	if "$REPLAY" --policy "$policy" "$pcap" >"$T/got.json" 2>"$T/err" &&
		cmp -s "$T/got.json" "$want"; then
		ok "$name: core summary = $(basename "$want")"
	else
		bad "$name: core summary differs from $(basename "$want"):" \
			"$(head -c 400 "$T/got.json") $(head -1 "$T/err")"
	fi
	got=$(jq -r '"\(.smtp_syns) \(.smtp_passed) \(.smtp_dropped)"' "$want")
	if [ "$got" = "$n $n 0" ]; then
		ok "$name: the committed summary says $n/$n pass"
	else
		bad "$name: the committed summary says syns passed dropped = $got"
	fi
	if [ $xdp = 1 ]; then
		if "$BIN/mxgate-replay" --engine xdp --policy "$policy" "$pcap" \
			>"$T/xdp.json" 2>"$T/err" && cmp -s "$T/xdp.json" "$want"; then
			ok "$name: XDP summary = $(basename "$want")"
		else
			bad "$name: XDP summary differs:" \
				"$(head -c 400 "$T/xdp.json") $(head -1 "$T/err")"
		fi
	fi
done
[ $xdp = 1 ] || echo "note: XDP not run here (needs root and BPF)"
finish
