#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# mxgated's FlowSpec export and sharing over BGP, with real daemons in
# network namespaces this test creates:
#
#   ns r  the router: FRR's bgpd (AS 65000), its own config, pid file and
#         vty socket under a temporary directory, asked with vtysh;
#   ns a  appliance A: gobgpd (AS 65001) peering with r; mxgated A
#         (--no-engine) announces its blocks through gobgpd's API;
#   ns b  appliance B: gobgpd (AS 65002) peering with r; mxgated B runs
#         the XDP engine on the link to ns c and learns A's rules from r;
#   ns c  a client whose SMTP connects to B show B's verdicts.
#
# Checked: the router's own FlowSpec table shows A's block with the right
# match (source, TCP, the policy's SMTP ports) and action (traffic-rate 0,
# discard), with RTBH (BLACKHOLE community) beside it; blocks inside an
# allow set or protected are never announced; the rule is gone from the
# router after its TTL, and after an unblock; B lists the learned block
# with its origin and TTL, drops the client while it holds, and lets it
# through once it expired; over --bgp-max-routes, sibling blocks are
# aggregated and the rest capped, in the logs and the metrics. The
# router's CLI output is printed into the log.
#
# Needs root, network namespaces, gobgpd, FRR: exits 77 (skipped)
# without. Everything it creates is removed on exit.
set -u
set -o pipefail
BGPD=/usr/lib/frr/bgpd

