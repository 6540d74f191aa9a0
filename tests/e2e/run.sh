#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# End to end: a real Postfix behind the appliance, real clients, real
# floods (issue 15). Three network namespaces made for this test only:
#
#   mxg-e2e-senders            mxg-e2e-appliance              mxg-e2e-mx
#   e2e-s0 ---------- veth ---- e2e-a0 [engine] e2e-a1 ---- veth ---- e2e-m0
#   legit 192.0.2.10           a bump in the wire: no         Postfix on
#         2001:db8:25::10      address, forwards between      192.0.2.25
#   floods, loop, storm        its two veths (L2)             2001:db8:25::25
#
# One subnet on both sides (192.0.2.0/24, 2001:db8:25::/64); the other
# sources (198.51.100.0/24, 203.0.113.0/24, 2001:db8:bad:64::/64) sit on
# the senders' veth, with on-link routes to them in the MX namespace.
# Documentation ranges only, and nothing leaves the namespaces.
#
# The appliance runs in each mode of $E2E_MODES (default "bridge dp xdp"):
# bridge is the baseline without mxgate (a Linux bridge), dp is mxgate-dp
# on net_af_packet, xdp is mxgate-xdp in inline mode; engine.sh drives
# them. In each mode, with legitimate mail (swaks, IPv4 and IPv6, from
# an allow set) flowing all the time:
#   flood-host  one address, 100 attempts/s for 3 s; per-host limit, reset
#   flood-net   200 addresses of one /24, 100/s for 2 s; per-prefix
#               limit, drop (clients retransmit their SYNs)
#   flood-v6    100 addresses of one /64; per-host (/64) limit, reset
#   loop        a mailing-list loop: one address re-sends one message as
#               fast as it is accepted, 4 s; per-host limit (live reload
#               to the incidents policy)
#   storm       a bounce storm: 250 addresses, 500 null-sender messages
#               toward the one MX address in 2 s; per-dst cap
# and checks: every legitimate message in the mailbox; the appliance saw
# every attempt and passed exactly what Postfix logged; completed
# connections within burst + rate * T (+1, see LIMIT below); resets fail
# fast; Postfix's anvil never saw a client above its limit.
#
# Exit 0 if every check held, 1 otherwise, 77 (skipped) without root or
# network namespaces. Bounded: every wait has a timeout, and the whole
# run is stopped after $E2E_TIMEOUT seconds (default 280).
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${MXG_BUILD:-$ROOT/build}
BIN=${MXG_BIN:-$BUILD/bin}
DP=$BIN/mxgate-dp
XDP=$BIN/mxgate-xdp
TOOLS=${MXG_TOOLS:-$BUILD/tools}
DPCTL=$TOOLS/dpctl
[ -x "$DPCTL" ] || DPCTL=$BUILD/test/dpctl
XDPPASS=$TOOLS/mxg-xdp-pass
FLOOD=$HERE/smtpflood.py
E2E_MODES=${E2E_MODES:-bridge dp xdp}
E2E_TIMEOUT=${E2E_TIMEOUT:-280}
PYTHON=/usr/bin/python3
[ -x "$PYTHON" ] || PYTHON=python3

NS_S=mxg-e2e-senders
NS_A=mxg-e2e-appliance
NS_M=mxg-e2e-mx
IF_S=e2e-s0 IF_AS=e2e-a0 IF_AM=e2e-a1 IF_M=e2e-m0
MX4=192.0.2.25 MX6=2001:db8:25::25
LEGIT4=192.0.2.10 LEGIT6=2001:db8:25::10
HOST4=192.0.2.66 LOOP4=192.0.2.77

. "$ROOT/tests/lib/check.sh"
die() {
	echo "FAIL: $*"
	exit 1
}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces)"
for t in ip nsenter ethtool jq timeout flock "$PYTHON"; do
	command -v "$t" >/dev/null || die "$t missing (make deps)"
done
for t in postfix swaks; do
	command -v "$t" >/dev/null || die "$t missing (make deps installs it)"
done
perl -MIO::Socket::INET6 -e 1 2>/dev/null ||
	die "swaks needs IO::Socket::INET6 for IPv6 (make deps)"
for f in "$DP" "$XDP" "$DPCTL" "$XDPPASS"; do
	[ -x "$f" ] || die "$f not built (make e2e builds it)"
done

# One run at a time: the namespace names are fixed.
exec 9>/run/mxg-e2e.lock
flock -w 60 9 || die "another e2e run holds /run/mxg-e2e.lock"

