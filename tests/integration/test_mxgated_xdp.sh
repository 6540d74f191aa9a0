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
# per-CPU counters) counts what was sent. SIGTERM leaves the program
# attached and pinned, still enforcing; a restarted mxgated reopens it.
#
# Needs root, network namespaces and BPF: exits 77 (skipped) without.
# Everything it creates (namespaces, veths, pins, processes) is removed
# on exit, whatever the outcome.
set -u
set -o pipefail
BIN=${MXG_BIN:?run through make check}
TOOLS=${MXG_BUILD:?}/tools
CTLD=$BIN/mxgated
CTL=$BIN/mxgatectl
XDP=$BIN/mxgate-xdp
PROBE=$TOOLS/mxg-tcpprobe

. "$(dirname "$0")/../lib/check.sh"
need_root
need_cmd ip nsenter curl jq
for f in "$CTLD" "$CTL" "$XDP" "$PROBE"; do
	[ -x "$f" ] || { echo "FAIL: $f not built"; exit 1; }
done

tag=mxgdx$$
T=$(mktemp -d)
PIN=/sys/fs/bpf/mxgated-test-$$
port=$((20000 + $$ % 20000))
ctld_pid= srv_pid=
cleanup() {
	local p n
	if [ "$fails" -gt 0 ] && [ -f "$T/ctld.err" ]; then
		echo "--- mxgated's log (last 30 lines):"
		tail -n 30 "$T/ctld.err"
	fi
	for p in $ctld_pid $srv_pid; do kill -KILL "$p" 2>/dev/null; done
	wait 2>/dev/null
	nsenter --net=/run/netns/"${tag}s" "$XDP" --pin-dir "$PIN" detach \
		>/dev/null 2>&1
	rm -rf "$PIN"
	for n in c s; do
		for p in $(ip netns pids "$tag$n" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$tag$n" 2>/dev/null
	done
	rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ip netns add "${tag}c" 2>/dev/null || skip "cannot create network namespaces"
ip netns add "${tag}s" || exit 1
in_s() { nsenter --net=/run/netns/"${tag}s" "$@"; }
ip link add "${tag}c0" type veth peer name "${tag}s0" || exit 1
ip link set "${tag}c0" netns "${tag}c"
ip link set "${tag}s0" netns "${tag}s"
for a in 10.251.0.1/24 10.251.0.3/24; do
	ip -n "${tag}c" addr add $a dev "${tag}c0"
done
ip -n "${tag}s" addr add 10.251.0.2/24 dev "${tag}s0"
for n in c s; do
	ip -n "$tag$n" link set lo up
	ip -n "$tag$n" link set "$tag${n}0" up
done


ip netns exec "${tag}s" "$PROBE" listen 25 >"$T/serve" 2>&1 &
srv_pid=$!
wait_for 5 grep -q listening "$T/serve" || { bad "test server"; finish; exit; }

# connect FROM -> "connected ms" | "timeout ms" | ...
connect() {
	ip netns exec "${tag}c" "$PROBE" connect --from "$1" --timeout 800 \
		10.251.0.2 25
}
expect() { # what want FROM
	local got
	got=$(connect "$3" 2>&1)
	case "$got" in
	"$2 "*) ok "$1: $got" ;;
	*) bad "$1: got \"$got\", want $2" ;;
	esac
}

mkdir -p "$T/pol"
cat >"$T/pol/policy.json" <<'J'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "everyone", "limit": {"rate": "1000000/s", "burst": 100000}}]}
J
export MXGATED_SOCKET=$T/ctld.sock
start_ctld() {
	# nsenter execs mxgated: $! is the daemon
	nsenter --net=/run/netns/"${tag}s" "$CTLD" --policy "$T/pol/policy.json" \
		--xdp "${tag}s0" --pin-dir "$PIN" --socket "$T/ctld.sock" \
		--state "$T/mxgated.state" --metrics "127.0.0.1:$port" \
		--heartbeat 200 2>>"$T/ctld.err" &
	ctld_pid=$!
}
# (jq -e exits 0 on empty input: mxgatectl's own status must count)
engine_up() {
	local j
	j=$("$CTL" status --json) &&
		echo "$j" | jq -e '.engine == "xdp" and .health == "up" and .in_force' >/dev/null
}
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
ip -n "${tag}s" link show "${tag}s0" | grep -q "xdp" &&
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
kill -TERM "$ctld_pid"
wait "$ctld_pid"
check "mxgated exits 0 on SIGTERM" test $? = 0
ctld_pid=
expect "mxgated stopped: the limit still holds" timeout 10.251.0.1
start_ctld
check "mxgated restarted: reopens the pinned program" wait_for 30 engine_up
check "mxgatectl block 10.251.0.3/32 after the restart" "$CTL" block 10.251.0.3/32
check "... in force" wait_for 10 engine_up
expect "blocked 10.251.0.3 is dropped" timeout 10.251.0.3
finish
