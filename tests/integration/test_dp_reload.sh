#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Hitless reload: 100 policy reloads through the control socket while a
# net_pcap port streams a traffic mix without end (infinite_rx=1), over
# two rx queues polled by two workers.
#  - every reload is accepted; each worker adopted each of them;
#  - nothing is lost: frames received on port 0 = frames sent out of
#    port 1 (forwarded) + frames dropped by verdict, by the PMD's own
#    counters; RSTs = frames sent back out of port 0; no tx drop, no
#    missed frame, no rx_nombuf;
#  - bucket state survives reloads (the traffic's few hundred sources
#    come round again and again; rule "held" lets each pass twice an
#    hour). Once they have used their burst: a reload that keeps the rule
#    (its stable id: name, key and rate), even at another index, lets no
#    attempt more pass, and the rule's counters go on from where they
#    were; the same rule re-rated (a new id) starts fresh buckets, so
#    sources pass again, its counters still going on by name; renamed,
#    fresh buckets and counters from zero;
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
"$DPPCAP" split "$tmp/mix.pcap" "$tmp/mix-a.pcap" "$tmp/mix-b.pcap"
"$DPPCAP" gen "$tmp/empty.pcap" mix 0
"$DPCTL" compile "$POLICIES/policy-mix.json" "$tmp/a.img" 1
"$DPCTL" compile "$POLICIES/policy-reload.json" "$tmp/b.img" 2

# shellcheck disable=SC2046
timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" $(eal 0@0,1@1,2@0) \
	--vdev "net_pcap0,rx_pcap=$tmp/mix-a.pcap,rx_pcap=$tmp/mix-b.pcap,infinite_rx=1" \
	--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap" -- \
	--policy-image "$tmp/a.img" --control "$sock" --rx-queues 2 \
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
check "2 workers, each polling port 0" \
	test "$(grep -c 'worker [01] polling 2 rx queues' "$tmp/dp.err")" -eq 1 -a \
	"$(grep -c 'worker [01] polling 1 rx queues' "$tmp/dp.err")" -eq 1
check "100 reloads counted" test "$(json_num "$tmp/s1.json" reloads)" -eq 100
check "each of the 2 workers adopted all 100" \
	test "$(json_num "$tmp/s1.json" policy_adopted)" -eq 200
check "generation 2 (policy B) in force" \
	test "$(json_num "$tmp/s1.json" generation)" -eq 2
check "traffic kept flowing" test "$(json_num "$tmp/s1.json" rx)" -gt \
	"$(json_num "$tmp/s0.json" rx)"

# Bucket state across reloads.
# rule_num FILE RULE KEY: KEY of RULE in a summary.
rule_num() {
	jq -r --arg r "$2" --arg k "$3" \
		'.rules[] | select(.name == $r) | .[$k]' "$1"
}
# settled OUT: a summary, once no attempt has passed for 0.3 s (every
# source has used its burst); 1 if that takes more than 10 s.
settled() {
	local a b
	"$DPCTL" stats "$sock" >"$1" || return 1
	for _ in $(seq 30); do
		a=$(json_num "$1" smtp_passed)
		sleep 0.3
		"$DPCTL" stats "$sock" >"$1" || return 1
		b=$(json_num "$1" smtp_passed)
		[ "$a" = "$b" ] && return 0
	done
	return 1
}
load() { # POLICY: loaded, or a failed check
	check "load $(basename "$1")" "$DPCTL" load "$sock" "$1"
}
load "$POLICIES/policy-held.json"
check "held: every source used its burst" settled "$tmp/h1.json"
p1=$(json_num "$tmp/h1.json" smtp_passed)
hp1=$(rule_num "$tmp/h1.json" held passed)
hd1=$(rule_num "$tmp/h1.json" held dropped)
echo "held: $hp1 passed, $hd1 dropped (all rules: $p1 passed)"
check "held: sources passed, then were dropped" test "$hp1" -gt 0 -a "$hd1" -gt 0

load "$POLICIES/policy-held-moved.json"
sleep 0.5
"$DPCTL" stats "$sock" >"$tmp/h2.json"
check "same rule at another index: no attempt passed since (buckets kept)" \
	test "$(json_num "$tmp/h2.json" smtp_passed)" -eq "$p1"
check "... its passed count carried over" \
	test "$(rule_num "$tmp/h2.json" held passed)" -eq "$hp1"
check "... its drops going on from $hd1" \
	test "$(rule_num "$tmp/h2.json" held dropped)" -gt "$hd1"
check "... the new rule in front matched nothing" \
	test "$(rule_num "$tmp/h2.json" nobody matched)" -eq 0

load "$POLICIES/policy-held-rerated.json"
check "re-rated: settled again" settled "$tmp/h3.json"
p3=$(json_num "$tmp/h3.json" smtp_passed)
hp3=$(rule_num "$tmp/h3.json" held passed)
echo "re-rated held: $((p3 - p1)) more passed"
check "re-rated (a new id): fresh buckets, sources passed again" \
	test "$p3" -gt "$p1"
check "... its counters going on by name ($hp1 + $((p3 - p1)))" \
	test "$hp3" -eq $((hp1 + p3 - p1))

load "$POLICIES/policy-held-renamed.json"
check "renamed: settled again" settled "$tmp/h4.json"
p4=$(json_num "$tmp/h4.json" smtp_passed)
echo "renamed: $((p4 - p3)) more passed"
check "renamed (a new id): fresh buckets, sources passed again" \
	test "$p4" -gt "$p3"
check "... its counters from zero" \
	test "$(rule_num "$tmp/h4.json" held-renamed passed)" -eq $((p4 - p3))
check "... as many passes as under the first rule (same rate and burst)" \
	test $((p4 - p3)) -eq "$hp1"

kill -INT "$dp_pid"
wait "$dp_pid"
rc=$?
dp_pid=
check "graceful exit on SIGINT (status $rc)" test "$rc" -eq 0
exit_stats "$tmp/dp.err" >"$tmp/exit.json"
port_stats "$tmp/exit.json" 0 >"$tmp/p0"
port_stats "$tmp/exit.json" 1 >"$tmp/p1"
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
check "summary names the last policy's rule" \
	test "$(jq -c '[.rules[].name]' "$tmp/dp.json")" = '["held-renamed"]'

check "no mbuf leaked" mbufs_back "$tmp/dp.err"
finish
