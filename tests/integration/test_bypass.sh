#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# hw/bypass.sh, the fail-open actuators, on an inline pair in network
# namespaces made for this test (names mxg-bp-*, documentation addresses):
#
#   sender S: s0 192.0.2.1, .3, 2001:db8::1
#      -- p0 [appliance A: mxgate-dp or mxgate-xdp] p1 --
#   receiver R: r0 192.0.2.2, 2001:db8::2 (TCP listener on port 25)
#
# The policy denies SMTP from 192.0.2.3 only, so that a connection from
# .3 says who forwards: refused by the data plane, through by the bypass.
#
#  1. bridge: mxgate-dp on net_af_packet ports forwards (.1 through, .3
#     dropped); kill -9 of mxgate-dp stops the pair; engage --mode bridge
#     and traffic flows again (.1 and .3, IPv4 and IPv6): the time from
#     the engage to the first connection is printed. Engage again: nothing
#     to do; status (text and JSON). Disengage leaves nothing behind; a new
#     mxgate-dp forwards and drops .3 again.
#  2. xdp-pass: mxgate-xdp in inline mode forwards (.1 through, .3
#     dropped); engage --mode xdp-pass: .3 goes through, the XDP program is
#     off the ports; disengage puts the same program back and .3 is dropped
#     again. A ping stream through the pair during engage and disengage
#     counts what the switches lose.
#  3. nic: a profile switching a file (a fake sysfs tree) and one running
#     a command (a stand-in that logs its calls), engaged and disengaged;
#     dry runs of the real nics.json profiles and of a vfio-pci rebind.
#
# Needs root (exit 77 otherwise). Every wait is bounded; the namespaces,
# processes, pins and files are removed at exit whatever happens.
# shellcheck source=tests/integration/dp/lib.sh
. "$(dirname "$0")/dp/lib.sh"
BYPASS=$ROOT/hw/bypass.sh
XDP=$BUILD/bin/mxgate-xdp
TOOLS=${MXG_TOOLS:-$BUILD/tools}
PROBE=$TOOLS/mxg-tcpprobe
. "$ROOT/tests/lib/netns.sh"
need_root "network namespaces"
need_cmd ip nsenter jq ethtool ping
need_built "$DP" "$XDP" "$PROBE" "$TOOLS/mxg-xdp-pass"

tag=$$
S=mxg-bp-s$tag A=mxg-bp-a$tag R=mxg-bp-r$tag
tmp=$(mktemp -d)
PIN=/sys/fs/bpf/mxg-bp-$tag
export MXGATE_HW_BYPASS_DIR=$tmp/state MXGATE_HW_BPFFS=$PIN-bypass
dp_pid= PROBE_PID=
cleanup() {
	kill -KILL $dp_pid $PROBE_PID 2>/dev/null
	netns_cleanup
	rm -rf "$PIN" "$MXGATE_HW_BYPASS_DIR" "$MXGATE_HW_BPFFS" "$tmp"
	cleanup_eal
}
trap cleanup EXIT
trap 'exit 1' INT TERM

in_ns() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}
jqe() { jq -e "$@" >/dev/null; }

netns_pair "$S" "$A" "$R" || exit 1

cat >"$tmp/policy.json" <<'EOF'
{"version": 1, "smtp_ports": [25],
 "rules": [{"name": "deny-dot3", "src": "192.0.2.3/32", "action": "deny"}]}
EOF

probe_listen "$R" "$tmp/listen.out" 25 || {
	echo "FAIL: the listener did not start"
	exit 1
}

