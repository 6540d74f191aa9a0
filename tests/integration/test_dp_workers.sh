#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgate-dp with 2 workers gives the same totals as with 1 worker.
# A capture is split by source /24 (IPv4) or /48 (IPv6), as RSS on the
# source address would, into the two rx queues of port 0 (two rx_pcap
# files). The policy keys every bucket on the source (host or prefix),
# so each bucket sees its attempts in capture order whichever worker
# polls the queue. Then:
#  - the 1-worker and 2-worker summaries are identical, and both equal
#    mxgate-replay's summary of the unsplit capture;
#  - every frame is accounted for (received = forwarded + dropped), and
#    every mbuf is back in its pool.
. "$(dirname "$0")/dp/lib.sh"
need_tools

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; cleanup_eal' EXIT
pol=$POLICIES/policy-partition.json

"$DPPCAP" gen "$tmp/mix.pcap" mix 8000 11
"$DPPCAP" split "$tmp/mix.pcap" "$tmp/a.pcap" "$tmp/b.pcap"
"$REPLAY" --policy "$pol" "$tmp/mix.pcap" >"$tmp/replay.json"

run_workers() { # LCORES OUT
	# shellcheck disable=SC2046
	run_dp "$tmp/$2.json" "$tmp/$2.err" $(eal "$1") \
		--vdev "net_pcap0,rx_pcap=$tmp/a.pcap,rx_pcap=$tmp/b.pcap,tx_pcap=$tmp/$2-p0a.pcap,tx_pcap=$tmp/$2-p0b.pcap" \
		--vdev "net_pcap1,tx_pcap=$tmp/$2-p1a.pcap,tx_pcap=$tmp/$2-p1b.pcap" \
		-- --policy "$pol" --clock rx-timestamp --idle-exit 400 \
		--rx-queues 2
}

check "1 worker runs" run_workers 0@0,1@1 w1
check "2 workers run" run_workers 0@0,1@1,2@0 w2
check "2 workers: 2 workers started" grep -q "2 worker(s) running" "$tmp/w2.err"
check "1 worker polls the 4 rx queues" grep -q "polling 4 rx queues" "$tmp/w1.err"
check "2 workers: each polls 2 of the 4 rx queues" \
	test "$(grep -c 'polling 2 rx queues' "$tmp/w2.err")" -eq 2
check "1 worker = 2 workers (summary)" cmp -s "$tmp/w1.json" "$tmp/w2.json"
check "1 worker = replay of the unsplit capture" \
	cmp -s "$tmp/w1.json" "$tmp/replay.json"
for w in w1 w2; do
	exit_stats "$tmp/$w.err" >"$tmp/$w.stats"
	rx=$(json_num "$tmp/$w.stats" rx)
	fwd=$(json_num "$tmp/$w.json" forwarded)
	drop=$(json_num "$tmp/$w.stats" policy_dropped)
	check "$w: received 8000 = forwarded $fwd + dropped $drop" \
		test "$rx" -eq 8000 -a $((fwd + drop)) -eq "$rx"
	check "$w: no tx drop" test "$(json_num "$tmp/$w.stats" tx_dropped)" -eq 0
	check "$w: no mbuf leaked" mbufs_back "$tmp/$w.err"
done
if ! cmp -s "$tmp/w1.json" "$tmp/w2.json"; then
	cat "$tmp/w1.json" "$tmp/w2.json" "$tmp/replay.json"
fi
finish
