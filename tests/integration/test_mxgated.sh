#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgated driving mxgate-dp (net_pcap vdevs, a stream of SMTP SYNs from
# 203.0.113.7 and 192.0.2.10, infinite_rx): reloads good and bad through
# a file change, SIGHUP and `mxgatectl reload`; block / allow / brake with
# TTL expiry, judged on the rule counters of live traffic; persistence
# across restarts of mxgated and of mxgate-dp; kill -9 of mxgated with
# verdicts unchanged; a torn state file refused and kept; peer
# credentials; malformed, truncated, oversized and stalled clients; the
# fail-open hook (kill -9 of the data plane engages, restart disengages);
# the metrics page through a strict Prometheus parser, values checked
# against a finite capture and against mxgate-replay; the Grafana
# dashboard's queries against the names exported.
DP_TIMEOUT=${DP_TIMEOUT:-900}
set -o pipefail # a failed mxgatectl fails its pipeline (jq -e passes on no input)
. "$(dirname "$0")/dp/lib.sh"
. "$ROOT/tests/lib/netns.sh" # ctld_start, ctld_up (no namespace here)
need_tools
CTLD=$BUILD/bin/mxgated
CTL=$BUILD/bin/mxgatectl
HERE=$ROOT/tests/integration/mxgated
[ -x "$CTLD" ] || skip "$CTLD not built"
[ "$(id -u)" = 0 ] || skip "needs root (setpriv, socket ownership)"
command -v jq >/dev/null || skip "needs jq"
command -v curl >/dev/null || skip "needs curl"

# --help lists every option (printed from the table that parses them);
# the README's man-style mxgated(8) names the same ones, and every option
# of each mxgatectl verb is in its section
help_opts() { "$@" --help | grep -oE '^  (-[a-z], )?--[a-z-]+' | grep -oE -- '--[a-z-]+' | sort -u; }
README=$ROOT/control/daemon/README.md
readme_opts=$(sed -n '/^## mxgated(8)/,/^## Files/p' "$README" | grep '^| `' |
	awk -F'|' '{print $2}' | grep -oE -- '--[a-z-]+' | sort -u)
check "mxgated --help and the README's mxgated(8) name the same $(echo "$readme_opts" | wc -l) options" \
	test "$(help_opts "$CTLD")" = "$readme_opts"
ctl_readme=$(sed -n '/^## mxgatectl: the operator verbs/,/^## Metrics/p' "$README")
for v in status stats top reload block allow unblock unallow list brake; do
	missing=$(help_opts "$CTL" "$v" | while read -r o; do
		grep -q -- "$o" <<<"$ctl_readme" || echo "$o"; done)
	check "mxgatectl $v --help: each option in the README${missing:+ (missing: $missing)}" test -z "$missing"
done

tmp=$(mktemp -d)
dp_pid= CTLD_PID=
# kill_dp: mxgate-dp itself (the child of its timeout wrapper), then the
# wrapper.
kill_dp() {
	[ -n "$dp_pid" ] || return 0
	kill -KILL $(pgrep -P "$dp_pid") "$dp_pid" 2>/dev/null
	wait "$dp_pid" 2>/dev/null
	dp_pid=
}
cleanup() {
	if [ "$fails" -gt 0 ]; then
		echo "--- mxgated's log (last 40 lines):"
		tail -n 40 "$tmp/ctld.err"
		echo "--- mxgate-dp's log (last 10 lines):"
		tail -n 10 "$tmp/dp.err"
	fi
	kill_dp
	[ -n "$CTLD_PID" ] && kill -KILL "$CTLD_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
	cleanup_eal
}
trap cleanup EXIT
chmod 0700 "$tmp"
dps=$tmp/dp.sock
sock=$tmp/ctld.sock
state=$tmp/state/mxgated.state
mkdir -p "$tmp/state" "$tmp/pol"
port=$((20000 + $$ % 20000))
export MXGATED_SOCKET=$sock

