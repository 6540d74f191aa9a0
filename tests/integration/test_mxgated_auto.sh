#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The policy's auto_block (control/daemon/README.md, "Sustained
# offenders"): mxgated drives the XDP engine (--xdp) in a network
# namespace; an offender connects to port 25 (real TCP, mxg-tcpprobe)
# well over its per-host limit for longer than auto_block's "for" (3 s)
# while a clean source connects within its limit. The offender's /32
# becomes a dynamic block with origin auto and the policy's TTL (list,
# state file, metrics, one log line), then dropped by mxgated-block; the
# clean source gets none and still connects. An unblock by the operator
# is honoured (a whole window again first); with the prefix widened to
# /24 over an allow set, the sustained offender is refused ("allow"),
# not blocked.
#
# Needs root, network namespaces and BPF: exits 77 (skipped) without.
# Everything it creates (namespaces, veths, pins, processes) is removed
# on exit, whatever the outcome. About 20 s.
set -u
set -o pipefail
. "$(dirname "$0")/../lib/check.sh"
. "$(dirname "$0")/../lib/netns.sh"
mxgated_test_setup mxgau mxgated-auto
C=${tag}c S=${tag}s
CTLD_PID= PROBE_PID= FLOOD_PID= CLEAN_PID=
cleanup() {
	[ "$fails" -gt 0 ] && ctld_log "$T/ctld.err"
	[ -n "$FLOOD_PID" ] && kill "$FLOOD_PID" 2>/dev/null
	[ -n "$CLEAN_PID" ] && kill "$CLEAN_PID" 2>/dev/null
	kill -KILL $CTLD_PID $PROBE_PID 2>/dev/null
	wait 2>/dev/null
	nsenter --net=/run/netns/"$S" "$XDP" --pin-dir "$PIN" detach \
		>/dev/null 2>&1
	rm -rf "$PIN"
	netns_cleanup
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

netns_add "$C" "$S"
in_s() { nsenter --net=/run/netns/"$S" "$@"; }
netns_veth "$C" "${tag}c0" "$S" "${tag}s0" || exit 1
netns_addr "$C" "${tag}c0" 10.252.0.1/24 10.252.0.3/24
netns_addr "$S" "${tag}s0" 10.252.0.2/24

probe_listen "$S" "$T/serve" 25 || { bad "test server"; finish; exit; }

# 1 connection a second per host (burst 2); 3 drops a second for 3 s
# make an offender, blocked for 10 minutes
mkdir -p "$T/pol"
cat >"$T/pol/policy.json" <<'J'
{"version": 1, "smtp_ports": [25],
 "auto_block": {"drops": "3/s", "for": "3s", "ttl": "10m", "ipv4_prefix": 32},
 "rules": [{"name": "per-host", "limit": {"rate": "1/s", "burst": 2, "per": "host"}}]}
J
export MXGATED_SOCKET=$T/ctld.sock
ctld_start "$S" "$T/ctld.err" --policy "$T/pol/policy.json" \
	--xdp "${tag}s0" --pin-dir "$PIN" --socket "$T/ctld.sock" \
	--state "$T/mxgated.state" --metrics "127.0.0.1:$port" \
	--heartbeat 200
engine_up() { ctld_status_is '.engine == "xdp" and .health == "up" and .in_force'; }
if ! wait_for 30 engine_up; then
	if grep -qE "BPF unavailable|not permitted" "$T/ctld.err"; then
		skip "BPF unavailable: $(tail -n 1 "$T/ctld.err")"
	fi
	bad "mxgated --xdp: up, its image in force"
	finish
	exit
fi
ok "mxgated --xdp ${tag}s0: up, its image in force"
check "status: auto_block on, 3/s for 3 s, ttl 600 s, /32" ctld_status_is \
	'.auto_block.enabled and .auto_block.drops == "3/s" and .auto_block.for == 3 and .auto_block.ttl == 600 and .auto_block.ipv4_prefix == 32'

# The offender: back-to-back attempts (100 ms timeout each), some 8 a
# second, for at most 25 s; the clean source: one every 1.5 s
(
	end=$(($(date +%s) + 25))
	while [ "$(date +%s)" -lt "$end" ]; do
		probe_connect "$C" 10.252.0.1 10.252.0.2 25 100 >/dev/null 2>&1
	done
) &
FLOOD_PID=$!
(
	end=$(($(date +%s) + 25))
	while [ "$(date +%s)" -lt "$end" ]; do
		probe_connect "$C" 10.252.0.3 10.252.0.2 25 800 >>"$T/clean.out" 2>&1
		sleep 1.5
	done
) &
CLEAN_PID=$!

auto_entry() { # CIDR: its list entry (JSON) if any
	"$CTL" list --json | jq -c --arg c "$1" '.entries[] | select(.cidr == $c)'
}
is_auto() { [ "$(auto_entry "$1" | jq -r .origin)" = auto ]; }
t0=$(ms)
if wait_for 15 is_auto 10.252.0.1/32; then
	ok "10.252.0.1/32 blocked, origin auto, $(($(ms) - t0)) ms after the flood began (for: 3 s)"
else
	bad "no auto block of 10.252.0.1/32 within 15 s"
fi
e=$(auto_entry 10.252.0.1/32)
echo "    list: $e"
expect_eq "the auto block's TTL is the policy's (600 s)" \
	"$(echo "$e" | jq '.expires - .created')" 600
check "its reason says auto, the rate and the window" \
	sh -c "echo '$e' | jq -r .reason | grep -Eq '^auto: [0-9]+ drops/min for [0-9]+ s \(>= 3/s\)$'"
check "mxgatectl list shows it" sh -c "'$CTL' list | grep -q '10.252.0.1/32.*auto'"
check "the state file keeps it as auto" \
	grep -q '^block 10.252.0.1/32 [0-9]* [0-9]* [^ ]* auto$' "$T/mxgated.state"
check "... in force" wait_for 10 engine_up
expect_probe "the auto-blocked offender is dropped" timeout "$C" 10.252.0.1 \
	10.252.0.2 25
scrape() { in_s curl -s "http://127.0.0.1:$port/metrics" >"$T/m.txt"; }
block_drops() {
	scrape && awk '$1 == "mxgate_rule_drops_total{rule=\"mxgated-block\"}" && $2 > 0 { f = 1 }
		END { exit !f }' "$T/m.txt"
}
check "metrics: mxgated-block drops the offender" wait_for 10 block_drops
check "metrics: mxgate_auto_blocks_total 1, mxgate_auto_blocks 1" sh -c \
	"grep -qx 'mxgate_auto_blocks_total 1' '$T/m.txt' && grep -qx 'mxgate_auto_blocks 1' '$T/m.txt'"
expect_eq "logged once" "$(grep -c 'auto: block 10.252.0.1/32 for 600 s' "$T/ctld.err")" 1

# The clean source: no block, still connects
expect_eq "the clean source 10.252.0.3 has no block" "$(auto_entry 10.252.0.3/32)" ""
expect_probe "the clean source still connects" connected "$C" 10.252.0.3 \
	10.252.0.2 25
check "the clean source connected every time" \
	sh -c "[ -s '$T/clean.out' ] && ! grep -qv '^connected' '$T/clean.out'"

# The operator unblocks it: honoured; the offender needs a whole window
# again (its drops go on), then comes back as auto
check "mxgatectl unblock 10.252.0.1/32 (an auto block)" \
	"$CTL" unblock 10.252.0.1/32
t0=$(ms)
check "... blocked again (auto) after a new window" wait_for 12 is_auto 10.252.0.1/32
w=$(($(ms) - t0))
check "... not before 3 s ($w ms)" test "$w" -ge 2500
check "... mxgate_auto_blocks_total 2" sh -c \
	"scrape() { nsenter --net=/run/netns/$S curl -s http://127.0.0.1:$port/metrics; }; scrape | grep -qx 'mxgate_auto_blocks_total 2'"

# Widened to /24 over an allow set: the offender's /24 overlaps the
# allow set, so it is refused, never blocked
check "unblock 10.252.0.1/32 again" "$CTL" unblock 10.252.0.1/32
cat >"$T/pol/policy.json.new" <<'J'
{"version": 1, "smtp_ports": [25],
 "auto_block": {"drops": "3/s", "for": "3s", "ttl": "10m", "ipv4_prefix": 24},
 "sets": {"partners": ["10.252.0.200/32"]},
 "rules": [{"name": "partners", "src": "@partners", "action": "allow"},
  {"name": "per-host", "limit": {"rate": "1/s", "burst": 2, "per": "host"}}]}
J
mv "$T/pol/policy.json.new" "$T/pol/policy.json"
check "mxgatectl reload (/24, an allow set inside it)" "$CTL" reload
refused() {
	scrape && grep -Eqx 'mxgate_auto_refused_total\{reason="allow"\} [1-9][0-9]*' "$T/m.txt"
}
check "the /24 stays over but overlaps an allow set: refused" wait_for 12 refused
expect_eq "no block of 10.252.0.0/24" "$(auto_entry 10.252.0.0/24)" ""
check "logged: overlaps allow, not blocked" \
	grep -q '10.252.0.0/24 stays over 3/s but overlaps allow: not blocked' "$T/ctld.err"
kill "$FLOOD_PID" "$CLEAN_PID" 2>/dev/null
wait "$FLOOD_PID" "$CLEAN_PID" 2>/dev/null
FLOOD_PID= CLEAN_PID=
finish
