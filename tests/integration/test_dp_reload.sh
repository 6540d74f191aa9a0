#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hitless reload: 100 policy reloads through the control socket while a
# net_pcap port streams a traffic mix without end (infinite_rx=1).
#  - every reload is accepted; the worker adopted each of them;
#  - nothing is lost: frames received on port 0 = frames sent out of
#    port 1 (forwarded) + frames dropped by verdict, by the PMD's own
#    counters; RSTs = frames sent back out of port 0; no tx drop, no
#    missed frame, no rx_nombuf;
#  - the summary at exit names the rules of the last policy loaded, and
#    every mbuf is back in its pool.
. "$(dirname "$0")/dp/lib.sh"
need_tools

tmp=$(mktemp -d)
dp_pid=
cleanup() {
	[ -n "$dp_pid" ] && kill -KILL "$dp_pid" 2>/dev/null
	rm -rf "$tmp"
	cleanup_eal
}
trap cleanup EXIT
sock=$tmp/ctl.sock

"$DPPCAP" gen "$tmp/mix.pcap" mix 2000 21
"$DPPCAP" gen "$tmp/empty.pcap" mix 0
"$DPCTL" compile "$POLICIES/policy-mix.json" "$tmp/a.img" 1
"$DPCTL" compile "$POLICIES/policy-reload.json" "$tmp/b.img" 2

# shellcheck disable=SC2046
timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" $(eal 0@0,1@1) \
	--vdev "net_pcap0,rx_pcap=$tmp/mix.pcap,infinite_rx=1" \
	--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap" -- \
	--policy-image "$tmp/a.img" --control "$sock" \
	>"$tmp/dp.json" 2>"$tmp/dp.err" &
dp_pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
check "control socket is up" test -S "$sock"
check "control socket mode is 0660" test "$(stat -c %a "$sock")" = 660
"$DPCTL" dpstats "$sock" >"$tmp/s0.json"
check "traffic is flowing before the reloads" \
	test "$(json_num "$tmp/s0.json" rx)" -gt 0

check "100 reloads accepted while traffic streams" \
	"$DPCTL" reload-loop "$sock" 100 "$tmp/a.img" "$tmp/b.img" 10
"$DPCTL" dpstats "$sock" >"$tmp/s1.json"
"$DPCTL" stats "$sock" >"$tmp/sum1.json"
check "100 reloads counted" test "$(json_num "$tmp/s1.json" reloads)" -eq 100
check "the worker adopted all 100" \
	test "$(json_num "$tmp/s1.json" policy_adopted)" -eq 100
check "generation 2 (policy B) in force" \
	test "$(json_num "$tmp/s1.json" generation)" -eq 2
check "traffic kept flowing" test "$(json_num "$tmp/s1.json" rx)" -gt \
	"$(json_num "$tmp/s0.json" rx)"

kill -INT "$dp_pid"
wait "$dp_pid"
rc=$?
dp_pid=
check "graceful exit on SIGINT (status $rc)" test "$rc" -eq 0
exit_stats "$tmp/dp.err" >"$tmp/exit.json"
tr '{' '\n' <"$tmp/exit.json" >"$tmp/ports.txt"
p0=$(grep '"port": 0,' "$tmp/ports.txt")
p1=$(grep '"port": 1,' "$tmp/ports.txt")
echo "$p0" >"$tmp/p0"
echo "$p1" >"$tmp/p1"
rx=$(json_num "$tmp/exit.json" rx)
fwd=$(json_num "$tmp/dp.json" forwarded)
dropped=$(json_num "$tmp/dp.json" smtp_dropped)
rst=$(json_num "$tmp/exit.json" rst_sent)
in0=$(json_num "$tmp/p0" ipackets)
out0=$(json_num "$tmp/p0" opackets)
out1=$(json_num "$tmp/p1" opackets)
echo "rx $rx (port 0: $in0) forwarded $fwd (port 1 out: $out1)" \
	"dropped $dropped rst $rst (port 0 out: $out0)"
check "summary counts every received frame" \
	test "$(json_num "$tmp/dp.json" packets)" -eq "$rx"
check "port 0 received = worker received" test "$in0" -eq "$rx"
check "received = forwarded + policy drops" \
	test "$rx" -eq $((fwd + dropped))
check "port 1 sent every forwarded frame" test "$out1" -eq "$fwd"
check "port 0 sent every RST" test "$out0" -eq "$rst"
check "no tx drop" test "$(json_num "$tmp/exit.json" tx_dropped)" -eq 0
check "no missed frame, no rx_nombuf" \
	test "$(json_num "$tmp/p0" imissed)" -eq 0 -a \
	"$(json_num "$tmp/p0" rx_nombuf)" -eq 0
check "summary names policy B's rules" \
	grep -q '"rules": \[{"name": "partners".*{"name": "per-host".*{"name": "drop-list".*{"name": "mx-total"' "$tmp/dp.json"
check "no mbuf leaked" mbufs_back "$tmp/dp.err"
finish
