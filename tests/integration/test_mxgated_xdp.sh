#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# mxgated driving the XDP engine itself (--xdp IFACE) in a network
# namespace this test creates (veths, as tests/integration/
# test_xdp_netns.sh does): real TCP connects to port 25 from another
# namespace (mxg-tcpprobe) are decided by the policy mxgated compiles.
# A block through mxgatectl drops one source and not the other, an
# unblock lets it through again, a reload through mxgatectl puts a
# per-host limit in force, and the metrics page (the XDP program's
# per-CPU counters, a rule's series kept across a push that moves it, the
# program's source table) counts what was sent; `top` ranks the sources
# from the program's per-source report. SIGTERM leaves the program
# attached and pinned, still enforcing; a restarted mxgated reopens it;
# an allow with a TTL passes a drained source until it expires, and the
# brake caps it while pulled.
#
# Needs root, network namespaces and BPF: exits 77 (skipped) without.
# Everything it creates (namespaces, veths, pins, processes) is removed
# on exit, whatever the outcome.
set -u
set -o pipefail
. "$(dirname "$0")/../lib/check.sh"
. "$(dirname "$0")/../lib/netns.sh"
mxgated_test_setup mxgdx mxgated-test
C=${tag}c S=${tag}s
CTLD_PID= PROBE_PID=
cleanup() {
	[ "$fails" -gt 0 ] && ctld_log "$T/ctld.err"
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
netns_addr "$C" "${tag}c0" 10.251.0.1/24 10.251.0.3/24
netns_addr "$S" "${tag}s0" 10.251.0.2/24

probe_listen "$S" "$T/serve" 25 || { bad "test server"; finish; exit; }

expect() { # what want FROM
	expect_probe "$1" "$2" "$C" "$3" 10.251.0.2 25
}

mkdir -p "$T/pol"
cat >"$T/pol/policy.json" <<'J'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "everyone", "limit": {"rate": "1000000/s", "burst": 100000}}]}
J
export MXGATED_SOCKET=$T/ctld.sock
start_ctld() {
	ctld_start "$S" "$T/ctld.err" --policy "$T/pol/policy.json" \
		--xdp "${tag}s0" --pin-dir "$PIN" --socket "$T/ctld.sock" \
		--state "$T/mxgated.state" --metrics "127.0.0.1:$port" \
		--heartbeat 200
}
engine_up() { ctld_status_is '.engine == "xdp" and .health == "up" and .in_force'; }
start_ctld
if ! wait_for 30 engine_up; then
	if grep -qE "BPF unavailable|not permitted" "$T/ctld.err"; then
		skip "BPF unavailable: $(tail -n 1 "$T/ctld.err")"
	fi
	bad "mxgated --xdp: up, its image in force"
	finish
	exit
fi
ok "mxgated --xdp ${tag}s0: up, its image in force"
ip -n "$S" link show "${tag}s0" | grep -q "xdp" &&
	ok "the XDP program is attached to ${tag}s0" || bad "nothing attached"

for i in 1 2 3; do
	expect "before the block, 10.251.0.1 connects ($i)" connected 10.251.0.1
done
check "mxgatectl block 10.251.0.1/32" "$CTL" block 10.251.0.1/32 \
	--reason "xdp test"
check "... in force" wait_for 10 engine_up
for i in 1 2; do
	expect "blocked 10.251.0.1 is dropped ($i)" timeout 10.251.0.1
done
expect "10.251.0.3 still connects" connected 10.251.0.3

# metrics: the XDP program's counters, after a heartbeat
scrape() { in_s curl -s "http://127.0.0.1:$port/metrics" >"$T/m.txt"; }
block_drops() {
	scrape && grep -q '^mxgate_rule_drops_total{rule="mxgated-block"} 2$' "$T/m.txt"
}
check "metrics: the block's 2 drops (mxgated-block)" wait_for 10 block_drops
# totals over the program's life; a rule's counters follow its name: the
# block's push moved "everyone" to rule 1, and its series goes on (3
# passes from 10.251.0.1 before, 1 from 10.251.0.3 after); the source
# table as the program counts it: one bucket per host of "everyone"
totals_as_sent() {
	python3 "$(dirname "$0")/mxgated/prom_parse.py" "$T/m.txt" \
		'mxgate_up == 1' 'mxgate_attempts_total == 6' \
		'mxgate_passes_total == 4' 'mxgate_drops_total == 2' \
		'mxgate_rule_attempts_total{rule="everyone"} == 4' \
		'mxgate_rule_passes_total{rule="everyone"} == 4' \
		'mxgate_rule_drops_total{rule="mxgated-block"} == 2' \
		'mxgate_rule_resets_total{rule="mxgated-block"} == 0' \
		'mxgate_dynamic_entries{kind="block"} == 1' \
		'mxgate_source_table_entries == 2' \
		'mxgate_source_table_inserts_total == 2' \
		'mxgate_source_table_evictions_total{kind="lossy"} == 0' \
		"mxgate_source_table_capacity == $((1 << 20))"
}
# The page shows the last stats poll: wait (bounded) for the one that saw
# the last attempt, then judge that page.
totals_seen() { scrape && totals_as_sent >/dev/null 2>&1; }
wait_for 10 totals_seen || true
check "metrics: parsed, totals as sent (6 attempts: 4 passed, 2 dropped)" \
	totals_as_sent