expect() { expect_probe "$1" "$2" "$S" "$3" "$4" 25 500; } # WHAT WANT FROM DST
bp() { "$BYPASS" "$@" --ports p0,p1 --netns "$A"; }
no_leftovers() {
	[ -z "$(ip -n "$A" -j link show type bridge | jq -r '.[].ifname')" ] &&
		[ "$(ip -n "$A" -j link show dev p0 | jq -r '.[0].master // "none"')" = none ] &&
		[ "$(ip -n "$A" -j link show dev p1 | jq -r '.[0].master // "none"')" = none ] &&
		[ -z "$(ls "$MXGATE_HW_BYPASS_DIR"/*.state 2>/dev/null)" ]
}
start_dp() {
	# shellcheck disable=SC2046
	ip netns exec "$A" "$DP" $(eal 0@0,1@1) \
		--vdev net_af_packet0,iface=p0 --vdev net_af_packet1,iface=p1 \
		-- --policy "$tmp/policy.json" >"$tmp/dp.json" 2>"$tmp/dp.err" &
	dp_pid=$!
	for _ in $(seq 100); do
		grep -q "worker(s) running" "$tmp/dp.err" && return 0
		kill -0 "$dp_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$tmp/dp.err"
	return 1
}

echo "--- 1. bridge: mxgate-dp on net_af_packet, kill -9, bypass"
check "mxgate-dp runs on p0,p1" start_dp
expect "through mxgate-dp: 192.0.2.1" connected 192.0.2.1 192.0.2.2
expect "through mxgate-dp: 192.0.2.3 denied" timeout 192.0.2.3 192.0.2.2
kill -KILL "$dp_pid"
wait "$dp_pid" 2>/dev/null
dp_pid=
expect "mxgate-dp killed: the pair forwards nothing" timeout 192.0.2.1 192.0.2.2
t0=$(ms)
check "engage (bridge)" bp engage
t_engage=$(($(ms) - t0))
if t_flow=$(until_connected "$S" 192.0.2.1 192.0.2.2 25 10); then
	ok "traffic through the bypass ${t_flow} ms after engage began (engage itself: ${t_engage} ms)"
	echo "MEASURED bridge: engage ${t_engage} ms, first SMTP connection $((t_engage + t_flow)) ms after the engage command started"
else
	bad "no traffic within 10 s of the engage"
fi
expect "bypass: 192.0.2.3 passes too (fail-open, no policy)" connected 192.0.2.3 192.0.2.2
expect "bypass: IPv6" connected 2001:db8::1 2001:db8::2
check "engage again: nothing to do, exit 0" sh -c "'$BYPASS' engage --ports p0,p1 --netns '$A' | grep -q 'already engaged'"
fails_other_mode() { ! bp engage --mode xdp-pass >/dev/null 2>&1; }
check "engage in another mode while engaged: refused" fails_other_mode
st=$(bp status)
echo "  | $st"
check "status: engaged bridge" test "${st%% on *}" = "engaged bridge"
js=$(bp status --json)
echo "  | $js"
check "status --json" jqe '.state == "engaged" and .mode == "bridge" and .consistent
	and .ports == ["p0", "p1"] and (.bridge | startswith("mxgbp"))' <<<"$js"
check "disengage" bp disengage
check "disengage: no bridge, no master, no state file" no_leftovers
check "disengage again: nothing to do, exit 0" bp disengage
check "status: disengaged" test "$(bp status)" = disengaged
expect "disengaged, no data plane: nothing forwarded" timeout 192.0.2.1 192.0.2.2
check "mxgate-dp restarted" start_dp
if t_flow=$(until_connected "$S" 192.0.2.1 192.0.2.2 25 10); then
	ok "through mxgate-dp again: 192.0.2.1 (${t_flow} ms after it said its workers run)"
else
	bad "through mxgate-dp again: 192.0.2.1 not within 10 s"
	sed 's/^/  | /' "$tmp/dp.err"
fi
expect "through mxgate-dp again: 192.0.2.3 denied (the data plane decides)" timeout 192.0.2.3 192.0.2.2
# stop_dp: SIGINT, then at most 30 s for the summary and a clean exit.
stop_dp() {
	local i
	kill -INT "$dp_pid"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$dp_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$dp_pid" 2>/dev/null; then
		kill -KILL "$dp_pid"
		echo "  | mxgate-dp still running 30 s after SIGINT: killed"
		sed 's/^/  | /' "$tmp/dp.err"
	fi
	wait "$dp_pid"
}
stop_dp
rc=$?
dp_pid=
check "mxgate-dp exits cleanly (status $rc)" test "$rc" -eq 0
check "mxgate-dp counted the dropped attempt" test "$(json_num "$tmp/dp.json" smtp_dropped)" -ge 1