# "everyone" allows, with no limit: net_pcap's infinite_rx has no pacing,
# and a worker that gets the core after a wait reads a burst far above
# any rate, so a limit here would drop now and then (and fail "nothing
# dropped" on a loaded host)
cat >"$tmp/pol/policy.json" <<'J'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "everyone", "action": "allow"}]}
J
cp "$tmp/pol/policy.json" "$tmp/dp-policy.json"
cat >"$tmp/deny.json" <<'J'
{"version": 1, "smtp_ports": [25], "rules": [{"name": "deny-all", "action": "deny"}]}
J
printf '{"version": 1,\n "rules": [{"name": "x", "action": "alow"}]}\n' >"$tmp/bad.json"
python3 "$HERE/mkpcap.py" "$tmp/syn.pcap" 200 203.0.113.7,192.0.2.10
"$DPPCAP" gen "$tmp/empty.pcap" mix 0
printf '#!/bin/sh\necho "$*" >>"%s"\n' "$tmp/bypass.log" >"$tmp/bypass.sh"
chmod +x "$tmp/bypass.sh"


start_dp() {
	[ -f "$tmp/dp.err" ] && cat "$tmp/dp.err" >>"$tmp/dp-before.err"
	: >"$tmp/dp.err"
	# shellcheck disable=SC2046
	timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" $(eal 0@0,1@1) \
		--vdev "net_pcap0,rx_pcap=$tmp/syn.pcap,infinite_rx=1" \
		--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap" -- \
		--policy "$tmp/dp-policy.json" --control "$dps" \
		>>"$tmp/dp.json" 2>>"$tmp/dp.err" &
	dp_pid=$!
	# its workers running, not only its socket: a loaded machine starts
	# it in seconds, and the first push would wait for them
	wait_for 60 test -S "$dps" && wait_running "$tmp/dp.err" 60
}

start_ctld() {
	ctld_start - "$tmp/ctld.err" --policy "$tmp/pol/policy.json" \
		--dp "$dps" --socket "$sock" --state "$state" \
		--metrics "127.0.0.1:$port" --heartbeat 300 \
		--heartbeat-timeout 3000 --failure open \
		--bypass-cmd "$tmp/bypass.sh" --bypass-ports p0,p1 "$@"
	wait_for 30 ctld_up
}

# rule_val RULE FIELD: that rule's counter in mxgated's stats (0: absent)
rule_val() {
	"$CTL" stats --json |
		jq -r --arg r "$1" --arg f "$2" \
			'[.rules[] | select(.name == $r) | .[$f]] | (.[0] // 0)'
}
has_rule() {
	"$CTL" stats --json | jq -e --arg r "$1" \
		'[.rules[].name] | index($r) != null' >/dev/null
}
# settled: the image mxgated built last is in force on mxgate-dp. A reply
# to block/allow/brake/reload comes before the push (the engine worker
# does it; a load waits for mxgate-dp's workers, seconds on a loaded
# host), so traffic is judged once it settled.
settled() {
	wait_for 20 ctld_up
}
# rule_delta RULE FIELD: how far the counter moves in 1.5 s, under the
# image in force; grows and still judge it
rule_delta() {
	local a b
	settled || return 1
	a=$(rule_val "$1" "$2")
	sleep 1.5
	b=$(rule_val "$1" "$2")
	echo $((b - a))
}
grows() { local d; d=$(rule_delta "$@") && [ "$d" -gt 0 ]; }
still() { local d; d=$(rule_delta "$@") && [ "$d" -eq 0 ]; }
rules_are() {
	ctld_up &&
		[ "$("$CTL" stats --json | jq -c '[.rules[].name]')" = "$1" ]
}

start_dp || { cat "$tmp/dp.err"; bad "mxgate-dp control socket"; finish; exit; }
start_ctld
check "mxgated up, its image in force on mxgate-dp" ctld_up
check "status in a table" sh -c "'$CTL' status | grep -q '^engine  *dp .*: up'"
check "traffic passes under the file's rule" grows everyone passed

# --- block with TTL ---
check "block 203.0.113.7/32 --ttl 10" "$CTL" block 203.0.113.7/32 --ttl 10 \
	--reason "flood test"
# listed at once: the pushes and the two 1.5 s windows below may outlast
# the TTL on a loaded machine
check "list shows the block and its reason" sh -c \
	"'$CTL' list | grep -q '^block 203.0.113.7/32 .*flood test'"
check "the block drops 203.0.113.7's attempts" grows mxgated-block dropped
check "192.0.2.10 still passes" grows everyone passed
check "the block expires on time (rule gone within 5 s)" \
	wait_for 15 rules_are '["everyone"]'
check "after expiry: nothing dropped" still everyone dropped
check "after expiry: list empty" sh -c \
	"[ \"\$('$CTL' list --json | jq '.entries | length')\" = 0 ]"