E2E_TMP=$(mktemp -d /tmp/mxg-e2e.XXXXXX)
chmod 755 "$E2E_TMP"
# shellcheck source=tests/e2e/postfix.sh
. "$HERE/postfix.sh"
# shellcheck source=tests/e2e/engine.sh
. "$HERE/engine.sh"

bg_pids=()
watchdog=
cleanup() {
	local p ns
	trap - EXIT INT TERM ALRM
	[ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null
	for p in "${bg_pids[@]}"; do kill "$p" 2>/dev/null; done
	engine_cleanup
	pf_stop
	for ns in "$NS_S" "$NS_A" "$NS_M"; do
		for p in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$p" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ -n "${E2E_KEEP:-}" ]; then
		echo "kept $E2E_TMP"
	else
		rm -rf "$E2E_TMP"
	fi
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted"; exit 1' INT
trap 'echo "FAIL: terminated"; exit 1' TERM
trap 'echo "FAIL: stopped after ${E2E_TIMEOUT} s (E2E_TIMEOUT)"; exit 1' ALRM
# The watchdog: its sleep must not hold our stdout open after we exit.
(
	trap 'kill "$sp" 2>/dev/null; exit 0' TERM
	sleep "$E2E_TIMEOUT" &
	sp=$!
	wait "$sp" && kill -ALRM $$
) >/dev/null 2>&1 &
watchdog=$!

start_time=$(date +%s)

# ---------------------------------------------------------------------
# Topology

in_s() { ip netns exec "$NS_S" "$@"; }
in_m() { ip netns exec "$NS_M" "$@"; }

# A run that died may have left our namespaces behind (the lock is ours).
for ns in "$NS_S" "$NS_A" "$NS_M"; do
	ip netns del "$ns" 2>/dev/null
done
ip netns add "$NS_S" 2>/dev/null || skip "cannot create network namespaces"
if ! ip netns add "$NS_A" || ! ip netns add "$NS_M"; then
	die "ip netns add"
fi
# The appliance has no address and says nothing of its own.
for key in all default; do
	ip netns exec "$NS_A" sysctl -qw "net.ipv6.conf.$key.disable_ipv6=1"
done
for ns in "$NS_S" "$NS_M"; do
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.accept_ra=0
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.default.dad_transmits=0
done
if ! ip link add "$IF_S" netns "$NS_S" type veth peer name "$IF_AS" netns "$NS_A" ||
	! ip link add "$IF_M" netns "$NS_M" type veth peer name "$IF_AM" netns "$NS_A"; then
	die "cannot create veth pairs"
fi
ip -n "$NS_S" addr add "$LEGIT4/24" dev "$IF_S"
ip -n "$NS_S" addr add "$LEGIT6/64" dev "$IF_S" nodad
ip -n "$NS_M" addr add "$MX4/24" dev "$IF_M"
ip -n "$NS_M" addr add "$MX6/64" dev "$IF_M" nodad
# The flooders' addresses, all on the senders' veth.
{
	echo "addr add $HOST4/32 dev $IF_S"
	echo "addr add $LOOP4/32 dev $IF_S"
	for i in $(seq 1 200); do echo "addr add 198.51.100.$i/32 dev $IF_S"; done
	for i in $(seq 1 250); do echo "addr add 203.0.113.$i/32 dev $IF_S"; done
	for i in $(seq 1 100); do
		printf 'addr add 2001:db8:bad:64::%x/128 dev %s nodad\n' "$i" "$IF_S"
	done
} | ip -n "$NS_S" -batch - || die "cannot add the senders' addresses"
for l in "$NS_S $IF_S" "$NS_S lo" "$NS_M $IF_M" "$NS_M lo" \
	"$NS_A $IF_AS" "$NS_A $IF_AM"; do
	read -r ns dev <<<"$l"
	ip -n "$ns" link set "$dev" up
done
# Veths leave checksums to the receiver; frames that cross an AF_PACKET
# socket or an XDP redirect must carry complete ones, as on a wire (and
# without TX checksums there is no TSO either: no 64 KB frames).
in_s ethtool -K "$IF_S" tx off >/dev/null 2>&1
in_m ethtool -K "$IF_M" tx off >/dev/null 2>&1
# The MX reaches the other sources on the link (routes need the link up).
for r in 198.51.100.0/24 203.0.113.0/24 2001:db8:bad:64::/64; do
	ip -n "$NS_M" route add "$r" dev "$IF_M" || die "cannot add a route to $r"
done

pf_setup "$E2E_TMP/postfix" "$NS_M" "$MX4" "[$MX6]"
pf_start || die "Postfix did not start"
for _ in $(seq 50); do
	in_m ss -ltn 2>/dev/null | grep -q "$MX4:25 " && break
	sleep 0.1
done
in_m ss -ltn | grep -q "$MX4:25 " || die "Postfix is not listening on $MX4:25"
echo "Postfix $(postconf -d -h mail_version 2>/dev/null) listening on" \
	"$MX4:25 and [$MX6]:25 in $NS_M"

# ---------------------------------------------------------------------
# Traffic and what Postfix saw

LOG_MARK=0
log_mark() { LOG_MARK=$(pf_log | wc -l); }
# log_since MARK: the mail log lines after MARK.
log_since() { pf_log | tail -n +$(($1 + 1)); }
# pf_connects MARK REGEX: connections Postfix accepted from clients whose
# address matches REGEX, since MARK.
pf_connects() {
	log_since "$1" | grep -cE ": connect from unknown\[($2)\]$"
}

# legit_bg TAG COUNT: COUNT messages with swaks, alternately over IPv4
# and IPv6, one started every 0.5 s, in the background; $E2E_TMP/TAG.sent
# gets the number swaks saw accepted.
legit_one() { # TAG I
	local srv=$MX4 src=$LEGIT4
	[ $(($2 % 2)) = 1 ] || srv=$MX6 src=$LEGIT6
	in_s timeout 40 swaks --server "$srv" --local-interface "$src" \
		--helo legit.example.net --from alice@legit.example.net \
		--to bob@example.test --header "X-E2E-Id: $1-$2" \
		--timeout 30 --silent 2 >"$E2E_TMP/swaks-$1-$2.log" 2>&1
}
legit_bg() {
	local tag=$1 count=$2
	(
		pids=()
		for i in $(seq 1 "$count"); do
			legit_one "$tag" "$i" &
			pids+=($!)
			sleep 0.5
		done
		sent=0
		for p in "${pids[@]}"; do
			wait "$p" && sent=$((sent + 1))
		done
		echo "$sent" >"$E2E_TMP/$tag.sent"
	) &
	LEGIT_PID=$!
	bg_pids+=("$LEGIT_PID")
}
# legit_wait TAG: wait for legit_bg (not in a subshell: $(...) cannot
# wait for its parent's children); LEGIT_SENT gets what it sent.
legit_wait() {
	wait "$LEGIT_PID"
	LEGIT_SENT=$(cat "$E2E_TMP/$1.sent" 2>/dev/null || echo 0)
}

# wait_delivered REGEX N: until N messages match in the mailbox (20 s).
wait_delivered() {
	local i n
	for i in $(seq 100); do
		n=$(pf_delivered "$1")
		[ "$n" -ge "$2" ] && break
		sleep 0.2
	done
	pf_delivered "$1"
}

# syns_sent: SYNs the senders' kernel has sent (connections opened, and
# SYNs retransmitted: nothing in that namespace listens, so TCPSynRetrans
# counts SYNs only).
syns_sent() {
	in_s awk '$1 == "Tcp:" || $1 == "TcpExt:" {
		if (!($1 in hdr)) { hdr[$1] = 1; for (i = 2; i <= NF; i++) col[$1, $i] = i; next }
		if ($1 == "Tcp:") n += $(col["Tcp:", "ActiveOpens"])
		else n += $(col["TcpExt:", "TCPSynRetrans"])
	} END { print n + 0 }' /proc/net/snmp /proc/net/netstat
}

ROWS=()
row() { ROWS+=("$(printf '%-6s %-10s %6s %8s %6s %9s  %s' "$@")"); }

# rule_limit POLICY RULE: that rule's limit, as "BURST RATE OVER", RATE
# per second.
rule_limit() {
	jq -r --arg r "$2" '.rules[] | select(.name == $r) |
		(.limit.rate | tostring | split("/")) as $q |
		[.limit.burst,
		 ($q[0] | tonumber) / ({"s": 1, "min": 60, "h": 3600}[$q[1] // "s"]),
		 (.over // "drop")] | @tsv' "$1"
}

# ---------------------------------------------------------------------
# One phase: a flood, a loop or a storm, with legitimate mail alongside.
#
# phase NAME SRC-REGEX RULE -- CLIENT-ARGS...
#   SRC-REGEX  the phase's sources in the mail log
#   RULE       the rule of $POLICY that must contain it: its burst and
#              rate bound what may pass, its "over" (reset or drop)
#              says what the clients see beyond
#
# LIMIT. Completed connections may not exceed BURST + RATE * T + 1, T
# the time from the client's first SYN to its last (a dropped attempt
# sends its SYN again after 1 s, as real clients do, and the appliance
# judges that SYN anew). The +1: the engine timestamps a SYN when it
# reads it, not when it was sent; the two spans differ by the scheduling
# jitter of the sender, the kernel timers and the engine (milliseconds
# here, tens of them on a loaded machine), during which the bucket may
# earn one token more than RATE * T counts. One token is 1/RATE of
# jitter: 200 ms at the fastest rate of these policies (5/s). More than
# that would be a bucket admitting too much. The same bound with T = 1 s holds for anvil's per-second maxima.
# Everything else is compared exactly: the appliance's attempts with
# the SYNs the senders' kernel sent (its own counters), and its passes
# with the connections the client completed and Postfix logged. The
# kernel, not a client timer, decides each attempt (smtpflood.py), so a
# SYN that passed is a connection both ends see, however late.
phase() {
	local name=$1 src_re=$2 rule=$3 burst rate kind
	shift 4
	read -r burst rate kind < <(rule_limit "$POLICY" "$rule")
	[ -n "$kind" ] || die "no limit rule $rule in $POLICY"
	local before after out legit_tag=legit-$MODE-$name
	local attempts connected refused timeouts span rmax bound
	local syns passed legit_syns seen sessions mails err sent0 sent wire rmed

	echo "--- $MODE: $name ($(($(date +%s) - start_time)) s)"
	before=$(engine stats) || bad "$MODE/$name: engine stats"
	log_mark
	local mark=$LOG_MARK
	sent0=$(syns_sent)
	legit_bg "$legit_tag" 4
	out=$(in_s timeout 120 "$PYTHON" "$FLOOD" "$@" --tag "$MODE-$name" \
		--iface "$IF_S")
	legit_wait "$legit_tag"
	local legit_sent=$LEGIT_SENT
	sleep 0.3 # frames still in flight reach the counters
	after=$(engine stats) || bad "$MODE/$name: engine stats"
	sent=$(($(syns_sent) - sent0))
	echo "$out" >"$E2E_TMP/$MODE-$name.client.json"

	read -r attempts connected refused timeouts err span rmax rmed wire \
		sessions mails < <(jq -r '[.attempts, .connected, .refused,
			.timeout, .error, .syn_span, .refused_ms_max // 0,
			.refused_ms_median // 0, .wire_syns, .sessions_ok,
			.mails_ok] | map(. // 0) | @tsv' <<<"$out")
	[ -n "$mails" ] || bad "$MODE/$name: no result from the client: $out"
	# Postfix logs a connection before its greeting, which the client
	# waited for; the line may still be on its way through postlogd.
	for _ in $(seq 50); do
		seen=$(pf_connects "$mark" "$src_re")
		[ "$seen" -ge "$connected" ] && break
		sleep 0.1
	done
	bound=$(awk -v b="$burst" -v r="$rate" -v t="$span" \
		'BEGIN { printf "%d", b + r * t + 1 }')
	echo "  client: $attempts attempts, $wire SYNs on the wire over ${span} s:" \
		"$connected completed, $refused refused (median ${rmed} ms, max" \
		"${rmax} ms), $timeouts timed out, $err errors; Postfix logged $seen" \
		"connections from them"
	[ "$err" = 0 ] || bad "$MODE/$name: client errors: $(jq -c .notes <<<"$out")"

	if [ "$MODE" = bridge ]; then
		# Without the appliance everything reaches Postfix.
		check "$MODE/$name: without mxgate every attempt completes" test \
			"$connected" -eq "$attempts"
	else
		check "$MODE/$name: completed $connected <= limit $bound" test \
			"$connected" -le "$bound"
		check "$MODE/$name: completed $connected >= the burst $burst" test \
			"$connected" -ge "$burst"
		# The appliance, this phase only: every attempt, then the
		# passes of everything but the allow set (the legitimate client).
		read -r syns passed legit_syns < <(jq -rs '
			def c: [.smtp_syns, .smtp_passed,
				([.rules[]? | select(.name == "legit") | .matched] | add)]
				| map(. // 0);
			(.[1] | c) as $a | (.[0] | c) as $b
			| [range(3) | $a[.] - $b[.]] | @tsv' \
			<<<"$before$after")
		passed=$((passed - legit_syns))
		echo "  appliance: $syns attempts ($legit_syns legitimate, allowed)," \
			"$passed others passed; the senders sent $sent SYNs"
		check "$MODE/$name: the appliance saw every SYN sent ($syns = $sent)" test \
			"$syns" -eq "$sent"
		check "$MODE/$name: ... and all of the phase's ($((syns - legit_syns)) = $wire)" test \
			"$((syns - legit_syns))" -eq "$wire"
		check "$MODE/$name: appliance passed = client completed ($passed = $connected)" test \
			"$passed" -eq "$connected"
		# Reset: clients fail fast, before their SYN is retransmitted
		# (1 s): no SYN sent twice, every attempt refused or completed.
		# (Drop: they wait, and retransmit, as the timeouts show.)
		if [ "$kind" = reset ]; then
			check "$MODE/$name: reset: no attempt timed out ($timeouts)" test \
				"$timeouts" -eq 0
			check "$MODE/$name: reset: the others refused ($refused)" test \
				"$refused" -eq $((attempts - connected))
			check "$MODE/$name: reset: no SYN retransmitted ($wire = $attempts)" test \
				"$wire" -eq "$attempts"
			check "$MODE/$name: reset: refused within ${rmax} ms (< 1000)" test \
				"${rmax%%.*}" -lt 1000
		fi
	fi
	check "$MODE/$name: Postfix logged the completed ($seen = $connected)" test \
		"$seen" -eq "$connected"
	check "$MODE/$name: every completed session got 220 and 221 ($sessions)" test \
		"$sessions" -eq "$connected"
	if [ "$mails" -gt 0 ]; then
		local got
		got=$(wait_delivered "X-E2E-Id: $MODE-$name\$" "$mails")
		check "$MODE/$name: the $mails messages accepted are in the mailbox ($got)" test \
			"$got" -eq "$mails"
	fi
	local delivered
	delivered=$(wait_delivered "X-E2E-Id: $legit_tag-[0-9]+\$" 4)
	check "$MODE/$name: legitimate mail: 4 sent ($legit_sent), $delivered delivered" test \
		"$legit_sent" -eq 4 -a "$delivered" -eq 4
	local limit="$rule $burst+${rate}/s"
	[ "$MODE" = bridge ] && limit=none bound=-
	row "$MODE" "$name" "$legit_sent/$delivered" "$attempts" "$wire" \
		"$connected" "$limit (<= $bound)"
}

# anvil_check MARK: every "max connection rate N/1s" anvil logged since
# MARK, for a source other than the legitimate client, within the limit
# of that source's class (per second: burst + rate + 1).
anvil_check() {
	local mark=$1 line n addr r lim worst=0 worst_addr=none over=0
	while read -r line; do
		n=$(sed -n 's/.*max connection rate \([0-9]*\)\/1s for (smtp:\([^)]*\)).*/\1/p' <<<"$line")
		addr=$(sed -n 's/.*max connection rate [0-9]*\/1s for (smtp:\([^)]*\)).*/\1/p' <<<"$line")
		[ -n "$n" ] || continue
		case $addr in
		"$LEGIT4" | "$LEGIT6") continue ;;
		198.51.100.*) r=$HERE/policy-flood.json:per-net ;;
		203.0.113.*) r=$HERE/policy-incidents.json:mx-cap ;;
		"$LOOP4") r=$HERE/policy-incidents.json:per-host ;;
		*) r=$HERE/policy-flood.json:per-host ;;
		esac
		lim=$(rule_limit "${r%:*}" "${r##*:}" |
			awk '{ printf "%d", $1 + $2 + 1 }')
		[ "$n" -gt "$worst" ] && worst=$n worst_addr=$addr
		if [ "$n" -gt "$lim" ]; then
			over=$((over + 1))
			echo "  anvil: $n/1s from $addr, over $lim"
		fi
	done < <(log_since "$mark" | grep "statistics: max connection rate")
	echo "  anvil: highest connection rate of a flooding client:" \
		"$worst/1s ($worst_addr)"
	if [ "$MODE" = bridge ]; then
		check "$MODE: without mxgate anvil sees the flood (${worst}/1s > 8)" test \
			"$worst" -gt 8
	else
		check "$MODE: anvil: no flooding client above its limit per second" test \
			"$over" -eq 0
	fi
}

run_mode() {
	MODE=$1
	local mode_mark rc
	POLICY=$HERE/policy-flood.json
	echo
	echo "=== mode $MODE"
	log_mark
	mode_mark=$LOG_MARK
	if [ "$MODE" = xdp ]; then
		# A veth delivers what XDP sends it (XDP_TX, a redirect) only
		# when its peer runs XDP itself.
		if ! in_s "$XDPPASS" "$IF_S" || ! in_m "$XDPPASS" "$IF_M"; then
			bad "xdp: mxg-xdp-pass on the end veths"
			return
		fi
	fi
	engine start "$MODE" "$POLICY"
	rc=$?
	if [ $rc = 77 ]; then
		echo "SKIP mode $MODE: BPF unavailable here"
		row "$MODE" skipped - - - - "BPF unavailable"
		return
	fi
	[ $rc = 0 ] || { bad "$MODE: the engine did not start"; return; }
	local pol
	pol=$(jq -c '[.rules[] | .name] | join(", ")' "$POLICY")
	echo "  policy $(basename "$POLICY"): $pol"

	if [ "$MODE" = bridge ]; then
		phase flood-host "192\.0\.2\.66" per-host -- connect --dst "$MX4" \
			--src "$HOST4" --rate 100 --count 100
		phase loop "192\.0\.2\.77" per-host -- loop --dst "$MX4" \
			--src "$LOOP4" --duration 1
	else
		phase flood-host "192\.0\.2\.66" per-host -- connect --dst "$MX4" \
			--src "$HOST4" --rate 100 --count 300
		phase flood-net "198\.51\.100\.[0-9]+" per-net -- connect \
			--dst "$MX4" --src "$(seq -s, -f '198.51.100.%g' 1 200)" \
			--rate 100 --count 200
		phase flood-v6 "2001:db8:bad:64::[0-9a-f]+" per-host -- connect \
			--dst "$MX6" --rate 100 --count 300 \
			--src "$(for i in $(seq 1 100); do printf '2001:db8:bad:64::%x,' "$i"; done)"

		# The incidents, live: a new policy in force without a restart.
		if engine reload "$HERE/policy-incidents.json"; then
			POLICY=$HERE/policy-incidents.json
			ok "$MODE: live reload to $(basename "$POLICY")"
		else
			bad "$MODE: reload to policy-incidents.json"
			return
		fi
		phase loop "192\.0\.2\.77" per-host -- loop --dst "$MX4" \
			--src "$LOOP4" --duration 4
		phase storm "203\.0\.113\.[0-9]+" mx-cap -- connect \
			--dst "$MX4" --src "$(seq -s, -f '203.0.113.%g' 1 250)" \
			--rate 250 --count 500 --session bounce
	fi
	sleep 1.2 # anvil's last statistics
	anvil_check "$mode_mark"
	if engine stop; then
		ok "$MODE: the engine stopped cleanly"
	else
		bad "$MODE: the engine did not stop cleanly"
	fi
	if [ "$MODE" != bridge ]; then
		echo "  final summary: $(jq -c 'del(.top_sources)' "$E2E_TMP/engine-final.json")"
	fi
	if [ "$MODE" = xdp ]; then
		in_s ip link set dev "$IF_S" xdp off
		in_m ip link set dev "$IF_M" xdp off
	fi
}

for m in $E2E_MODES; do
	run_mode "$m"
done

# Postfix itself: did it stay healthy?
if log_since 0 | grep -qE "(fatal|panic):"; then
	bad "Postfix logged fatal errors: $(log_since 0 | grep -E '(fatal|panic):' | head -3)"
else
	ok "Postfix logged no fatal error"
fi

echo
echo "=== summary ($(($(date +%s) - start_time)) s)"
printf '%-6s %-10s %6s %8s %6s %9s  %s\n' mode traffic legit attempts SYNs \
	completed "limit (bound: burst + rate*T + 1)"
printf '%s\n' "${ROWS[@]}"
echo "legit: legitimate messages sent/delivered meanwhile; attempts: the" \
	"client's connects; SYNs: on the wire (retransmissions included)," \
	"= the appliance's count; completed: = the appliance's passes = the" \
	"connections Postfix logged"
if [ "$fails" -gt 0 ]; then
	echo
	echo "=== on failure: the end of the mail log and of mxgate-dp's log"
	pf_log | tail -20
	tail -20 "$E2E_TMP/dp.err" 2>/dev/null
fi
finish
