#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The XDP program attached with mxgate-xdp on veths in network namespaces
# this test creates, in host mode (one interface, pass = the local stack)
# and inline-bridge mode (two interfaces, pass = redirect to the other),
# in native and generic XDP. Real TCP connection attempts to port 25 from
# another namespace (tests/tools/tcp_probe.c) are limited as the policy
# says, per source host, over IPv4 and IPv6; other ports and established
# connections pass; under a reset rule the client's connect() is refused
# in milliseconds instead of timing out; reload, stats, status and detach
# work and detach leaves nothing behind.
#
# Needs root, network namespaces and BPF: exits 77 (skipped) without them.
# Everything it creates (namespaces, veths, pins, processes) is removed on
# exit, whatever the outcome.
set -u
BIN=${MXG_BIN:?run through make check}
TOOLS=${MXG_BUILD:?}/tools
XDP=$BIN/mxgate-xdp
PROBE=$TOOLS/mxg-tcpprobe

. "$(dirname "$0")/../lib/check.sh"
. "$(dirname "$0")/../lib/netns.sh"
need_root
need_cmd ip nsenter
for f in "$XDP" "$BIN/mxgatectl" "$PROBE" "$TOOLS/mxg-xdp-pass"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

tag=mxgx$$
T=$(mktemp -d)
PIN=/sys/fs/bpf/mxgate-test-$$
cleanup() {
	rm -rf "$PIN"
	netns_cleanup # and whatever still runs in them
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns_add "${tag}c" "${tag}s" "${tag}b"
in_ns() { local ns=$1; shift; ip netns exec "$tag$ns" "$@"; }
# The loader runs in the namespace's network but keeps the host's /sys/fs/bpf.
xdp() { local ns=$1; shift; nsenter --net=/run/netns/"$tag$ns" "$XDP" --pin-dir "$PIN" "$@"; }

# The policies: 3 attempts per hour and host (burst 3), dropped beyond;
# and 1 per hour (burst 1), reset beyond, also as a compiled image.
cat > "$T/drop.json" <<'EOF'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "per-host",
            "limit": {"rate": "3/h", "burst": 3, "per": "host"}}]}
EOF
cat > "$T/reset.json" <<'EOF'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "per-host-reset",
            "limit": {"rate": "1/h", "burst": 1}, "over": "reset"}]}
EOF
"$BIN/mxgatectl" compile "$T/reset.json" -o "$T/reset.img" >/dev/null || exit 1

