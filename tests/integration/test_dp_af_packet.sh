#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgate-dp on real traffic: net_af_packet ports on a veth pair each,
# inside network namespaces made for this test only:
#
#   ns A: veth 10.199.0.1 -- [ns M: af_packet port 0 | mxgate-dp | port 1]
#                                                   -- veth 10.199.0.2: ns B
#
# Ping and a TCP transfer pass through the pair; a burst of 50 SYNs to
# port 25 from one host is limited to the rule's burst of 3. Needs root;
# everything is removed at exit.
. "$(dirname "$0")/dp/lib.sh"
need_tools
[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
command -v nc >/dev/null || skip "needs nc (netcat-openbsd)"

tag=$$
A=mxgA$tag B=mxgB$tag M=mxgM$tag
va0=mxa0$tag va1=mxa1$tag vb0=mxb0$tag vb1=mxb1$tag
tmp=$(mktemp -d)
dp_pid=
cleanup() {
	[ -n "$dp_pid" ] && kill -KILL "$dp_pid" 2>/dev/null
	ip netns pids "$B" 2>/dev/null | xargs -r kill 2>/dev/null
	ip netns del "$A" 2>/dev/null
	ip netns del "$B" 2>/dev/null
	ip netns del "$M" 2>/dev/null
	rm -rf "$tmp"
	cleanup_eal
}
trap cleanup EXIT

ip netns add "$A" && ip netns add "$B" && ip netns add "$M" ||
	skip "cannot create network namespaces"
ip link add "$va0" netns "$A" type veth peer name "$va1" netns "$M"
ip link add "$vb0" netns "$B" type veth peer name "$vb1" netns "$M"
ip -n "$A" addr add 10.199.0.1/24 dev "$va0"
ip -n "$B" addr add 10.199.0.2/24 dev "$vb0"
for l in "$A $va0" "$B $vb0" "$M $va1" "$M $vb1" "$A lo" "$B lo"; do
	set -- $l
	ip -n "$1" link set "$2" up
done
# No IPv6 autoconfiguration chatter (it would blur the frame counts):
# without it the counts below are wrong, so a failure here fails the test.
for ns in "$A" "$B"; do
	for key in all default; do
		ip netns exec "$ns" sysctl -qw "net.ipv6.conf.$key.disable_ipv6=1" || {
			echo "FAIL: sysctl net.ipv6.conf.$key.disable_ipv6=1 in" \
				"namespace $ns failed (is procps installed? make deps)"
			exit 1
		}
	done
done
# Checksums are left to the receiver on veths; frames that go through an
# AF_PACKET socket must carry complete ones.
for l in "$A $va0" "$B $vb0"; do
	set -- $l
	ip netns exec "$1" ethtool -K "$2" tx off >/dev/null 2>&1
done

# shellcheck disable=SC2046
ip netns exec "$M" timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" $(eal 0@0,1@1) \
	--vdev "net_af_packet0,iface=$va1" --vdev "net_af_packet1,iface=$vb1" \
	-- --policy "$POLICIES/policy-af.json" >"$tmp/dp.json" 2>"$tmp/dp.err" &
dp_pid=$!
for _ in $(seq 100); do
	grep -q "worker(s) running" "$tmp/dp.err" && break
	sleep 0.1
done
check "mxgate-dp runs on two af_packet ports" \
	grep -q "worker(s) running" "$tmp/dp.err"

check "ping A -> B through the pair" \
	ip netns exec "$A" ping -c 3 -i 0.2 -W 2 10.199.0.2
echo "hello through mxgate" >"$tmp/msg"
tcp_once() {
	rm -f "$tmp/got"
	ip netns exec "$B" timeout 10 nc -l 10.199.0.2 8025 >"$tmp/got" &
	local srv=$!
	for _ in $(seq 20); do # until the listener is up
		ip netns exec "$B" ss -ltn 2>/dev/null | grep -q ':8025 ' && break
		sleep 0.1
	done
	ip netns exec "$A" timeout 10 nc -N -w 3 10.199.0.2 8025 <"$tmp/msg"
	wait "$srv"
	cmp -s "$tmp/msg" "$tmp/got"
}
tcp() {
	tcp_once || tcp_once || tcp_once
}
check "TCP A -> B through the pair" tcp

# B has no listener on port 25: its kernel answers each SYN that reaches
# it with a RST, counted in B's own TCP OutRsts.
out_rsts() {
	ip netns exec "$B" awk '/^Tcp:/ { if (!h) { for (i = 1; i <= NF; i++)
		if ($i == "OutRsts") c = i; h = 1 } else print $c }' /proc/net/snmp
}
r0=$(out_rsts)
mac_b=$(ip netns exec "$B" cat "/sys/class/net/$vb0/address")
check "50 SYNs to port 25 sent from A" ip netns exec "$A" \
	"$DPPCAP" inject "$va0" 50 10.199.0.1 10.199.0.2 25 "$mac_b"
sleep 1
r1=$(out_rsts)
echo "B answered $((r1 - r0)) SYNs to port 25"
check "B got the 3 SYNs the burst allows, not 50" test $((r1 - r0)) -eq 3

kill -INT "$dp_pid"
wait "$dp_pid"
rc=$?
dp_pid=
check "graceful exit (status $rc)" test "$rc" -eq 0
cat "$tmp/dp.json"
check "50 attempts counted" test "$(json_num "$tmp/dp.json" smtp_syns)" -eq 50
check "3 passed, 47 dropped" \
	test "$(json_num "$tmp/dp.json" smtp_passed)" -eq 3 -a \
	"$(json_num "$tmp/dp.json" smtp_dropped)" -eq 47
check "ping and TCP frames forwarded" \
	test "$(json_num "$tmp/dp.json" forwarded)" -gt 10
check "no mbuf leaked" mbufs_back "$tmp/dp.err"
finish
