#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Postscreen fed by mxgated (issue 16, "feed the MTA"): a real Postfix
# with postscreen in front of smtpd, its DNSBL the rbldnsd zone that
# mxgated's --rbl-dir datasets make, served by Debian's rbldnsd on
# 127.0.0.1:53 inside the MX's namespace, the namespace's resolver
# pointed at it (/etc/netns/NS/resolv.conf, which `ip netns exec`
# mounts over /etc/resolv.conf for Postfix's dnsblog).
#
#   mxg-ps-$$-c                          mxg-ps-$$-m
#   ps-c0 --------------- veth ---------- ps-m0
#   192.0.2.10 (clean)                    192.0.2.25: postscreen -> smtpd
#   192.0.2.66 (the offender)             127.0.0.1:53 rbldnsd
#
# mxgated runs without an engine (--no-engine): the block is in the feed
# only, so the offender's SYNs still reach the MTA, which is the case
# postscreen is for (an appliance in monitor mode, or a site that imports
# another's blocks into its MTA only). The offender, blocked with
# `mxgatectl block ... --ttl`, is refused by postscreen (550 "Service
# unavailable; client [...] blocked using ZONE"), while a clean client
# delivers; after `mxgatectl unblock` the offender delivers too.
#
# Documentation addresses only; nothing leaves the namespaces. Needs root,
# postfix, rbldnsd, swaks and dig: exits 77 (skipped) without. Bounded:
# every wait has a timeout; about 15 s.
set -u
set -o pipefail
BIN=${MXG_BIN:?run through make check}
CTLD=$BIN/mxgated
CTL=$BIN/mxgatectl
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)

. "$HERE/../lib/check.sh"
need_root "network namespaces, port 53, Postfix"
need_cmd ip postfix postconf rbldnsd swaks dig
for f in "$CTLD" "$CTL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

NS_C=mxg-ps-$$-c NS_M=mxg-ps-$$-m
IF_C=ps$$c IF_M=ps$$m
MX=192.0.2.25 CLEAN=192.0.2.10 BAD=192.0.2.66
ZONE=bl.mxgate.test

T=$(mktemp -d /tmp/mxg-ps.XXXXXX)
chmod 755 "$T"
ctld_pid= rbl_pid=
# shellcheck source=tests/e2e/postfix.sh
. "$ROOT/tests/e2e/postfix.sh"
cleanup() {
	local p ns
	trap - EXIT INT TERM
	if [ "$fails" -gt 0 ]; then
		for f in ctld.err rbldnsd.err postfix/maillog; do
			[ -f "$T/$f" ] && { echo "--- $f:"; tail -n 30 "$T/$f"; }
		done
	fi
	pf_stop
	for p in $ctld_pid $rbl_pid; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	for ns in "$NS_C" "$NS_M"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
		rm -rf "/etc/netns/$ns"
	done
	rmdir /etc/netns 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

t0=$(date +%s.%N)
ip netns add "$NS_C" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "$NS_M" || { echo "FAIL: ip netns add"; exit 1; }
ip link add "$IF_C" netns "$NS_C" type veth peer name "$IF_M" netns "$NS_M" ||
	{ echo "FAIL: cannot create the veth pair"; exit 1; }
ip -n "$NS_C" addr add "$CLEAN/24" dev "$IF_C"
ip -n "$NS_C" addr add "$BAD/24" dev "$IF_C"
ip -n "$NS_M" addr add "$MX/24" dev "$IF_M"
for l in "$NS_C $IF_C" "$NS_C lo" "$NS_M $IF_M" "$NS_M lo"; do
	read -r ns dev <<<"$l"
	ip -n "$ns" link set "$dev" up
done
# The MX namespace's resolver: its own rbldnsd.
mkdir -p "/etc/netns/$NS_M"
echo "nameserver 127.0.0.1" >"/etc/netns/$NS_M/resolv.conf"
echo "options timeout:1 attempts:2" >>"/etc/netns/$NS_M/resolv.conf"

# mxgated, its datasets in $T/rbl
mkdir -p "$T/pol" "$T/rbl"
chmod 755 "$T/rbl"
cat >"$T/pol/policy.json" <<'J'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "per-host", "limit": {"rate": "20/min", "burst": 10, "per": "host"}}]}
J
export MXGATED_SOCKET=$T/ctld.sock
"$CTLD" --policy "$T/pol/policy.json" --no-engine --socket "$T/ctld.sock" \
	--state "$T/state" --rbl-dir "$T/rbl" 2>"$T/ctld.err" &
ctld_pid=$!
check "mxgated up" wait_for 10 "$CTL" status
check "block $BAD/32 --ttl 10m" "$CTL" block "$BAD/32" --ttl 10m --reason flood
check "the dataset lists it" grep -q "^$BAD/32 :127.0.0.2:" "$T/rbl/mxgate.ip4set"