. "$(dirname "$0")/../lib/check.sh"
. "$(dirname "$0")/../lib/netns.sh"
[ -x "$BGPD" ] || skip "needs FRR's bgpd (make deps)"
mxgated_test_setup mxgb mxgated-bgp gobgpd gobgp vtysh
chmod 755 "$T"
pids=""
cleanup() {
	local p n
	if [ "$fails" -gt 0 ]; then
		for f in ctld-a.err ctld-b.err r/bgpd.log gobgpd-a.log; do
			[ -f "$T/$f" ] || continue
			echo "--- $f (last 25 lines):"
			tail -n 25 "$T/$f"
		done
	fi
	for p in $pids; do kill -KILL "$p" 2>/dev/null; done
	[ -f "$T/r/bgpd.pid" ] && kill -KILL "$(cat "$T/r/bgpd.pid")" 2>/dev/null
	wait 2>/dev/null
	[ -d /run/netns/"${tag}b" ] &&
		nsenter --net=/run/netns/"${tag}b" "$XDP" --pin-dir "$PIN" detach \
			>/dev/null 2>&1
	rm -rf "$PIN"
	for n in r a b c; do
		for p in $(ip netns pids "$tag$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$tag$n" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# ---- the topology ----
ip netns add "${tag}r" 2>/dev/null || skip "cannot create network namespaces"
for n in a b c; do ip netns add "$tag$n" || exit 1; done
for n in r a b c; do ip -n "$tag$n" link set lo up; done
link() { # NS1 IF1 ADDR1 NS2 IF2 ADDR2
	ip link add "$2" type veth peer name "$5" || exit 1
	ip link set "$2" netns "$tag$1"
	ip link set "$5" netns "$tag$4"
	ip -n "$tag$1" addr add "$3" dev "$2"
	ip -n "$tag$4" addr add "$6" dev "$5"
	ip -n "$tag$1" link set "$2" up
	ip -n "$tag$4" link set "$5" up
}
link r "${tag}ra" 10.253.1.1/24 a "${tag}ar" 10.253.1.2/24
link r "${tag}rb" 10.253.2.1/24 b "${tag}br" 10.253.2.2/24
# the client's sources (10.254.1.0/24) and B's server (10.254.0.2) on one
# link, two subnets: a block of the sources never covers B's protected
# server (mxgated refuses to apply or announce one that would)
link c "${tag}cb" 10.254.1.1/24 b "${tag}bc" 10.254.0.2/24
ip -n "${tag}c" addr add 10.254.1.3/24 dev "${tag}cb"
ip -n "${tag}c" route add 10.254.0.0/24 dev "${tag}cb"
ip -n "${tag}b" route add 10.254.1.0/24 dev "${tag}bc"

# ---- the router: FRR's bgpd alone (-Z: no zebra) ----
mkdir -p "$T/r"
chmod 777 "$T/r"
cat >"$T/r/bgpd.conf" <<EOF
hostname router
log file $T/r/bgpd.log
!
router bgp 65000
 bgp router-id 10.253.1.1
 no bgp ebgp-requires-policy
 neighbor 10.253.1.2 remote-as 65001
 neighbor 10.253.2.2 remote-as 65002
 address-family ipv4 unicast
  neighbor 10.253.1.2 activate
 exit-address-family
 address-family ipv4 flowspec
  neighbor 10.253.1.2 activate
  neighbor 10.253.2.2 activate
 exit-address-family
 address-family ipv6 flowspec
  neighbor 10.253.1.2 activate
  neighbor 10.253.2.2 activate
 exit-address-family
!
EOF
ip netns exec "${tag}r" "$BGPD" -f "$T/r/bgpd.conf" -i "$T/r/bgpd.pid" \
	--vty_socket "$T/r" -Z -S -n -d 2>"$T/r/bgpd.err" ||
	{ bad "FRR bgpd did not start: $(cat "$T/r/bgpd.err")"; finish; exit; }
vty() { vtysh --vty_socket "$T/r" -d bgpd -c "$1"; }
router() { # what the router shows, into the log (with the time)
	local out
	out=$(vty "$1")
	echo "--- router# $1    ($(date +%T))"
	if [ -n "$out" ]; then
		echo "$out" | sed 's/^/    /'
	else
		echo "    (empty: no entries)"
	fi
}

# ---- the appliances' speakers: gobgpd, configured by the operator ----
gobgpd_conf() { # AS ADDR PEER [unicast]
	cat <<EOF
[global.config]
  as = $1
  router-id = "$2"
  port = 179
[[neighbors]]
  [neighbors.config]
    neighbor-address = "$3"
    peer-as = 65000
  [neighbors.timers.config]
    connect-retry = 1
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-flowspec"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-flowspec"
EOF
	[ -z "${4:-}" ] || cat <<EOF
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
EOF
}
gobgpd_conf 65001 10.253.1.2 10.253.1.1 unicast >"$T/gobgpd-a.toml"
gobgpd_conf 65002 10.253.2.2 10.253.2.1 >"$T/gobgpd-b.toml"
for n in a b; do
	ip netns exec "$tag$n" gobgpd -f "$T/gobgpd-$n.toml" -p --pprof-disable \
		--api-hosts "unix://$T/gobgp-$n.sock" >"$T/gobgpd-$n.log" 2>&1 &
	pids="$pids $!"
done
established() {
	vty "show bgp summary json" | jq -e '
		[.. | objects | select(has("peers")) | .peers[] | .state]
		| length >= 2 and all(. == "Established")' >/dev/null
}
t0=$(date +%s)
check "BGP sessions router-A and router-B established" wait_for 30 established
echo "sessions up in $(($(date +%s) - t0)) s"

# ---- the appliances' mxgated ----
mkdir -p "$T/pa" "$T/pb"
cat >"$T/pa/policy.json" <<'J'
{"version": 1, "smtp_ports": [25, 587],
 "protected": ["198.51.100.0/24"],
 "sets": {"partners": ["192.0.2.0/26"]},
 "rules": [{"name": "partners", "src": "@partners", "action": "allow"},
  {"name": "per-host", "limit": {"rate": "1000/s", "burst": 1000, "per": "host"}}]}
J
# B protects its server (10.254.0.2): only connects to it are attempts
sed 's|"protected": \["198.51.100.0/24"\]|"protected": ["198.51.100.0/24", "10.254.0.2/32"]|' \
	"$T/pa/policy.json" >"$T/pb/policy.json"
"$CTLD" --policy "$T/pa/policy.json" --no-engine --socket "$T/a.sock" \
	--state "$T/a.state" --metrics "127.0.0.1:$port" -v \
	--bgp-api "unix://$T/gobgp-a.sock" --bgp-rtbh 192.0.2.254 \
	--bgp-max-routes 3 --bgp-churn 20 2>"$T/ctld-a.err" &
pids="$pids $!"
ctla() { MXGATED_SOCKET=$T/a.sock "$CTL" "$@"; }
ctlb() { MXGATED_SOCKET=$T/b.sock "$CTL" "$@"; }
nsenter --net=/run/netns/"${tag}b" "$CTLD" --policy "$T/pb/policy.json" \
	--xdp "${tag}bc" --pin-dir "$PIN" --socket "$T/b.sock" \
	--state "$T/b.state" --metrics "127.0.0.1:$port" --heartbeat 200 -v \
	--bgp-api "unix://$T/gobgp-b.sock" --bgp-learn-from 10.253.2.1 \
	2>"$T/ctld-b.err" &
pids="$pids $!"
bgp_up() { # ctl
	"$@" status --json | jq -e '.bgp.up' >/dev/null
}
check "mxgated A: gobgpd's API answers" wait_for 20 bgp_up ctla
check "mxgated B: gobgpd's API answers" wait_for 20 bgp_up ctlb
xdp=1
b_in_force() {
	ctlb status --json | jq -e '.health == "up" and .in_force' >/dev/null
}
if ! wait_for 30 b_in_force; then
	if grep -qE "BPF unavailable|not permitted" "$T/ctld-b.err"; then
		echo "note: BPF unavailable, B's verdicts not checked"
		xdp=0
	else
		bad "mxgated B --xdp: up, its image in force"
	fi
fi
ip netns exec "${tag}b" "$PROBE" listen 25 >"$T/serve" 2>&1 &
pids="$pids $!"
wait_for 5 grep -q listening "$T/serve" || bad "test server on B"
expect_connect() { # what want FROM
	local got
	[ "$xdp" = 1 ] || return 0
	got=$(ip netns exec "${tag}c" "$PROBE" connect --from "$3" \
		--timeout 800 10.254.0.2 25 2>&1)
	case "$got" in
	"$2 "*) ok "$1: $got" ;;
	*) bad "$1: got \"$got\", want $2" ;;
	esac
}
expect_connect "B: before any block, 10.254.1.1 connects" connected 10.254.1.1