echo "--- 2. xdp-pass: mxgate-xdp inline"
xdp() { nsenter --net="/run/netns/$A" "$XDP" --pin-dir "$PIN" "$@"; }
{ in_ns "$S" "$TOOLS/mxg-xdp-pass" s0 && in_ns "$R" "$TOOLS/mxg-xdp-pass" r0; } ||
	skip "no XDP on veths here"
if ! out=$(xdp attach --mode inline --policy "$tmp/policy.json" p0 p1 2>&1); then
	echo "$out" | grep -qE "needs Linux|not permitted|BPF filesystem" && skip "BPF unavailable: $out"
	bad "mxgate-xdp attach: $out"
fi
prog_ids() { for i in p0 p1; do ip -n "$A" -j -d link show dev $i | jq -r '.[0].xdp.prog.id // "none"'; done | tr '\n' ' '; }
ids=$(prog_ids)
echo "  | XDP programs on p0 p1: $ids"
expect "through mxgate-xdp: 192.0.2.1" connected 192.0.2.1 192.0.2.2
expect "through mxgate-xdp: 192.0.2.3 denied" timeout 192.0.2.3 192.0.2.2
in_ns "$S" ping -q -i 0.01 -w 8 -W 1 192.0.2.2 >"$tmp/ping.out" 2>&1 &
ping_pid=$!
sleep 1
t0=$(ms)
check "engage --mode xdp-pass" bp engage --mode xdp-pass
t_engage=$(($(ms) - t0))
if t_flow=$(until_connected "$S" 192.0.2.3 192.0.2.2 25 10); then
	ok "192.0.2.3 through the bypass ${t_flow} ms after the engage returned"
	echo "MEASURED xdp-pass: engage ${t_engage} ms, first connection of the denied source $((t_engage + t_flow)) ms after the engage command started"
else
	bad "192.0.2.3 not through the bypass within 10 s"
fi
check "xdp-pass: no XDP program on p0, p1" test "$(prog_ids)" = "none none "
check "status --json: xdp-pass" jqe '.state == "engaged" and .mode == "xdp-pass"' <<<"$(bp status --json)"
sleep 1
check "disengage (xdp-pass)" bp disengage
check "disengage: the same programs back on p0, p1" test "$(prog_ids)" = "$ids"
check "disengage: no bridge, no master, no state file" no_leftovers
check "disengage: the pins removed" test -z "$(ls -A "$MXGATE_HW_BPFFS" 2>/dev/null)"
expect "through mxgate-xdp again: 192.0.2.1" connected 192.0.2.1 192.0.2.2
expect "through mxgate-xdp again: 192.0.2.3 denied" timeout 192.0.2.3 192.0.2.2
wait "$ping_pid"
echo "  | $(grep -E 'transmitted' "$tmp/ping.out")"
lost=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$tmp/ping.out")
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$tmp/ping.out")
echo "MEASURED xdp-pass: $((sent - lost)) of $sent pings (10 ms apart) lost across engage and disengage"
check "pings through engage and disengage: at most 2 lost" test $((sent - lost)) -le 2 -a "$sent" -gt 100
check "mxgate-xdp still in charge: stats" sh -c "nsenter --net=/run/netns/$A '$XDP' --pin-dir '$PIN' stats | grep -q smtp_dropped"
check "mxgate-xdp detach" xdp detach