# top in XDP mode: the program's per-source report (10.251.0.1 sent
# first, so it holds its slot whatever the seed)
top_of() { # FAMILY PREFIX_LEN: that level's entries
	"$CTL" top --json |
		jq -c --arg f "$1" --argjson l "$2" '.levels[] |
			select(.family == $f and .prefix_len == $l) |
			[.entries[] | [.prefix, .attempts, .dropped, (.first_seen > 0), (.last_seen >= .first_seen)]]'
}
check "top (XDP): 10.251.0.1/32 first, 5 attempts, 2 dropped, first/last seen" \
	test "$(top_of ipv4 32 | jq -c '.[0]')" = '["10.251.0.1/32",5,2,true,true]'
check "top (XDP): 10.251.0.3/32, 1 attempt, none dropped" \
	test "$(top_of ipv4 32 | jq -c '.[] | select(.[0] == "10.251.0.3/32") | .[0:3]')" = \
	'["10.251.0.3/32",1,0]'
check "top (XDP): /24 and /16 aggregate both sources (6 attempts, 2 dropped)" \
	test "$(top_of ipv4 24 | jq -c '.[0][0:3]')$(top_of ipv4 16 | jq -c '.[0][0:3]')" = \
	'["10.251.0.0/24",6,2]["10.251.0.0/16",6,2]'
"$CTL" top >"$T/top.txt"
check "top (XDP) in a table: the report named, within 80 columns" \
	sh -c "grep -q 'per-source report' '$T/top.txt' && grep -q '^10.251.0.1/32  *5  *2 ' '$T/top.txt' &&
		awk 'length > 80 { exit 1 }' '$T/top.txt'"

check "mxgatectl unblock 10.251.0.1/32" "$CTL" unblock 10.251.0.1/32
check "... in force" wait_for 10 engine_up
expect "unblocked 10.251.0.1 connects again" connected 10.251.0.1

# reload through mxgatectl: 1 attempt per hour and host
cat >"$T/pol/policy.json.new" <<'J'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "per-host", "limit": {"rate": "1/h", "burst": 1, "per": "host"}}]}
J
mv "$T/pol/policy.json.new" "$T/pol/policy.json"
t0=$(date +%s%N)
check "mxgatectl reload" sh -c "'$CTL' reload | grep -q '^policy reloaded: 1 rules'"
check "... in force" wait_for 10 engine_up
echo "reload in force $((($(date +%s%N) - t0) / 1000000)) ms after the command (XDP)"
expect "per-host limit: first attempt of 10.251.0.3" connected 10.251.0.3
expect "per-host limit: the second is dropped" timeout 10.251.0.3
expect "per-host limit: 10.251.0.1 has its own bucket" connected 10.251.0.1

# SIGTERM: the program stays attached and enforcing; a new mxgated
# reopens the pinned instance
kill -TERM "$CTLD_PID"
wait "$CTLD_PID"
check "mxgated exits 0 on SIGTERM" test $? = 0
CTLD_PID=
expect "mxgated stopped: the limit still holds" timeout 10.251.0.1
start_ctld
check "mxgated restarted: reopens the pinned program" wait_for 30 engine_up
check "mxgatectl block 10.251.0.3/32 after the restart" "$CTL" block 10.251.0.3/32
check "... in force" wait_for 10 engine_up
expect "blocked 10.251.0.3 is dropped" timeout 10.251.0.3

# allow with a TTL, and the brake above it, in the XDP engine: 10.251.0.1
# has drained its per-host bucket (1/h)
check "mxgatectl allow 10.251.0.1/32 --ttl 8" "$CTL" allow 10.251.0.1/32 --ttl 8
check "... in force" wait_for 10 engine_up
expect "the allow passes 10.251.0.1 past its drained bucket" connected 10.251.0.1
check "mxgatectl brake 1/h --burst 1" "$CTL" brake 1/h --burst 1
check "... in force" wait_for 10 engine_up
expect "the brake's one token" connected 10.251.0.1
expect "the brake caps allowed sources too" timeout 10.251.0.1
check "mxgatectl brake off" "$CTL" brake off
check "... in force" wait_for 10 engine_up
expect "brake off: the allow passes again" connected 10.251.0.1
check "the allow expires on time (gone from the image within 12 s)" \
	wait_for 12 sh -c "[ \"\$('$CTL' stats --json | jq -c '[.rules[].name]')\" = '[\"mxgated-block\",\"per-host\"]' ]"
check "... in force" wait_for 10 engine_up
expect "the allow expired: 10.251.0.1 is limited again" timeout 10.251.0.1
finish
