#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hostile frames of DESIGN §3 through every engine (tests/lib/hostile.c,
# written by mxg-hostile): evasions through the parser's limits (nine
# IPv6 extension headers, first fragments that end before the TCP ports)
# are dropped on their way to protected destinations, and SYNs from or to
# addresses that must never get a RST (group MACs; unspecified, loopback,
# multicast, broadcast IPs) are dropped, never answered. For the core
# engine (mxgate-replay), the XDP program (mxgate-replay --engine xdp,
# root) and mxgate-dp (net_pcap, --clock rx-timestamp): the same summary,
# with the counts the cases give, and only the two legitimate RSTs sent.
. "$(dirname "$0")/dp/lib.sh"
HOSTILE=$BUILD/tools/mxg-hostile
[ -x "$HOSTILE" ] || skip "$HOSTILE not built"
[ -x "$REPLAY" ] || skip "$REPLAY not built"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup_eal' EXIT
"$HOSTILE" "$tmp/h.pcap" "$tmp/policy.json" || bad "mxg-hostile failed"

# counts FILE: the totals the cases are about.
counts() {
	jq -r '"\(.packets) \(.parser_limit) \(.parser_limit_dropped) \(.reset) \(.reset_suppressed) \(.unparsed) \(.smtp_syns) \(.smtp_dropped)"' "$1"
}
# 19 frames: the first SYN passes; 5 parser-limit frames, 3 of them to
# protected destinations (dropped); 2 RSTs; 11 resets turned into drops.
WANT="19 5 3 2 11 0 14 13"

"$REPLAY" --policy "$tmp/policy.json" --reset "$tmp/core-rst.pcap" \
	--drop "$tmp/core-drop.pcap" "$tmp/h.pcap" >"$tmp/core.json" ||
	bad "mxgate-replay (core) failed"
expect_eq "core engine: packets parser_limit dropped reset suppressed unparsed syns dropped" \
	"$(counts "$tmp/core.json")" "$WANT"
if command -v tshark >/dev/null 2>&1; then
	expect_eq "core engine: RSTs written" \
		"$(tshark -r "$tmp/core-rst.pcap" 2>/dev/null | wc -l)" 2
	expect_eq "core engine: frames dropped" \
		"$(tshark -r "$tmp/core-drop.pcap" 2>/dev/null | wc -l)" 16
fi

if [ "$(id -u)" = 0 ]; then
	if "$REPLAY" --engine xdp --policy "$tmp/policy.json" "$tmp/h.pcap" \
		>"$tmp/xdp.json" 2>"$tmp/xdp.err"; then
		expect_eq "XDP program: the core engine's summary" \
			"$(cat "$tmp/xdp.json")" "$(cat "$tmp/core.json")"
	elif grep -qi "cannot load\|not permitted\|needs Linux" "$tmp/xdp.err"; then
		echo "note: XDP engine unavailable: $(head -1 "$tmp/xdp.err")"
	else
		bad "mxgate-replay --engine xdp failed: $(head -1 "$tmp/xdp.err")"
	fi
else
	echo "note: not root: XDP engine not run"
fi

if [ -x "$DP" ] && [ "$(id -u)" = 0 ]; then
	# shellcheck disable=SC2046
	if run_dp "$tmp/dp.json" "$tmp/dp.err" $(eal 0-1) \
		--vdev "net_pcap0,rx_pcap=$tmp/h.pcap,tx_pcap=$tmp/dp-p0.pcap" \
		--vdev "net_pcap1,tx_pcap=$tmp/dp-p1.pcap" -- \
		--policy "$tmp/policy.json" --clock rx-timestamp --idle-exit 300; then
		expect_eq "mxgate-dp: the core engine's summary" \
			"$(cat "$tmp/dp.json")" "$(cat "$tmp/core.json")"
		check "mxgate-dp: every mbuf back" mbufs_back "$tmp/dp.err"
		if command -v tshark >/dev/null 2>&1; then
			expect_eq "mxgate-dp: RSTs sent out of port 0" \
				"$(tshark -r "$tmp/dp-p0.pcap" 2>/dev/null | wc -l)" 2
			expect_eq "mxgate-dp: frames forwarded" \
				"$(tshark -r "$tmp/dp-p1.pcap" 2>/dev/null | wc -l)" 3
		fi
	else
		bad "mxgate-dp failed: $(tail -3 "$tmp/dp.err")"
	fi
else
	echo "note: mxgate-dp not run (not built, or not root)"
fi
finish
