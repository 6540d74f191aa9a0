# SPDX-License-Identifier: BSD-3-Clause
# The e2e test's engine driver (sourced by run.sh): the only place that
# knows how the appliance is run. Every other line of the test talks to
#
#   engine start MODE POLICY   put the appliance in the wire, in force
#   engine reload POLICY       a new policy, live (hitless)
#   engine stats               the summary JSON (DESIGN §4) so far
#   engine stop                take it out of the wire; the final summary
#                              JSON goes to $E2E_TMP/engine-final.json
#
# MODE is one of
#   bridge  no limiter: a Linux bridge between the two appliance veths
#           (the baseline: what Postfix sees without mxgate)
#   dp      mxgate-dp, net_af_packet ports on the two veths, inline pair
#   xdp     mxgate-xdp attach --mode inline on the two veths
#
# mxgated (issue 14) is meant to drive both engines: when it lands, a
# "mxgated" mode here (mxgated started on the policy, mxgatectl reload /
# stats / stop) replaces the direct calls below and nothing else changes.
#
# Needs: NS_A (the appliance namespace), IF_AS and IF_AM (its veths to
# the senders and to the MX), E2E_TMP, DP, DPCTL, XDP. A start that
# cannot work on this machine (no BPF) returns 77.

ENGINE_MODE=
ENGINE_PID=
ENGINE_SOCK=
ENGINE_PIN=
ENGINE_EAL_PREFIX=mxg-e2e-$$

engine() {
	local action=$1
	shift
	case $action in
	start)
		ENGINE_MODE=$1
		shift
		"engine_${ENGINE_MODE}_start" "$@"
		;;
	reload | stats | stop) "engine_${ENGINE_MODE}_$action" "$@" ;;
	*)
		echo "engine: unknown action $action" >&2
		return 2
		;;
	esac
}

# Always safe to call, whatever state the engine is in (the EXIT trap).
engine_cleanup() {
	if [ -n "$ENGINE_PID" ]; then
		kill -KILL "$ENGINE_PID" 2>/dev/null
		wait "$ENGINE_PID" 2>/dev/null
		ENGINE_PID=
	fi
	if [ -n "$ENGINE_PIN" ] && [ -d "$ENGINE_PIN" ]; then
		nsenter --net="/run/netns/$NS_A" "$XDP" --pin-dir "$ENGINE_PIN" \
			detach >/dev/null 2>&1
		rm -rf "$ENGINE_PIN"
	fi
	rm -rf "/var/run/dpdk/$ENGINE_EAL_PREFIX" \
		"${XDG_RUNTIME_DIR:-/tmp}/dpdk/$ENGINE_EAL_PREFIX"
}

# ---------------------------------------------------------------------
# bridge: the baseline, no limiter

engine_bridge_start() {
	ip -n "$NS_A" link add e2e-br type bridge forward_delay 0 stp_state 0 &&
		ip -n "$NS_A" link set "$IF_AS" master e2e-br &&
		ip -n "$NS_A" link set "$IF_AM" master e2e-br &&
		ip -n "$NS_A" link set e2e-br up
}

engine_bridge_reload() { :; }

engine_bridge_stats() { echo '{}'; }

engine_bridge_stop() {
	echo '{}' >"$E2E_TMP/engine-final.json"
	ip -n "$NS_A" link del e2e-br
}

# ---------------------------------------------------------------------
# dp: mxgate-dp on net_af_packet, its control socket

engine_dp_start() {
	local policy=$1
	ENGINE_SOCK=$E2E_TMP/dp.sock
	# The main lcore on CPU 0 runs the control socket; one worker,
	# polling, on CPU 1. No hugepages, no PCI: the two veths only.
	ip netns exec "$NS_A" timeout -s INT -k 10 "${E2E_DP_TIMEOUT:-240}" \
		"$DP" --lcores 0@0,1@1 --no-huge --no-pci -m 512 \
		--file-prefix "$ENGINE_EAL_PREFIX" \
		--vdev "net_af_packet0,iface=$IF_AS" \
		--vdev "net_af_packet1,iface=$IF_AM" \
		-- --policy "$policy" --control "$ENGINE_SOCK" \
		>"$E2E_TMP/dp.json" 2>"$E2E_TMP/dp.err" &
	ENGINE_PID=$!
	local _
	for _ in $(seq 200); do
		if grep -q "worker(s) running" "$E2E_TMP/dp.err" &&
			[ -S "$ENGINE_SOCK" ]; then
			return 0
		fi
		kill -0 "$ENGINE_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "mxgate-dp did not start:" >&2
	tail -20 "$E2E_TMP/dp.err" >&2
	return 1
}

engine_dp_reload() {
	timeout 30 "$DPCTL" load "$ENGINE_SOCK" "$1" >/dev/null
}

engine_dp_stats() {
	timeout 30 "$DPCTL" stats "$ENGINE_SOCK" 500
}

engine_dp_stop() {
	local rc
	kill -INT "$ENGINE_PID"
	# Bounded: mxgate-dp runs under timeout -k, so this wait ends.
	wait "$ENGINE_PID"
	rc=$?
	ENGINE_PID=
	cp "$E2E_TMP/dp.json" "$E2E_TMP/engine-final.json"
	if [ "$rc" -ne 0 ]; then
		echo "mxgate-dp exited with status $rc" >&2
		tail -20 "$E2E_TMP/dp.err" >&2
		return 1
	fi
	if ! grep -q "all [0-9]* mbufs back" "$E2E_TMP/dp.err" ||
		grep -q leaked "$E2E_TMP/dp.err"; then
		echo "mxgate-dp: mbufs not all back at exit" >&2
		return 1
	fi
}

# ---------------------------------------------------------------------
# xdp: mxgate-xdp, inline bridge mode

xdp_cmd() {
	nsenter --net="/run/netns/$NS_A" "$XDP" --pin-dir "$ENGINE_PIN" "$@"
}

engine_xdp_start() {
	local policy=$1 out rc
	ENGINE_PIN=/sys/fs/bpf/mxg-e2e-$$
	out=$(xdp_cmd attach --mode inline --policy "$policy" "$IF_AS" "$IF_AM" 2>&1)
	rc=$?
	printf '    mxgate-xdp: %s\n' "${out//$'\n'/$'\n'    mxgate-xdp: }"
	if [ $rc -ne 0 ]; then
		if echo "$out" | grep -qE "needs Linux|not permitted|BPF filesystem"; then
			return 77
		fi
		return 1
	fi
}

engine_xdp_reload() {
	xdp_cmd reload --policy "$1" >/dev/null
}

engine_xdp_stats() {
	xdp_cmd stats
}

engine_xdp_stop() {
	xdp_cmd stats >"$E2E_TMP/engine-final.json" || return 1
	xdp_cmd detach >/dev/null || return 1
	ENGINE_PIN=
}
