#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# mxgated's offender feeds for the MTA and for other sites: the dynamic
# blocks as rbldnsd datasets (--rbl-dir) that a real rbldnsd serves on
# loopback, asked with dig the way postscreen_dnsbl_sites would (IPv4 and
# IPv6 names, A and TXT); and as a Spamhaus-DROP-format list at GET
# /drop.txt, which mxgate's own policy compiler takes as a spamhaus-drop
# set. A block inside an allow set is in neither; an unblock takes the
# entry out of both.
#
# Loopback only (rbldnsd and the metrics port on 127.0.0.1). Needs root
# (rbldnsd drops to an unprivileged user), rbldnsd and dig: exits 77
# (skipped) without.
set -u
set -o pipefail
BIN=${MXG_BIN:?run through make check}
CTLD=$BIN/mxgated
CTL=$BIN/mxgatectl

. "$(dirname "$0")/../lib/check.sh"
need_root
need_cmd rbldnsd dig curl jq
for f in "$CTLD" "$CTL"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

T=$(mktemp -d)
chmod 755 "$T"
mport=$((20000 + $$ % 20000))
dport=$((40000 + $$ % 20000))
ctld_pid= rbl_pid=
cleanup() {
	if [ "$fails" -gt 0 ]; then
		for f in ctld.err rbldnsd.err; do
			[ -f "$T/$f" ] && { echo "--- $f:"; tail -n 20 "$T/$f"; }
		done
	fi
	for p in $ctld_pid $rbl_pid; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

mkdir -p "$T/pol" "$T/rbl"
chmod 755 "$T/rbl"
cat >"$T/pol/policy.json" <<'J'
{"version": 1, "smtp_ports": [25],
 "protected": ["198.51.100.0/24"],
 "sets": {"partners": ["192.0.2.0/26"]},
 "rules": [{"name": "partners", "src": "@partners", "action": "allow"},
  {"name": "per-host", "limit": {"rate": "20/min", "burst": 10, "per": "host"}}]}
J
export MXGATED_SOCKET=$T/ctld.sock
"$CTLD" --policy "$T/pol/policy.json" --no-engine --socket "$T/ctld.sock" \
	--state "$T/state" --metrics "127.0.0.1:$mport" --rbl-dir "$T/rbl" \
	2>"$T/ctld.err" &
ctld_pid=$!
check "mxgated up" wait_for 10 "$CTL" status
check "block 203.0.113.0/24" "$CTL" block 203.0.113.0/24 --ttl 1h --reason flood
check "block 2001:db8:66::/48" "$CTL" block 2001:db8:66::/48 --ttl 1h
check "block 192.0.2.0/24 (covers the partners, an allow set)" \
	"$CTL" block 192.0.2.0/24
check "dataset written: 203.0.113.0/24 answers 127.0.0.2" \
	grep -q '^203.0.113.0/24 :127.0.0.2:' "$T/rbl/mxgate.ip4set"
check "IPv6 dataset: 2001:db8:66::/48" \
	grep -q '^2001:db8:66::/48 :127.0.0.2:' "$T/rbl/mxgate.ip6trie"
check "the allow-covering block is not listed" \
	sh -c "! grep -q 192.0.2 '$T/rbl/mxgate.ip4set'"
check "no temporary file left (tmp, fsync, rename)" \
	sh -c "! ls '$T/rbl' | grep -q tmp"

rbldnsd -n -u nobody -b "127.0.0.1/$dport" -w "$T/rbl" -c 1 -t 5 \
	bl.mxgate.test:ip4set:mxgate.ip4set \
	bl.mxgate.test:ip6trie:mxgate.ip6trie >"$T/rbldnsd.err" 2>&1 &
rbl_pid=$!
q() { dig @127.0.0.1 -p "$dport" +short +time=1 +tries=2 "$@"; }
rbl_up() { [ -n "$(q 7.113.0.203.bl.mxgate.test A)" ]; }
check "rbldnsd serves the datasets" wait_for 10 rbl_up
expect_eq "A of 203.0.113.7 (a block)" "$(q 7.113.0.203.bl.mxgate.test A)" \
	127.0.0.2
expect_eq "TXT of 203.0.113.7" "$(q 7.113.0.203.bl.mxgate.test TXT)" \
	'"mxgate block: 203.0.113.7"'
# 2001:db8:66::1, nibbles reversed
n6=1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.6.6.0.0.8.b.d.0.1.0.0.2
expect_eq "A of 2001:db8:66::1 (a block)" "$(q "$n6.bl.mxgate.test" A)" \
	127.0.0.2
expect_eq "192.0.2.5 (a partner) is not listed" \
	"$(q 5.2.0.192.bl.mxgate.test A)" ""
expect_eq "198.51.100.9 (a clean client) is not listed" \
	"$(q 9.100.51.198.bl.mxgate.test A)" ""

# The DROP list, imported by another site's policy
curl -s "http://127.0.0.1:$mport/drop.txt" >"$T/drop.txt"
sed 's/^/    drop.txt: /' "$T/drop.txt"
check "/drop.txt lists 203.0.113.0/24" \
	grep -qx '203.0.113.0/24 ; mxgate block' "$T/drop.txt"
check "/drop.txt lists 2001:db8:66::/48" \
	grep -qx '2001:db8:66::/48 ; mxgate block' "$T/drop.txt"
check "/drop.txt leaves the partners out" sh -c "! grep -q 192.0.2 '$T/drop.txt'"
mkdir -p "$T/site2"
cp "$T/drop.txt" "$T/site2/mxgate-drop.txt"
cat >"$T/site2/policy.json" <<'J'
{"version": 1,
 "sets": {"mxgate": {"file": "mxgate-drop.txt", "format": "spamhaus-drop"}},
 "rules": [{"name": "mxgate-peer", "src": "@mxgate", "action": "deny"}]}
J
check "mxgatectl check: the list is a spamhaus-drop set" sh -c \
	"'$CTL' check '$T/site2/policy.json' | tee '$T/check.out' | grep -q '2 prefixes'"
cat "$T/check.out" | sed 's/^/    check: /'
check "metrics: 2 blocks listed" sh -c \
	"curl -s http://127.0.0.1:$mport/metrics | grep -qx 'mxgate_offenders_listed{kind=\"block\"} 2'"

# An unblock takes it out (rbldnsd rereads a dataset whose mtime changed)
check "unblock 203.0.113.0/24" "$CTL" unblock 203.0.113.0/24
unlisted() { [ -z "$(q 7.113.0.203.bl.mxgate.test A)" ]; }
check "rbldnsd: 203.0.113.7 no longer listed" wait_for 10 unlisted
check "/drop.txt: 203.0.113.0/24 gone" sh -c \
	"! curl -s http://127.0.0.1:$mport/drop.txt | grep -q 203.0.113"
finish