# ---- A blocks: announced; allow and protected never ----
t0=$(date +%s)
check "A: block 10.254.1.0/24 --ttl 15s" \
	ctla block 10.254.1.0/24 --ttl 15s --reason "smtp flood"
check "A: block 2001:db8:66::/48 --ttl 15s" \
	ctla block 2001:db8:66::/48 --ttl 15s --reason "smtp flood v6"
check "A: block 192.0.2.0/24 (covers the partners, an allow set)" \
	ctla block 192.0.2.0/24
check "A: block 198.51.100.128/25 (inside protected)" \
	ctla block 198.51.100.128/25
fs_has() { vty "show bgp $1 flowspec detail" | grep -q "Source Address $2"; }
check "router: A's IPv4 rule in its FlowSpec table" \
	wait_for 15 fs_has ipv4 10.254.1.0/24
check "router: A's IPv6 rule in its FlowSpec table" \
	wait_for 15 fs_has ipv6 2001:db8:66::/48
echo "announced: on the router $(($(date +%s) - t0)) s after the block"
router "show bgp ipv4 flowspec"
router "show bgp ipv4 flowspec detail"
router "show bgp ipv6 flowspec detail"
router "show bgp ipv4 flowspec summary"
vty "show bgp ipv4 flowspec detail" >"$T/fs4.txt"
awk '/Source Address 10.254.1.0\/24/{p=1} p&&/^$/{exit} p' "$T/fs4.txt" \
	>"$T/rule.txt"
check "router: match source 10.254.1.0/24, IP protocol 6 (TCP)" \
	grep -q "IP Protocol = 6" "$T/rule.txt"
check "router: match destination ports 25 and 587 (the policy's)" \
	grep -q "Destination Port = 25 , = 587" "$T/rule.txt"
check "router: action traffic-rate 0 (discard)" \
	grep -q "FS:rate 0.000000" "$T/rule.txt"
check "router: nothing of the partners (allow) announced" \
	sh -c "! grep -q 192.0.2 '$T/fs4.txt'"
check "router: nothing inside protected announced" \
	sh -c "! grep -q 198.51.100 '$T/fs4.txt'"
rtbh() { vty "show bgp ipv4 unicast 10.254.1.0/24" | grep -qi "blackhole"; }
check "router: RTBH route 10.254.1.0/24 with the BLACKHOLE community" \
	wait_for 10 rtbh