"$CTL" block 203.0.113.7/24 2>"$tmp/hb.err" >/dev/null
check "host bits refused (exit 1)" test $? = 1
check "... saying which" grep -q "host bits set (did you mean 203.0.113.0/24" "$tmp/hb.err"
"$CTL" block 203.0.113.0/24 --ttl soon 2>/dev/null
check "bad ttl is a usage error (exit 2)" test $? = 2

# --- brake with TTL ---
check "brake 10/s --ttl 10" "$CTL" brake 10/s --ttl 10
check "the brake drops over 10/s" grows mxgated-brake dropped
check "the brake passes some" grows mxgated-brake passed
check "the brake expires" wait_for 15 rules_are '["everyone"]'
check "brake RATE then brake off" sh -c "'$CTL' brake 5/s >/dev/null &&
	'$CTL' brake off >/dev/null && ! '$CTL' list | grep -q '^brake'"

# --- reloads: file change, SIGHUP, CLI ---
t0=$(date +%s%N)
cp "$tmp/deny.json" "$tmp/pol/policy.json.new"
mv "$tmp/pol/policy.json.new" "$tmp/pol/policy.json"
check "file change reloads: deny-all in force" wait_for 15 rules_are '["deny-all"]'
echo "reload by file change seen after $((($(date +%s%N) - t0) / 1000000)) ms"
check "deny-all drops" grows deny-all dropped
check "allow 192.0.2.10 --ttl 10" "$CTL" allow 192.0.2.10 --ttl 10
check "the allow passes 192.0.2.10 above the file's deny" \
	grows mxgated-allow passed
check "203.0.113.7 still denied by the file" grows deny-all dropped
check "the allow expires" wait_for 15 rules_are '["deny-all"]'
gen_before=$("$CTL" status --json | jq .generation)
cp "$tmp/bad.json" "$tmp/pol/policy.json"
check "bad file change rejected, logged with FILE:LINE:COL" wait_for 15 grep -q \
	"policy.json:2:[0-9]*: rules\[0\].action: expected" "$tmp/ctld.err"
check "... the policy in force stays" rules_are '["deny-all"]'
check "... status says the last reload failed" sh -c \
	"'$CTL' status --json | jq -e '.reloads.last_result == \"error\" and .reloads.failed >= 1 and (.reloads.errors[0] | test(\"policy.json:2:\"))' >/dev/null"
check "... generation unchanged" test "$("$CTL" status --json | jq .generation)" = "$gen_before"
"$CTL" reload >"$tmp/reload.out" 2>"$tmp/reload.err"
check "mxgatectl reload of a bad file exits 1" test $? = 1
check "... with the file's error lines on stderr" grep -q \
	"policy.json:2:[0-9]*: rules\[0\].action" "$tmp/reload.err"
check "reload --json carries the errors" sh -c \
	"'$CTL' reload --json | jq -e '.status < 0 and (.errors | length) == 1' >/dev/null"
n_err=$(grep -c "reload (sighup) rejected" "$tmp/ctld.err")
kill -HUP "$CTLD_PID"
check "SIGHUP with a bad file: rejected" wait_for 15 sh -c \
	"[ \$(grep -c 'reload (sighup) rejected' '$tmp/ctld.err') -gt $n_err ]"
check "... the policy in force stays" rules_are '["deny-all"]'
echo "203.0.113.7" >"$tmp/outside.txt"
cat >"$tmp/pol/policy.json.new" <<J
{"version": 1, "smtp_ports": [25],
 "sets": {"x": {"file": "../outside.txt", "format": "plain"}},
 "rules": [{"name": "x", "src": "@x", "action": "deny"}, {"name": "everyone", "action": "allow"}]}
J
mv "$tmp/pol/policy.json.new" "$tmp/pol/policy.json"
"$CTL" reload 2>"$tmp/reload.err"
check "a set file outside the policy's directory refused" grep -q \
	"outside the policy's directory" "$tmp/reload.err"