echo "--- 3. nic: the NIC's own relay"
sys=$tmp/sys
mkdir -p "$sys/class/net/mxgbp0/device"
echo 0 >"$sys/class/net/mxgbp0/device/bypass"
printf '#!/bin/sh\necho "$*" >>%s\n' "$tmp/vendor.log" >"$tmp/vendor-tool"
chmod +x "$tmp/vendor-tool"
jq --arg tool "$tmp/vendor-tool" '.profiles += [
	{"name": "fake-file", "driver": "net_fake", "max_rx_queues": 1, "max_tx_queues": 1,
	 "rss_src_only": false, "rx_timestamp": false,
	 "bypass": {"capable": true, "verified": false, "method": "file",
		"file": "{sys}/class/net/{iface}/device/bypass", "on": "1", "off": "0",
		"source": "test"}},
	{"name": "fake-cmd", "driver": "net_fake", "max_rx_queues": 1, "max_tx_queues": 1,
	 "rss_src_only": false, "rx_timestamp": false,
	 "bypass": {"capable": true, "verified": false, "method": "command",
		"command": {"on": [$tool, "{iface}", "set_bypass", "on"],
			"off": [$tool, "{iface}", "set_bypass", "off"]},
		"source": "test"}}]' "$ROOT/hw/nics.json" >"$tmp/nics.json"
nic() { MXGATE_HW_NICS=$tmp/nics.json MXGATE_HW_SYSFS=$sys "$BYPASS" "$@" --ports mxgbp0,mxgbp1; }
check "engage --mode nic (file)" nic engage --mode nic --profile fake-file
check "the relay's file says 1" test "$(cat "$sys/class/net/mxgbp0/device/bypass")" = 1
check "status --json: nic, relay on" jqe '.mode == "nic" and .nic_relay == "on" and .consistent' \
	<<<"$(nic status --json)"
check "disengage (file)" nic disengage
check "the relay's file says 0" test "$(cat "$sys/class/net/mxgbp0/device/bypass")" = 0
check "engage --mode nic (command)" nic engage --mode nic --profile fake-cmd
check "disengage (command)" nic disengage
check "the vendor tool ran: on, then off, on the first port" \
	test "$(tr '\n' ' ' <"$tmp/vendor.log")" = "mxgbp0 set_bypass on mxgbp0 set_bypass off "
no_profile() { ! nic engage --mode nic >/dev/null 2>&1; }
check "--mode nic without --profile: refused" no_profile
unknown_switch() { ! nic engage --mode nic --profile mlx5 >/dev/null 2>&1 && ! nic status | grep -q '^engaged'; }
check "--mode nic on a profile without a bypass switch: refused" unknown_switch
nic disengage >/dev/null 2>&1
for p in $(jq -r '.profiles[] | select(.bypass.method == "command" or .bypass.method == "file" or .bypass.method == "ethtool-priv-flag") | .name' "$ROOT/hw/nics.json"); do
	check "dry run of the real profile $p" sh -c "MXGATE_HW_SYSFS=$sys '$BYPASS' --dry-run engage --mode nic --profile $p --ports mxgbp0,mxgbp1 | grep -q '^bypass: + '"
done

# A vfio-bound NIC (fake sysfs, setup.sh's state file) in a dry run.
pci=0000:00:09.0
mkdir -p "$sys/bus/pci/drivers/vfio-pci" "$sys/bus/pci/devices/$pci"
ln -s ../../drivers/vfio-pci "$sys/bus/pci/devices/$pci/driver"
echo "bind $pci virtio-pci" >"$tmp/hw.state"
MXGATE_HW_SYSFS=$sys MXGATE_HW_STATE=$tmp/hw.state DEVBIND=$tmp/devbind \
	"$BYPASS" --dry-run engage --ports "$pci,p9" >"$tmp/rebind.out" 2>&1
sed 's/^/  | /' "$tmp/rebind.out"
check "dry run: a vfio-pci port goes back to the driver setup.sh took it from" \
	grep -qF "+ $tmp/devbind --bind=virtio-pci $pci" "$tmp/rebind.out"
check "dry run: ... with its undo record" grep -qF "(undo record: rebind $pci virtio-pci)" "$tmp/rebind.out"
check "dry run: no state written" test -z "$(ls "$MXGATE_HW_BYPASS_DIR"/*.state 2>/dev/null)"
bad_args() { "$BYPASS" engage --ports p0 >/dev/null 2>&1; [ $? -eq 2 ]; }
check "bad --ports: exit 2" bad_args
finish
