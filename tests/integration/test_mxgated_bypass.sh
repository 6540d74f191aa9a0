#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgated's fail-open watchdog driving the real actuator, hw/bypass.sh,
# on the inline pair of tests/integration/test_bypass.sh (namespaces made
# for this test, documentation addresses):
#
#   sender S: s0 192.0.2.1, .3
#      -- p0 [appliance A: mxgate-dp on net_af_packet] p1 --
#   receiver R: r0 192.0.2.2 (TCP listener on port 25)
#
# The policy mxgated pushes denies SMTP from 192.0.2.3 only: a connection
# from .3 says who forwards (refused by the data plane, through by the
# bypass). kill -9 of mxgate-dp: mxgated runs `bypass.sh engage --ports
# p0,p1 --netns A` and SMTP flows again (the time from the kill to the
# first connection is printed); mxgate-dp restarted: mxgated pushes its
# image, runs `disengage`, and .3 is denied by the data plane again.
#
# Needs root (exit 77 otherwise). Every wait is bounded; the namespaces,
# processes and files are removed at exit whatever happens.
# shellcheck source=tests/integration/dp/lib.sh
. "$(dirname "$0")/dp/lib.sh"
set -o pipefail
BYPASS=$ROOT/hw/bypass.sh
CTLD=$BUILD/bin/mxgated
CTL=$BUILD/bin/mxgatectl
TOOLS=${MXG_TOOLS:-$BUILD/tools}
PROBE=$TOOLS/mxg-tcpprobe
. "$ROOT/tests/lib/netns.sh"
need_root "network namespaces"
need_cmd ip nsenter jq ethtool flock
need_built "$DP" "$CTLD" "$CTL" "$PROBE"

tag=$$
S=mxg-cb-s$tag A=mxg-cb-a$tag R=mxg-cb-r$tag
tmp=$(mktemp -d)
export MXGATE_HW_BYPASS_DIR=$tmp/state
export MXGATED_SOCKET=$tmp/ctld.sock
dp_pid= CTLD_PID= PROBE_PID=
cleanup() {
	[ "$fails" -gt 0 ] && ctld_log "$tmp/ctld.err"
	kill -KILL $CTLD_PID $dp_pid $PROBE_PID 2>/dev/null
	wait 2>/dev/null
	"$BYPASS" disengage --ports p0,p1 --netns "$A" >/dev/null 2>&1
	netns_cleanup
	rm -rf "$tmp"
	cleanup_eal
}
trap cleanup EXIT
trap 'exit 1' INT TERM

check "mxgated --help: the installed actuator is the default --bypass-cmd" \
	sh -c "'$CTLD' --help | tr -s ' \n' ' ' | grep -q 'by default the installed /usr/local/libexec/mxgate/bypass.sh '"

netns_pair "$S" "$A" "$R" || exit 1

mkdir -p "$tmp/pol"
cat >"$tmp/pol/policy.json" <<'EOF'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "deny-dot3", "src": "192.0.2.3/32", "action": "deny"}]}
EOF
# mxgate-dp starts on an empty policy: what it enforces is mxgated's push
cat >"$tmp/dp-policy.json" <<'EOF'
{"version": 1, "smtp_ports": [25], "rules": [{"name": "all", "action": "allow"}]}
EOF

probe_listen "$R" "$tmp/listen.out" 25 ||
	{ bad "the listener did not start"; finish; exit; }
expect() { expect_probe "$1" "$2" "$S" "$3" 192.0.2.2 25 500; } # WHAT WANT FROM
start_dp() {
	rm -f "$tmp/dp.sock"
	cleanup_eal
	# shellcheck disable=SC2046
	ip netns exec "$A" "$DP" $(eal 0@0,1@1) \
		--vdev net_af_packet0,iface=p0 --vdev net_af_packet1,iface=p1 \
		-- --policy "$tmp/dp-policy.json" --control "$tmp/dp.sock" \
		>"$tmp/dp.json" 2>"$tmp/dp.err" &
	dp_pid=$!
	wait_running "$tmp/dp.err" 60
}
settled() { ctld_status_is '.health == "up" and .in_force and (.bypass.engaged | not)'; }

check "mxgate-dp runs on p0,p1 (net_af_packet)" start_dp
ctld_start - "$tmp/ctld.err" --policy "$tmp/pol/policy.json" --dp "$tmp/dp.sock" \
	--socket "$tmp/ctld.sock" --state "$tmp/mxgated.state" --metrics off \
	--heartbeat 200 --heartbeat-timeout 1000 --failure open \
	--bypass-cmd "$BYPASS" --bypass-ports p0,p1 --bypass-netns "$A"
check "mxgated up, its image in force" wait_for 30 settled
expect "through mxgate-dp: 192.0.2.1" connected 192.0.2.1
expect "through mxgate-dp: 192.0.2.3 denied by mxgated's policy" timeout 192.0.2.3

t0=$(ms)
kill -KILL "$dp_pid"
wait "$dp_pid" 2>/dev/null
dp_pid=
if t_flow=$(until_connected "$S" 192.0.2.1 192.0.2.2 25 20); then
	t_all=$(($(ms) - t0))
	ok "kill -9 of mxgate-dp: SMTP flows through the bypass ${t_all} ms later"
	echo "MEASURED fail-open: first SMTP connection ${t_all} ms after kill -9 (heartbeat 200 ms, timeout 1000 ms)"
else
	bad "no traffic within 20 s of kill -9"
fi
check "status: engine down, bypass engaged" ctld_status_is '.health == "down" and .bypass.engaged'
check "mxgated logged the transition" grep -q "bypass ENGAGED" "$tmp/ctld.err"
check "bypass.sh status: engaged bridge" sh -c \
	"'$BYPASS' status --ports p0,p1 --netns '$A' | grep -q '^engaged bridge'"
expect "bypass: 192.0.2.3 passes too (fail-open)" connected 192.0.2.3

check "mxgate-dp restarted" start_dp
t0=$(ms)
if wait_for 30 settled; then
	ok "mxgated pushed its image and disengaged $(($(ms) - t0)) ms after the workers ran"
else
	bad "not back in the path within 30 s"
fi
check "mxgated logged the way back" grep -q "bypass disengaged" "$tmp/ctld.err"
check "bypass.sh status: disengaged" sh -c \
	"[ \"\$('$BYPASS' status --ports p0,p1 --netns '$A')\" = disengaged ]"
if t_flow=$(until_connected "$S" 192.0.2.1 192.0.2.2 25 10); then
	ok "through mxgate-dp again: 192.0.2.1 (${t_flow} ms)"
else
	bad "through mxgate-dp again: 192.0.2.1 not within 10 s"
fi
expect "through mxgate-dp again: 192.0.2.3 denied (the data plane decides)" timeout 192.0.2.3
check "transitions counted: 1 engage, 1 disengage" \
	ctld_status_is '.bypass.transitions == 2'
kill -TERM "$CTLD_PID"
wait "$CTLD_PID"
check "mxgated exits 0" test $? = 0
CTLD_PID=
finish