connect() { # NS FROM DST PORT [TIMEOUT_MS] -> "result ms"
	probe_connect "$tag$1" "$2" "$3" "$4" "$5"
}
expect() { # what want NS FROM DST PORT
	expect_probe "$1" "$2" "$tag$3" "$4" "$5" "$6"
}
# A reset must make connect() fail fast: refused within 200 ms.
expect_fast_refusal() { # what NS FROM DST PORT
	local what=$1 got ms
	shift
	got=$(connect "$@" 2000 2>&1)
	ms=${got#refused }
	if [ "${got%% *}" = refused ] && [ "${ms%%.*}" -lt 200 ]; then
		ok "$what: $got ms"
	else
		bad "$what: got \"$got\", want refused within 200 ms"
	fi
}
serve() { # NS
	probe_listen "$tag$1" "$T/serve-$1" 25 2525 && return 0
	echo "FAIL: the test server did not start"; exit 1
}
attach() { # NS ARGS... ; skips when BPF itself is unavailable
	local ns=$1 out rc
	shift
	out=$(xdp "$ns" attach "$@" 2>&1)
	rc=$?
	echo "$out" | sed 's/^/     /'
	if [ $rc -ne 0 ] && echo "$out" | grep -qE "needs Linux|not permitted|BPF filesystem"; then
		skip "BPF unavailable: $out"
	fi
	[ $rc -eq 0 ] && ok "attach $*" || bad "attach $* (exit $rc)"
	ATTACHED=$out
}
stat_field() { # JSON KEY: first number after "KEY":
	echo "$1" | grep -o "\"$2\": [0-9]*" | head -1 | grep -o '[0-9]*$'
}
detach_check() { # NS IFACES...
	local ns=$1 i
	shift
	xdp "$ns" detach >/dev/null 2>&1 && ok "detach" || bad "detach"
	[ ! -e "$PIN" ] && ok "detach removed $PIN" || bad "$PIN left behind"
	for i in "$@"; do
		if ip -n "$tag$ns" link show "$i" | grep -q "prog/xdp"; then
			bad "an XDP program is still attached to $i"
		else
			ok "nothing attached to $i any more"
		fi
	done
}

# ---------------------------------------------------------------------
# Host mode: client c0 (10.250.0.1, .3; fd00:250::1) -> MX s0 (.2; ::2).
netns_veth "${tag}c" "${tag}c0" "${tag}s" "${tag}s0" || exit 1
netns_addr "${tag}c" "${tag}c0" 10.250.0.1/24 10.250.0.3/24 fd00:250::1/64
netns_addr "${tag}s" "${tag}s0" 10.250.0.2/24 fd00:250::2/64
# RSTs sent back with XDP_TX reach c0 only if c0 runs XDP too.
in_ns c "$TOOLS/mxg-xdp-pass" "${tag}c0" || exit 1
serve s
expect "before attach, SMTP connects" connected c 10.250.0.1 10.250.0.2 25

echo "--- host mode, native XDP, limit 3/h burst 3 per host, drop"
attach s --policy "$T/drop.json" "${tag}s0"
echo "$ATTACHED" | grep -q "in native mode" && ok "native mode on a veth" ||
	bad "not in native mode"
for i in 1 2 3; do
	expect "attempt $i from 10.250.0.1 within the burst" connected \
		c 10.250.0.1 10.250.0.2 25
done
expect "attempt 4 from 10.250.0.1 is dropped" timeout c 10.250.0.1 10.250.0.2 25
expect "another host has its own bucket" connected c 10.250.0.3 10.250.0.2 25
for i in 1 2 3 4 5; do
	expect "port 2525 passes ($i)" connected c 10.250.0.1 10.250.0.2 2525
done
for i in 1 2 3; do
	expect "IPv6 attempt $i within the burst" connected \
		c fd00:250::1 fd00:250::2 25
done
expect "IPv6 attempt 4 is dropped" timeout c fd00:250::1 fd00:250::2 25
S=$(xdp s stats)
[ "$(stat_field "$S" smtp_dropped)" = 2 ] && ok "stats: 2 attempts dropped" ||
	bad "stats: $S"
[ "$(stat_field "$S" smtp_passed)" = 7 ] && ok "stats: 7 attempts passed" ||
	bad "stats: $S"
echo "$S" | grep -q '"name": "per-host", "matched": 9, "passed": 7, "dropped": 2' &&
	ok "stats: the rule's counters" || bad "stats rules: $S"
# the program's per-source report: most dropped first (10.250.0.1 sent
# first, so it holds its slot whatever the seed)
echo "$S" | grep -q '"top_sources": \[{"src": "10.250.0.1", "syns": 4, "dropped": 1}' &&
	ok "stats: top source 10.250.0.1, 4 attempts, 1 dropped" || bad "stats top: $S"
st=$(xdp s status 2>&1)
echo "$st" | grep -q "3 in use; 3 inserts, evictions 0 lossless, 0 lossy" &&
	ok "status: 3 sources in the table" || bad "status: $st"

echo "--- reload: a reset rule"
xdp s reload --image "$T/reset.img" >/dev/null && ok "reload" || bad "reload"
expect "first attempt after reload (a new rule, a new bucket)" connected \
	c 10.250.0.1 10.250.0.2 25
expect_fast_refusal "the next is reset: connect() refused" c 10.250.0.1 10.250.0.2 25
expect "IPv6: first attempt" connected c fd00:250::1 fd00:250::2 25
expect_fast_refusal "IPv6: the next is reset" c fd00:250::1 fd00:250::2 25
expect "port 2525 still passes" connected c 10.250.0.1 10.250.0.2 2525
st=$(xdp s status 2>&1)
echo "$st" | grep -q "generation 2" && ok "status: generation 2" || bad "status: $st"
S=$(xdp s stats)
[ "$(stat_field "$S" reset)" = 2 ] && ok "stats: 2 resets" || bad "stats: $S"

out=$(xdp s attach --policy "$T/drop.json" "${tag}s0" 2>&1)
[ $? -ne 0 ] && echo "$out" | grep -q "already attached" &&
	ok "a second attach is refused: $out" || bad "second attach: $out"
detach_check s "${tag}s0"
for i in 1 2 3 4; do
	expect "after detach, attempt $i passes" connected c 10.250.0.1 10.250.0.2 25
done

echo "--- host mode, generic XDP"
attach s --xdp-mode generic --image "$T/reset.img" "${tag}s0"
echo "$ATTACHED" | grep -q "in generic mode" && ok "generic mode" ||
	bad "not in generic mode"
expect "first attempt" connected c 10.250.0.3 10.250.0.2 25
expect_fast_refusal "the next is reset" c 10.250.0.3 10.250.0.2 25
expect "port 2525 passes" connected c 10.250.0.3 10.250.0.2 2525
detach_check s "${tag}s0"

# ---------------------------------------------------------------------
# Inline mode: client c1 -- b0 [XDP bridge] b1 -- s1 MX, one subnet.
netns_veth "${tag}c" "${tag}c1" "${tag}b" "${tag}b0" || exit 1
netns_veth "${tag}s" "${tag}s1" "${tag}b" "${tag}b1" || exit 1
netns_addr "${tag}c" "${tag}c1" 10.251.0.1/24 10.251.0.3/24
netns_addr "${tag}s" "${tag}s1" 10.251.0.2/24
in_ns c "$TOOLS/mxg-xdp-pass" "${tag}c1" || exit 1
in_ns s "$TOOLS/mxg-xdp-pass" "${tag}s1" || exit 1

echo "--- inline mode, native XDP"
attach b --mode inline --policy "$T/drop.json" "${tag}b0" "${tag}b1"
echo "$ATTACHED" | grep -c "in native mode" | grep -q 2 &&
	ok "both ports in native mode" || bad "not both native"
for i in 1 2 3; do
	expect "through the bridge: attempt $i within the burst" connected \
		c 10.251.0.1 10.251.0.2 25
done
expect "attempt 4 is dropped in the bridge" timeout c 10.251.0.1 10.251.0.2 25
expect "another host passes" connected c 10.251.0.3 10.251.0.2 25
for i in 1 2 3 4; do
	expect "port 2525 is bridged ($i)" connected c 10.251.0.1 10.251.0.2 2525
done
xdp b reload --policy "$T/reset.json" >/dev/null && ok "reload" || bad "reload"
expect "first attempt after reload" connected c 10.251.0.3 10.251.0.2 25
expect_fast_refusal "the next is reset by the bridge" c 10.251.0.3 10.251.0.2 25
S=$(xdp b stats)
[ "$(stat_field "$S" reset)" = 1 ] && ok "stats: 1 reset" || bad "stats: $S"
detach_check b "${tag}b0" "${tag}b1"

echo "--- inline mode, generic XDP"
attach b --mode inline --xdp-mode generic --policy "$T/reset.json" \
	"${tag}b0" "${tag}b1"
expect "first attempt" connected c 10.251.0.1 10.251.0.2 25
expect_fast_refusal "the next is reset" c 10.251.0.1 10.251.0.2 25
expect "port 2525 is bridged" connected c 10.251.0.1 10.251.0.2 2525
detach_check b "${tag}b0" "${tag}b1"

echo
finish