cp "$tmp/outside.txt" "$tmp/pol/inside.txt"
sed 's|../outside.txt|inside.txt|' "$tmp/pol/policy.json" >"$tmp/pol/policy.json.new"
mv "$tmp/pol/policy.json.new" "$tmp/pol/policy.json"
check "mxgatectl reload of a good file" sh -c "'$CTL' reload | grep -q '^policy reloaded: 2 rules'"
check "... in force" wait_for 15 rules_are '["x","everyone"]'
cp "$tmp/dp-policy.json" "$tmp/pol/policy.json.new"
mv "$tmp/pol/policy.json.new" "$tmp/pol/policy.json"
kill -HUP "$CTLD_PID"
check "SIGHUP with a good file: in force" wait_for 15 rules_are '["everyone"]'
reload_ms=$("$CTL" reload --json | jq .ms)
wait_for 10 ctld_up
push_ms=$("$CTL" status --json | jq .reloads.last_push_ms)
echo "reload latency: compile $reload_ms ms (the reply), push to mxgate-dp $push_ms ms"

# --- persistence across restarts ---
"$CTL" block 203.0.113.0/24 --reason persist >/dev/null
"$CTL" allow 2001:db8::/32 >/dev/null
kill -TERM "$CTLD_PID"
wait "$CTLD_PID"
CTLD_PID=
cp "$state" "$tmp/state.saved"
start_ctld
check "mxgated restarted: entries loaded" sh -c \
	"[ \"\$('$CTL' list --json | jq -c '[.entries[].cidr]')\" = '[\"203.0.113.0/24\",\"2001:db8::/32\"]' ]"
check "... and in force" grows mxgated-block dropped
gen=$("$DPCTL" dpstats "$dps" | jq .generation)
kill -KILL "$CTLD_PID"
wait "$CTLD_PID" 2>/dev/null
CTLD_PID=
"$DPCTL" stats "$dps" >"$tmp/k1.json"
sleep 1
"$DPCTL" stats "$dps" >"$tmp/k2.json"
blk() { jq '.rules[] | select(.name == "mxgated-block") | .dropped' "$1"; }
check "kill -9 mxgated: the block still drops" test "$(blk "$tmp/k2.json")" -gt "$(blk "$tmp/k1.json")"
check "... generation unchanged" test "$("$DPCTL" dpstats "$dps" | jq .generation)" = "$gen"
start_ctld
check "mxgated back after kill -9" ctld_up

# --- a stalled data plane does not delay operator replies ---
# reply_ms CMD...: the command's wall time in ms (its exit status kept)
reply_ms() {
	local t0 rc
	t0=$(date +%s%N)
	"$@" >/dev/null 2>&1
	rc=$?
	echo $((($(date +%s%N) - t0) / 1000000))
	return $rc
}
dp_real=$(pgrep -P "$dp_pid")
kill -STOP $dp_real
sleep 1 # a heartbeat is now waiting on the stopped mxgate-dp
worst=0
for verb in "list" "status" "block 198.51.100.0/24 --ttl 60" \
	"unblock 198.51.100.0/24" "list"; do
	# shellcheck disable=SC2086
	ms=$(reply_ms "$CTL" $verb)
	check "stalled mxgate-dp: '$verb' answers in ${ms} ms (< 1000)" \
		test "$ms" -lt 1000
	[ "$ms" -gt "$worst" ] && worst=$ms
done
echo "operator replies with mxgate-dp stopped (SIGSTOP): worst $worst ms"
# down once a poll fails: its 5 s bound, then --heartbeat-timeout
check "stalled mxgate-dp: the watchdog sees it down (poll bound 5 s)" \
	wait_for 15 sh -c "'$CTL' status --json | jq -e '.health == \"down\"' >/dev/null"
kill -CONT $dp_real
check "mxgate-dp continued: up again, the latest generation in force" \
	wait_for 20 ctld_up
check "... bypass engaged for the stall, disengaged after" wait_for 15 sh -c \
	"grep -c '^disengage' '$tmp/bypass.log' | grep -q 1"
: >"$tmp/bypass.log"
kill_dp
t0=$(date +%s%N)
check "data plane killed: bypass engaged" wait_for 15 grep -q \
	"^engage --ports p0,p1" "$tmp/bypass.log"
echo "bypass engaged $((($(date +%s%N) - t0) / 1000000)) ms after kill -9 (heartbeat 300 ms, timeout 3000 ms)"
check "status says bypass engaged" sh -c \
	"'$CTL' status --json | jq -e '.bypass.engaged and .health == \"down\"' >/dev/null"
rm -f "$dps"
cleanup_eal
start_dp
check "mxgate-dp restarted: mxgated pushes the entries again" \
	wait_for 10 has_rule mxgated-block