router "show bgp ipv4 unicast 10.254.1.0/24"
check "A metrics: announced flowspec 2, rtbh 1" wait_for 5 sh -c "
	m=\$(curl -s http://127.0.0.1:$port/metrics)
	echo \"\$m\" | grep -qx 'mxgate_bgp_announced{type=\"flowspec\"} 2' &&
	echo \"\$m\" | grep -qx 'mxgate_bgp_announced{type=\"rtbh\"} 1'"
check "A metrics: refused allow 1, protected 1" sh -c "
	m=\$(curl -s http://127.0.0.1:$port/metrics)
	echo \"\$m\" | grep -qx 'mxgate_bgp_refused{reason=\"allow\"} 1' &&
	echo \"\$m\" | grep -qx 'mxgate_bgp_refused{reason=\"protected\"} 1'"

# ---- B learns and applies ----
learned() {
	ctlb list --json | jq -e --arg c "$1" \
		'.entries[] | select(.cidr == $c and .origin == "bgp:10.253.2.1")' \
		>/dev/null
}
check "B: learned 10.254.1.0/24, origin bgp:10.253.2.1" \
	wait_for 15 learned 10.254.1.0/24
check "B: learned 2001:db8:66::/48" wait_for 5 learned 2001:db8:66::/48
echo "learned by B $(($(date +%s) - t0)) s after the block on A"
ctlb list | sed 's/^/    B# /'
exp_a=$(ctla list --json | jq '.entries[] | select(.cidr == "10.254.1.0/24") | .expires')
exp_b=$(ctlb list --json | jq '.entries[] | select(.cidr == "10.254.1.0/24") | .expires')
expect_eq "B: the learned block expires when A's does" "$exp_b" "$exp_a"
check "B: nothing else learned (allow, protected never announced)" sh -c \
	"[ \$(MXGATED_SOCKET=$T/b.sock '$CTL' list --json | jq '.entries | length') = 2 ]"
check "B: unblock of a learned block refused, with its origin" sh -c \
	"MXGATED_SOCKET=$T/b.sock '$CTL' unblock 10.254.1.0/24 2>&1 | grep -q 'learned from bgp:10.253.2.1'"
b_blocks() {
	ip netns exec "${tag}b" curl -s "http://127.0.0.1:$port/metrics" |
		grep -qx 'mxgate_bgp_learned 2' &&
		ctlb status --json | jq -e '.in_force' >/dev/null
}
check "B: the learned blocks in force" wait_for 10 b_blocks
expect_connect "B drops the learned block's 10.254.1.1" timeout 10.254.1.1
expect_connect "B drops the learned block's 10.254.1.3" timeout 10.254.1.3

# ---- the TTL runs out: withdrawn everywhere ----
gone() { ! fs_has ipv4 10.254.1.0/24 && ! fs_has ipv6 2001:db8:66::/48; }
check "router: both rules withdrawn after the 15 s TTL" wait_for 25 gone
echo "withdrawn: gone from the router $(($(date +%s) - t0)) s after the block"
router "show bgp ipv4 flowspec"
router "show bgp ipv4 flowspec detail"
router "show bgp ipv6 flowspec detail"
router "show bgp ipv4 flowspec summary"
check "router: the RTBH route withdrawn too" sh -c \
	"! vtysh --vty_socket '$T/r' -d bgpd -c 'show bgp ipv4 unicast' | grep -q 10.254.1.0"
b_empty() { [ "$(ctlb list --json | jq '.entries | length')" = 0 ]; }
check "B: the learned blocks expired" wait_for 10 b_empty
b_clear() { ctlb status --json | jq -e '.in_force' >/dev/null; }
wait_for 10 b_clear
expect_connect "B lets 10.254.1.1 through again" connected 10.254.1.1

# ---- unblock withdraws ----
check "A: block 10.252.7.0/24 (no TTL)" ctla block 10.252.7.0/24
check "router: 10.252.7.0/24 announced" wait_for 15 fs_has ipv4 10.252.7.0/24
check "A: unblock 10.252.7.0/24" ctla unblock 10.252.7.0/24
check "router: 10.252.7.0/24 withdrawn after the unblock" \
	wait_for 15 sh -c "! vtysh --vty_socket '$T/r' -d bgpd -c 'show bgp ipv4 flowspec detail' | grep -q 10.252.7.0"

# ---- the route cap (--bgp-max-routes 3) ----
for c in 10.250.1.0/25 10.250.1.128/25 10.250.3.0/24 10.250.5.0/24; do
	ctla block "$c" --reason "cap test" >/dev/null || bad "block $c"
done
# 4 blocks: the two /25 siblings aggregate into their /24 (3 routes)
check "router: the sibling /25s announced as 10.250.1.0/24" \
	wait_for 15 fs_has ipv4 10.250.1.0/24
check "A metrics: capped 0, aggregated 1 (4 blocks in 3 routes)" wait_for 5 sh -c "
	m=\$(curl -s http://127.0.0.1:$port/metrics)
	echo \"\$m\" | grep -qx 'mxgate_bgp_aggregated 1' &&
	echo \"\$m\" | grep -qx 'mxgate_bgp_capped 0' &&
	echo \"\$m\" | grep -q '^mxgate_bgp_capped_total [1-9]'"
ctla block 10.250.7.0/24 --reason "cap test" >/dev/null || bad "block 10.250.7.0/24"
check "A metrics: capped 1 (5 blocks, 4 routes after aggregation)" \
	wait_for 5 sh -c \
	"curl -s http://127.0.0.1:$port/metrics | grep -qx 'mxgate_bgp_capped 1'"
three() {
	[ "$(vty "show bgp ipv4 flowspec" | grep -c 'from 10.250')" = 3 ]
}
check "router: still 3 routes with 5 blocks" wait_for 15 three
check "A log: the cap is said" grep -q "route cap reached" "$T/ctld-a.err"
grep "route cap" "$T/ctld-a.err" | sed 's/^/    A# /'
router "show bgp ipv4 flowspec"
curl -s "http://127.0.0.1:$port/metrics" | grep "^mxgate_bgp" | sed "s/^/    A# /"
kill -TERM $pids 2>/dev/null
finish