# rbldnsd on 127.0.0.1:53 in the MX namespace; -c 1: rereads each second
ip netns exec "$NS_M" rbldnsd -n -u nobody -b 127.0.0.1/53 -w "$T/rbl" -c 1 \
	-t 5 "$ZONE:ip4set:mxgate.ip4set" "$ZONE:ip6trie:mxgate.ip6trie" \
	>"$T/rbldnsd.err" 2>&1 &
rbl_pid=$!
# through the namespace's resolv.conf, as Postfix asks
q() { ip netns exec "$NS_M" dig +short +time=1 +tries=1 "$@"; }
rbl_up() { [ "$(q 66.2.0.192.$ZONE A)" = 127.0.0.2 ]; }
check "the MX's resolver answers 127.0.0.2 for $BAD" wait_for 10 rbl_up
expect_eq "and nothing for $CLEAN" "$(q 10.2.0.192.$ZONE A)" ""

# Postfix: the e2e test's private instance, postscreen in front
pf_setup "$T/postfix" "$NS_M" "$MX"
postconf -c "$T/postfix/etc" -e \
	"postscreen_dnsbl_sites = $ZONE=127.0.0.2*3" \
	"postscreen_dnsbl_threshold = 3" \
	"postscreen_dnsbl_action = enforce" \
	"postscreen_greet_action = ignore" \
	"postscreen_greet_wait = 2s" \
	"postscreen_dnsbl_timeout = 3s" \
	"postscreen_cache_map = btree:$T/postfix/data/postscreen_cache"
postconf -c "$T/postfix/etc" -M# smtp/inet
postconf -c "$T/postfix/etc" -Me \
	"smtp/inet = smtp inet n - n - 1 postscreen" \
	"smtpd/pass = smtpd pass - - n - - smtpd" \
	"dnsblog/unix = dnsblog unix - - n - 0 dnsblog" \
	"tlsproxy/unix = tlsproxy unix - - n - 0 tlsproxy"
check "Postfix with postscreen starts" pf_start
listening() { ip netns exec "$NS_M" ss -ltn | grep -q "$MX:25 "; }
check "postscreen listens on $MX:25" wait_for 10 listening

# swaks FROM-ADDR ID: one message to the MX; its transcript in $T/swaks.ID
send() {
	timeout 30 ip netns exec "$NS_C" swaks --server "$MX" --port 25 \
		--local-interface "$1" --from "sender@client.test" \
		--to "postmaster@example.test" --header "X-PS-Id: $2" \
		--timeout 15 >"$T/swaks.$2" 2>&1
}
delivered() { [ "$(pf_delivered "X-PS-Id: $1")" -ge 1 ]; }

t1=$(date +%s.%N)
send "$CLEAN" clean1
check "the clean client's message is accepted (250 queued)" \
	grep -q '^<-  250 .*queued' "$T/swaks.clean1"
check "and delivered to the mailbox" wait_for 10 delivered clean1

send "$BAD" bad1
rej=$(grep -m1 '<\*\* *550' "$T/swaks.bad1")
echo "    offender got: $rej"
check "the offender is refused: 550 ... blocked using $ZONE" \
	grep -q "<\*\* *550 .*Service unavailable; client \[$BAD\] blocked using $ZONE" \
	"$T/swaks.bad1"
check "Postfix logged the DNSBL rank and the reject" sh -c \
	"grep -q 'DNSBL rank 3 for \[$BAD\]' '$T/postfix/maillog' &&
	 grep -q 'NOQUEUE: reject: RCPT from \[$BAD\].*blocked using $ZONE' '$T/postfix/maillog'"
sleep 1
check "nothing from the offender in the mailbox" sh -c "! grep -rq 'X-PS-Id: bad1' '$T/postfix/mail/inbox'"
grep -E "DNSBL rank|NOQUEUE" "$T/postfix/maillog" | sed 's/^/    maillog: /'

# The unblock takes it out of the zone; postscreen asks again (it caches
# passes only), and the former offender delivers.
check "unblock $BAD/32" "$CTL" unblock "$BAD/32"
unlisted() { [ -z "$(q 66.2.0.192.$ZONE A)" ]; }
check "rbldnsd no longer lists it" wait_for 10 unlisted
send "$BAD" bad2
check "after the unblock its message is accepted" \
	grep -q '^<-  250 .*queued' "$T/swaks.bad2"
check "and delivered" wait_for 10 delivered bad2
t2=$(date +%s.%N)
printf '    setup %.1f s, the three SMTP sessions and checks %.1f s\n' \
	"$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"
finish