check "... and they drop" grows mxgated-block dropped
check "bypass disengaged" wait_for 15 grep -q "^disengage --ports p0,p1" "$tmp/bypass.log"
check "transitions logged" grep -q "bypass ENGAGED" "$tmp/ctld.err"

# --- a torn state file: refused, kept ---
kill -TERM "$CTLD_PID"
wait "$CTLD_PID"
CTLD_PID=
head -n -1 "$state" >"$tmp/torn"
cp "$tmp/torn" "$state"
"$CTLD" --policy "$tmp/pol/policy.json" --no-engine --socket "$sock" \
	--state "$state" --metrics off 2>"$tmp/torn.err"
check "torn state file: mxgated refuses to start (exit 1)" test $? = 1
check "... says why" grep -q "torn" "$tmp/torn.err"
check "... and the file is kept as it was" cmp -s "$tmp/torn" "$state"
sed 's/203.0.113.0/203.0.113.9/' "$tmp/state.saved" >"$state"
"$CTLD" --policy "$tmp/pol/policy.json" --no-engine --socket "$sock" \
	--state "$state" --metrics off 2>"$tmp/corrupt.err"
check "corrupt state file (checksum): refused" grep -q "checksum mismatch" "$tmp/corrupt.err"
cp "$tmp/state.saved" "$state"
start_ctld

# --- permissions ---
as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
chmod 0711 "$tmp"
as_nobody "$CTL" status >/dev/null 2>&1
check "unprivileged client refused by the socket mode (exit 4)" test $? = 4
chmod 0666 "$sock"
as_nobody "$CTL" status >/dev/null 2>"$tmp/perm.err"
rc=$?; cat "$tmp/perm.err"
check "... and by SO_PEERCRED with the mode opened (exit 4)" test $rc = 4
check "refusal logged" grep -q "refused a client: pid [0-9]* uid 65534" "$tmp/ctld.err"
chmod 0660 "$sock"
chmod 0700 "$tmp"

# --- hostile clients ---
python3 "$HERE/rawclient.py" "$sock" stall 7 &
stall_pid=$!
sleep 0.3
check "a stalled client does not block others" timeout 8 "$CTL" status >/dev/null
for kind in magic version type oversize notjson array nocmd unknown badcidr \
	badttl truncated; do
	check "malformed '$kind' refused" timeout 10 python3 "$HERE/rawclient.py" "$sock" "$kind"
done
check "the stalled client was dropped" wait "$stall_pid"
check "the daemon still serves" "$CTL" status >/dev/null

# --- top ---
check "top ranks 203.0.113.0/24 first at /24, with drops" sh -c \
	"'$CTL' top --json | jq -e '.levels[] | select(.prefix_len == 24) | .entries[0].prefix == \"203.0.113.0/24\" and .entries[0].dropped > 0 and .entries[0].first_seen > 0' >/dev/null"
# --watch redraws in place: home and clear before each of its frames
timeout -s INT 3.5 "$CTL" top --watch --interval 1 >"$tmp/watch.out" 2>/dev/null
check "top --watch: redrawn in place every second (3 frames or more in 3.5 s)" \
	test "$(grep -o $'\033\\[H\033\\[2J' "$tmp/watch.out" | wc -l)" -ge 3
check "top, list and stats fit 80 columns" sh -c \
	"'$CTL' top | awk 'length > 80 { exit 1 }' && '$CTL' list | awk 'length > 80 { exit 1 }' && '$CTL' stats | awk 'length > 80 { exit 1 }'"

# --- metrics: a strict parser ---
# a rule name may hold quotes and backslashes: escaped in its label
cat >"$tmp/pol/policy.json.new" <<'J'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "every \"one\" \\ else", "action": "allow"}]}
J
mv "$tmp/pol/policy.json.new" "$tmp/pol/policy.json"
"$CTL" reload >/dev/null && wait_for 20 ctld_up
sleep 1 # a heartbeat under it
curl -s "http://127.0.0.1:$port/metrics" >"$tmp/m1.txt"
check "metrics page parses, values as expected" python3 "$HERE/prom_parse.py" "$tmp/m1.txt" \
	'mxgate_rule_attempts_total{rule="every \"one\" \\ else"} >= 0' \
	'mxgate_up == 1' 'mxgate_dynamic_entries{kind="block"} == 1' \
	'mxgate_dynamic_entries{kind="allow"} == 1' 'mxgate_bypass_engaged == 0' \
	'mxgate_rule_drops_total{rule="mxgated-block"} > 0'
