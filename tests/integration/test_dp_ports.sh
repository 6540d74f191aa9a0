#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgate-dp port options on virtual devices:
#  - --rss-src-only on a PMD that cannot hash on the source address alone
#    (net_null: RSS without RTE_ETH_RSS_L3_SRC_ONLY; net_pcap: no RSS) is
#    refused before any port starts: exit 2, nothing on stdout, and one
#    error line naming the port and its driver. Without the option,
#    net_null's two rx queues get RSS on IP and TCP.
#  - --pairs with two pairs of net_pcap ports (0:1,2:3, then the crossed
#    0:3,1:2; 1 and 2 workers): every port's capture comes out of its
#    peer, frame for frame and in order, and out of no other port.
#  - bad --pairs (a port in two pairs, a port that does not exist) are
#    refused the same way.
. "$(dirname "$0")/dp/lib.sh"
need_tools

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup_eal' EXIT

# refused NAME PATTERN EAL-ARGS... -- DP-ARGS...: exit 2, no summary, and
# exactly one error line of mxgate-dp, matching PATTERN.
refused() {
	local name=$1 pattern=$2 rc
	shift 2
	run_dp "$tmp/$name.json" "$tmp/$name.err" "$@"
	rc=$?
	grep '^mxgate-dp: ' "$tmp/$name.err" >"$tmp/$name.lines"
	echo "  exit $rc: $(cat "$tmp/$name.lines")"
	[ "$rc" -eq 2 ] && [ ! -s "$tmp/$name.json" ] &&
		[ "$(wc -l <"$tmp/$name.lines")" -eq 1 ] &&
		grep -q "$pattern" "$tmp/$name.lines"
}

"$DPPCAP" gen "$tmp/in0.pcap" mix 700 1
"$DPPCAP" gen "$tmp/in1.pcap" mix 500 2
"$DPPCAP" gen "$tmp/in2.pcap" benign 600 3
"$DPPCAP" gen "$tmp/in3.pcap" mix 400 4
allow=$POLICIES/policy-allow.json

# shellcheck disable=SC2046
check "--rss-src-only refused on net_null (RSS, but not on the source alone)" \
	refused null "port 0 (net_null): --rss-src-only: the device cannot hash on the source address alone (.*no RTE_ETH_RSS_L3_SRC_ONLY)" \
	$(eal 0@0,1@1,2@0) --vdev net_null0 --vdev net_null1 -- \
	--policy "$allow" --rss-src-only --rx-queues 2 --idle-exit 200
# shellcheck disable=SC2046
check "--rss-src-only refused on net_pcap (no RSS)" \
	refused pcap "port 0 (net_pcap): --rss-src-only: .*no IP RSS" \
	$(eal 0@0,1@1) --vdev "net_pcap0,rx_pcap=$tmp/in0.pcap" \
	--vdev "net_pcap1,rx_pcap=$tmp/in1.pcap" -- \
	--policy "$allow" --rss-src-only --idle-exit 200
# shellcheck disable=SC2046
timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" $(eal 0@0,1@1,2@0) \
	--vdev net_null0 --vdev net_null1 -- --policy "$allow" --rx-queues 2 \
	>"$tmp/rss.json" 2>"$tmp/rss.err" &
pid=$!
wait_running "$tmp/rss.err"
sleep 0.5
kill -INT "$pid"
wait "$pid"
rc=$?
check "without it, net_null runs (status $rc) and prints its summary" \
	test "$rc" -eq 0 -a "$(head -c 12 "$tmp/rss.json")" = '{"packets": '

# RTE_ETH_RSS_IPV4 (bit 2) and RTE_ETH_RSS_NONFRAG_IPV4_TCP (bit 4)
rss_of() {
	local h
	h=$(sed -n 's/.*port 0 (net_null) -> port 1: 2 rx queue.*rss 0x\([0-9a-f]*\)$/\1/p' "$1")
	[ -n "$h" ] && echo $((0x$h))
}
rss=$(rss_of "$tmp/rss.err")
check "... with RSS on IP and TCP over its 2 rx queues" \
	test -n "$rss" -a $((${rss:-0} & 0x14)) -eq $((0x14))
check "... and no mbuf leaked" mbufs_back "$tmp/rss.err"

# shellcheck disable=SC2046
check "--pairs with a port in two pairs refused" \
	refused twice "pair 1:2: a port is in two pairs" \
	$(eal 0@0,1@1) --vdev "net_pcap0,rx_pcap=$tmp/in0.pcap" \
	--vdev "net_pcap1,rx_pcap=$tmp/in1.pcap" \
	--vdev "net_pcap2,rx_pcap=$tmp/in2.pcap" -- \
	--policy "$allow" --pairs 0:1,1:2 --idle-exit 200
# shellcheck disable=SC2046
check "--pairs with a port that does not exist refused" \
	refused noport "pair 0:5: no such port (2 found)" \
	$(eal 0@0,1@1) --vdev "net_pcap0,rx_pcap=$tmp/in0.pcap" \
	--vdev "net_pcap1,rx_pcap=$tmp/in1.pcap" -- \
	--policy "$allow" --pairs 0:5 --idle-exit 200

for p in 0 1 2 3; do
	"$DPPCAP" hash "$tmp/in$p.pcap" >"$tmp/in$p.h"
done

# two_pairs RUN LCORES PAIRS PEER0 PEER1 PEER2 PEER3
two_pairs() {
	local run=$1 lcores=$2 pairs=$3 vdevs=() p q
	shift 3
	local peer=("$@")
	for p in 0 1 2 3; do
		vdevs+=(--vdev "net_pcap$p,rx_pcap=$tmp/in$p.pcap,tx_pcap=$tmp/$run-out$p.pcap")
	done
	# shellcheck disable=SC2046
	check "$run: --pairs $pairs runs" run_dp "$tmp/$run.json" "$tmp/$run.err" \
		$(eal "$lcores") "${vdevs[@]}" -- --policy "$allow" \
		--pairs "$pairs" --idle-exit 300
	for p in 0 1 2 3; do
		check "$run: port $p -> port ${peer[$p]} logged" \
			grep -q "port $p (net_pcap) -> port ${peer[$p]}:" "$tmp/$run.err"
		"$DPPCAP" hash "$tmp/$run-out$p.pcap" >"$tmp/$run-out$p.h"
	done
	for p in 0 1 2 3; do
		q=${peer[$p]}
		check "$run: port $p's $(wc -l <"$tmp/in$p.h") frames out of port $q, in order" \
			cmp -s "$tmp/in$p.h" "$tmp/$run-out$q.h"
	done
	exit_stats "$tmp/$run.err" >"$tmp/$run.stats"
	check "$run: all 2200 received, all 2200 sent" \
		test "$(json_num "$tmp/$run.stats" rx)" -eq 2200 -a \
		"$(json_num "$tmp/$run.stats" tx)" -eq 2200
	check "$run: no mbuf leaked" mbufs_back "$tmp/$run.err"
}
two_pairs straight 0@0,1@1 0:1,2:3 1 0 3 2
two_pairs crossed 0@0,1@1 0:3,1:2 3 2 1 0
two_pairs crossed-2w 0@0,1@1,2@0 0:3,1:2 3 2 1 0
finish
