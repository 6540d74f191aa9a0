#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Control socket: malformed requests are refused and change nothing.
# mxgate-dp streams SMTP SYNs (net_pcap, infinite_rx=1) under a policy
# that denies every attempt (generation 7). Each malformed request
# carries an allow-everything image; if any were taken, attempts would
# start to pass. For each kind the server answers with an error, and
# afterwards generation 7 is still in force, its rule is the only one in
# the summary, and attempts are still all dropped. Then a valid reload
# does change the verdicts, an unprivileged peer is refused, and the
# data plane exits cleanly on SIGTERM.
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

"$DPPCAP" gen "$tmp/syn.pcap" synflood 500 3
"$DPPCAP" gen "$tmp/empty.pcap" mix 0
"$DPCTL" compile "$POLICIES/policy-allow.json" "$tmp/allow.img" 9

# shellcheck disable=SC2046
timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" $(eal 0@0,1@1) \
	--vdev "net_pcap0,rx_pcap=$tmp/syn.pcap,infinite_rx=1" \
	--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap" -- \
	--policy "$POLICIES/policy-allow.json" --control "$sock" \
	>"$tmp/dp.json" 2>"$tmp/dp.err" &
dp_pid=$!
for _ in $(seq 100); do
	[ -S "$sock" ] && break
	sleep 0.1
done
check "control socket is up" test -S "$sock"
check "deny policy loaded as generation 7" \
	"$DPCTL" load "$sock" "$POLICIES/policy-deny.json" 7

# in_force: generation 7, the deny rule alone, and attempts still all
# dropped (drops grow, nothing more is forwarded)
in_force() {
	"$DPCTL" dpstats "$sock" >"$tmp/a.json" || return 1
	sleep 0.2
	"$DPCTL" dpstats "$sock" >"$tmp/b.json" || return 1
	"$DPCTL" stats "$sock" >"$tmp/sum.json" || return 1
	[ "$(json_num "$tmp/b.json" generation)" -eq 7 ] &&
		grep -q '"rules": \[{"name": "deny-all"[^]]*}\]' "$tmp/sum.json" &&
		[ "$(json_num "$tmp/b.json" smtp_dropped)" -gt \
			"$(json_num "$tmp/a.json" smtp_dropped)" ] &&
		[ "$(json_num "$tmp/b.json" forwarded)" -eq \
			"$(json_num "$tmp/a.json" forwarded)" ]
}
check "deny policy in force" in_force

for kind in truncated magic version length type oversize nofd pipefd \
	unsealed size reqsum checksum corrupt twofds statsfd flags; do
	check "malformed '$kind' refused" \
		"$DPCTL" bad "$sock" "$kind" "$tmp/allow.img"
	check "after '$kind': policy in force unchanged" in_force
done

check "unprivileged peer refused by the socket's mode" \
	fails setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$DPCTL" stats "$sock"
# With the mode opened up, the peer credentials check still refuses.
chmod 0711 "$tmp"
chmod 0666 "$sock"
check "unprivileged peer refused by SO_PEERCRED" \
	fails setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$DPCTL" stats "$sock"
chmod 0660 "$sock"
chmod 0700 "$tmp"
check "refusal logged" grep -q "refused a client: pid [0-9]* uid 65534" \
	"$tmp/dp.err"
check "the socket still serves after all that" "$DPCTL" dpstats "$sock"
check "load over a stale generation refused" fails "$DPCTL" load "$sock" \
	"$tmp/allow.img" 0 6
check "after the stale load: policy in force unchanged" in_force
check "valid reload accepted" "$DPCTL" load "$sock" "$tmp/allow.img"
"$DPCTL" stats "$sock" >"$tmp/s1.json"
sleep 0.2
"$DPCTL" stats "$sock" >"$tmp/s2.json"
check "verdicts follow the new policy" \
	test "$(json_num "$tmp/s2.json" smtp_passed)" -gt \
	"$(json_num "$tmp/s1.json" smtp_passed)"

kill -TERM "$dp_pid"
wait "$dp_pid"
rc=$?
dp_pid=
check "graceful exit on SIGTERM (status $rc)" test "$rc" -eq 0
check "summary JSON on stdout" grep -q '^{"packets": [0-9]*,' "$tmp/dp.json"
check "socket removed at exit" test ! -e "$sock"
check "no mbuf leaked" mbufs_back "$tmp/dp.err"
finish
