#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Control socket: malformed requests are refused and change nothing.
# mxgate-dp streams SMTP SYNs (net_pcap, infinite_rx=1) under a policy
# that denies every attempt (generation 7). Each malformed request
# carries an allow-everything image; if any were taken, attempts would
# start to pass. For each kind the server answers with an error, and
# afterwards generation 7 is still in force, its rule is the only one in
# the summary, and attempts are still all dropped. Among the kinds: an
# image whose version field is wrong (checksum recomputed) and one over
# MXG_POLICY_IMAGE_MAX, each refused for that reason. Then a valid reload
# does change the verdicts; peers: a member of --control-group (a
# throwaway group made for the test) is accepted whether the group is its
# primary or only a supplementary one, a peer in neither is refused by
# the socket's mode and, with the mode opened up, by its credentials;
# and the data plane exits cleanly on SIGTERM.
. "$(dirname "$0")/dp/lib.sh"
need_tools

tmp=$(mktemp -d)
dp_pid=
grp=mxgctl$$
grp_made=
cleanup() {
	[ -n "$dp_pid" ] && kill -KILL "$dp_pid" 2>/dev/null
	[ -n "$grp_made" ] && groupdel "$grp" 2>/dev/null
	rm -rf "$tmp"
	cleanup_eal
}
trap cleanup EXIT
sock=$tmp/ctl.sock
[ "$(id -u)" = 0 ] || skip "needs root (setpriv, groupadd)"
command -v groupadd >/dev/null || skip "needs groupadd (passwd)"
groupadd -r "$grp" || skip "cannot create a group"
grp_made=1
gid=$(getent group "$grp" | cut -d: -f3)

"$DPPCAP" gen "$tmp/syn.pcap" synflood 500 3
"$DPPCAP" gen "$tmp/empty.pcap" mix 0
"$DPCTL" compile "$POLICIES/policy-allow.json" "$tmp/allow.img" 9

# shellcheck disable=SC2046
timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" $(eal 0@0,1@1) \
	--vdev "net_pcap0,rx_pcap=$tmp/syn.pcap,infinite_rx=1" \
	--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap" -- \
	--policy "$POLICIES/policy-allow.json" --control "$sock" \
	--control-group "$grp" >"$tmp/dp.json" 2>"$tmp/dp.err" &
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
	unsealed size reqsum checksum corrupt twofds statsfd flags \
	imgversion toobig; do
	check "malformed '$kind' refused" \
		"$DPCTL" bad "$sock" "$kind" "$tmp/allow.img"
	check "after '$kind': policy in force unchanged" in_force
done
# refused_for KIND WORDS: refused, and the reply says why.
refused_for() {
	"$DPCTL" bad "$sock" "$1" "$tmp/allow.img" >"$tmp/bad.txt" &&
		grep -q "$2" "$tmp/bad.txt"
}
check "an image of another version refused as such" \
	refused_for imgversion "unsupported image version"
check "an image over MXG_POLICY_IMAGE_MAX refused as such" \
	refused_for toobig "exceeds the 268435456-byte limit"
check "after both: policy in force unchanged" in_force

# as_peer UID GID GROUPS CMD...: CMD with those credentials (GROUPS:
# supplementary, comma-separated, or "-" for none), its output dropped.
as_peer() {
	local uid=$1 gid=$2 groups=$3
	shift 3
	if [ "$groups" = - ]; then
		setpriv --reuid="$uid" --regid="$gid" --clear-groups "$@"
	else
		setpriv --reuid="$uid" --regid="$gid" --groups="$groups" "$@"
	fi >/dev/null
}
chmod 0711 "$tmp" # the socket's own mode decides, not its directory's
check "socket group-owned by --control-group" \
	test "$(stat -c %G:%a "$sock")" = "$grp:660"
check "member of --control-group by its primary group accepted" \
	as_peer 65534 "$gid" - "$DPCTL" stats "$sock"
check "member of --control-group by a supplementary group only accepted" \
	as_peer 65534 65534 "$gid" "$DPCTL" stats "$sock"
check "... also among other supplementary groups" \
	as_peer 65534 65534 "12345,$gid,12346" "$DPCTL" stats "$sock"
check "unprivileged peer refused by the socket's mode" \
	fails as_peer 65534 65534 - "$DPCTL" stats "$sock"
check "peer with unrelated supplementary groups refused by the mode" \
	fails as_peer 65534 65534 12345,12346 "$DPCTL" stats "$sock"
# With the mode opened up, the peer credentials check still refuses.
chmod 0666 "$sock"
check "unprivileged peer refused by SO_PEERCRED" \
	fails as_peer 65534 65534 - "$DPCTL" stats "$sock"
check "peer with unrelated supplementary groups refused by SO_PEERGROUPS" \
	fails as_peer 65534 65534 12345,12346 "$DPCTL" stats "$sock"
check "supplementary member still accepted with the mode opened" \
	as_peer 65534 65534 "$gid" "$DPCTL" stats "$sock"
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