check "Grafana dashboard queries only exported metrics" python3 \
	"$HERE/prom_parse.py" --dashboard "$ROOT/control/daemon/grafana-dashboard.json" "$tmp/m1.txt"
check "nothing listens off loopback" sh -c \
	"! ss -ltnH | grep ':$port ' | grep -v '127.0.0.1:$port'"
kill -TERM "$CTLD_PID"
wait "$CTLD_PID"
CTLD_PID=
kill -TERM "$dp_pid"
wait "$dp_pid"
dp_pid=
rm -f "$dps" "$state"
cleanup_eal

# --- metrics against a finite capture: 200 SYNs, 100 per source ---
cat >"$tmp/pol/policy.json" <<'J'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "per-host", "limit": {"rate": "1/h", "burst": 10, "per": "host"},
            "over": "reset"}]}
J
"$REPLAY" --policy "$tmp/pol/policy.json" "$tmp/syn.pcap" >"$tmp/replay.json"
# shellcheck disable=SC2046
timeout -s INT -k 10 "$DP_TIMEOUT" "$DP" $(eal 0@0,1@1) \
	--vdev "net_pcap0,rx_pcap=$tmp/syn.pcap" \
	--vdev "net_pcap1,rx_pcap=$tmp/empty.pcap" -- \
	--policy "$tmp/pol/policy.json" --control "$dps" --clock rx-timestamp \
	>"$tmp/dp2.json" 2>"$tmp/dp2.err" &
dp_pid=$!
wait_for 60 test -S "$dps" && wait_running "$tmp/dp2.err" 60
start_ctld
# mxgate-dp reads the finite capture at its own pace (a loaded machine);
# scrape once its port counted all 200 frames, at most 30 s
all_read() {
	curl -s "http://127.0.0.1:$port/metrics" >"$tmp/m2.txt" &&
		grep -q '^mxgate_port_rx_packets_total{port="0"} 200$' "$tmp/m2.txt"
}
wait_for 30 all_read
sleep 1 # and a heartbeat later: every worker's counters settled
curl -s "http://127.0.0.1:$port/metrics" >"$tmp/m2.txt"
rp() { jq ".rules[0].$1" "$tmp/replay.json"; }
check "metrics equal the traffic sent and mxgate-replay's verdicts" \
	python3 "$HERE/prom_parse.py" "$tmp/m2.txt" \
	'mxgate_attempts_total == 200' 'mxgate_port_rx_packets_total{port="0"} == 200' \
	"mxgate_rule_attempts_total{rule=\"per-host\"} == $(rp matched)" \
	"mxgate_rule_passes_total{rule=\"per-host\"} == $(rp passed)" \
	"mxgate_rule_drops_total{rule=\"per-host\"} == $(rp dropped)" \
	"mxgate_drops_total == $(jq .smtp_dropped "$tmp/replay.json")" \
	'mxgate_rule_passes_total{rule="per-host"} == 20' \
	"mxgate_rule_resets_total{rule=\"per-host\"} == $(rp reset)" \
	'mxgate_rule_resets_total{rule="per-host"} == 180' \
	"mxgate_resets_total == $(jq .reset "$tmp/replay.json")"
# the source table as mxgate-dp counts it: one bucket per host
check "metrics: the source table holds the 2 sources (from the engine)" \
	python3 "$HERE/prom_parse.py" "$tmp/m2.txt" \
	'mxgate_source_table_entries == 2' 'mxgate_source_table_inserts_total == 2' \
	'mxgate_source_table_evictions_total{kind="lossless"} == 0' \
	'mxgate_source_table_evictions_total{kind="lossy"} == 0' \
	'mxgate_source_table_capacity > 0'
check "stats: per-rule resets and the table's occupancy" sh -c \
	"'$CTL' stats --json | jq -e '.rules[0].reset == 180 and .table.entries == 2' >/dev/null &&
	'$CTL' stats | grep -q '^per-host  *200  *20  *180  *180  *0$' &&
	'$CTL' stats | grep -q '^source table: 2 of [0-9]* in use'"
check "no line per packet: mxgated's log stays small" test "$(wc -l <"$tmp/ctld.err")" -lt 200
finish
