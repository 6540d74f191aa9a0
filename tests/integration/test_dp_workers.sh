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
#    every mbuf is back in its pool;
#  - with workers' top-sources trackers far too small for the capture's 938
#    sources (--worker-top-capacity 16; the total as by default), the verdicts
#    and counters are the same, the log says the top counts are upper
#    bounds, every listed source's count is at least its exact count
#    (mxgate-replay's), and the heaviest source is still listed.
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
"$REPLAY" --top 100000 --policy "$pol" "$tmp/mix.pcap" >"$tmp/exact.json"
run_tiny() {
	# shellcheck disable=SC2046
	run_dp "$tmp/tiny.json" "$tmp/tiny.err" $(eal 0@0,1@1) \
		--vdev "net_pcap0,rx_pcap=$tmp/a.pcap,rx_pcap=$tmp/b.pcap,tx_pcap=$tmp/t-p0a.pcap,tx_pcap=$tmp/t-p0b.pcap" \
		--vdev "net_pcap1,tx_pcap=$tmp/t-p1a.pcap,tx_pcap=$tmp/t-p1b.pcap" \
		-- --policy "$pol" --clock rx-timestamp --idle-exit 400 \
		--rx-queues 2 --worker-top-capacity 16
}
check "tiny trackers: runs" run_tiny
check "tiny trackers: the same verdicts and counters" \
	cmp -s <(jq -S 'del(.top_sources)' "$tmp/tiny.json") \
	<(jq -S 'del(.top_sources)' "$tmp/replay.json")
check "tiny trackers: the log says the counts are upper bounds" \
	grep -q "top_sources counts are upper bounds" "$tmp/tiny.err"
check "tiny trackers: every listed count >= the exact count" \
	jq -e -n --slurpfile t "$tmp/tiny.json" --slurpfile x "$tmp/exact.json" \
	'($x[0].top_sources | map({(.src): .syns}) | add) as $exact |
	 $t[0].top_sources | length > 0 and
	 all(.[]; .syns >= ($exact[.src] // 0))'
check "tiny trackers: the heaviest source is listed" \
	jq -e -n --slurpfile t "$tmp/tiny.json" --slurpfile x "$tmp/exact.json" \
	'$x[0].top_sources[0].src as $s | any($t[0].top_sources[]; .src == $s)'
if ! cmp -s "$tmp/w1.json" "$tmp/w2.json"; then
	cat "$tmp/w1.json" "$tmp/w2.json" "$tmp/replay.json"
fi
finish
