#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgate fail-open bypass: keep mail flowing through an inline port pair
# while the data plane that should forward it is down.
#
#   hw/bypass.sh [--dry-run] engage --ports IF1,IF2 [--mode MODE]
#                [--netns NS] [--bridge NAME] [--profile NAME]
#   hw/bypass.sh [--dry-run] disengage --ports IF1,IF2 [--netns NS]
#   hw/bypass.sh status --ports IF1,IF2 [--netns NS] [--json]
#
# MODE (engage only; disengage and status read it from the state):
#   bridge    (default) join IF1 and IF2 in a kernel bridge, for a pair
#             that mxgate-dp drives through kernel netdevs (net_af_packet,
#             AF_XDP). A port named by PCI address that is bound to
#             vfio-pci is first rebound to the kernel driver it had before
#             hw/setup.sh took it (from setup.sh's state file).
#   xdp-pass  for mxgate-xdp inline mode: the same bridge, then the XDP
#             program is taken off both ports (pinned for the way back), so
#             every frame goes to the kernel and the bridge forwards it.
#   nic       a bypass-capable NIC's own relay, switched as the profile's
#             "bypass" object in nics.json says (--profile NAME).
#
# engage:    writes an undo record for each step to the state file before
#            doing it. Engaging an engaged pair in the same mode does
#            nothing; an engage that was cut short is undone first.
# disengage: undoes exactly what engage did, last step first, and removes
#            the state file; a pair that is not engaged is left alone.
#            A step that fails is kept in the state file and reported.
# status:    prints "engaged MODE ..." or "disengaged" (--json: one
#            object); exit 0 either way.
#
# Every step prints what it does; --dry-run prints and changes nothing.
# Exit status: 0 done (or nothing to do); 1 failed, with one line
# "bypass: error: ..." on stderr; 2 bad arguments.
#
# Environment: MXGATE_HW_BYPASS_DIR (state directory, default
# /run/mxgate-bypass), MXGATE_HW_STATE (hw/setup.sh's state file),
# MXGATE_HW_NICS (the NIC profiles), MXGATE_HW_SYSFS, MXGATE_HW_PROCFS,
# MXGATE_HW_BPFFS (for tests: trees other than /sys, /proc, /sys/fs/bpf),
# DEVBIND, BPFTOOL, ETHTOOL (the tools), MXGATE_HW_REBIND_WAIT (seconds
# to wait for a rebound NIC's netdev, default 10).
set -euo pipefail

SELF=$(readlink -f "$0")
HERE=$(dirname "$SELF")
STATE_DIR=${MXGATE_HW_BYPASS_DIR:-/run/mxgate-bypass}
HW_STATE=${MXGATE_HW_STATE:-/run/mxgate-hw.state}
SYSFS=${MXGATE_HW_SYSFS:-/sys}
PROCFS=${MXGATE_HW_PROCFS:-/proc}
BPFFS=${MXGATE_HW_BPFFS:-/sys/fs/bpf}
DEVBIND=${DEVBIND:-$(command -v dpdk-devbind.py || echo /usr/bin/dpdk-devbind.py)}
BPFTOOL=${BPFTOOL:-bpftool}
ETHTOOL=${ETHTOOL:-ethtool}
REBIND_WAIT=${MXGATE_HW_REBIND_WAIT:-10}
if [ -n "${MXGATE_HW_NICS:-}" ]; then
	NICS=$MXGATE_HW_NICS
elif [ -e "$HERE/nics.json" ]; then
	NICS=$HERE/nics.json
else # installed: PREFIX/libexec/mxgate/bypass.sh, PREFIX/share/mxgate/nics.json
	NICS=$HERE/../../share/mxgate/nics.json
fi

DRY=0
JSON=0
VERB=
MODE=
PORTS=
NETNS=
BRIDGE=
PROFILE=
STATE=

say() { echo "bypass: $*"; }
warn() { echo "bypass: warning: $*" >&2; }
die() {
	echo "bypass: error: $*" >&2
	exit 1
}
usage_die() {
	echo "bypass: error: $* (see --help)" >&2
	exit 2
}

# run CMD...: print, then run unless --dry-run.
run() {
	if [ "$1" = net ]; then
		say "+ ${NETNS:+[netns $NETNS] }${*:2}"
	else
		say "+ $*"
	fi
	[ "$DRY" = 1 ] || "$@"
}

# record LINE: append an undo record to the state file.
record() {
	say "  (undo record: $*)"
	[ "$DRY" = 1 ] || echo "$*" >>"$STATE"
}

# net CMD...: CMD in the pair's network namespace. nsenter, not
# `ip netns exec`/`ip -n`: those remount /sys, which would hide the BPF
# filesystem where xdp-pass keeps the programs it takes off.
net() {
	if [ -n "$NETNS" ]; then
		nsenter --net="/run/netns/$NETNS" "$@"
	else
		"$@"
	fi
}

is_pci() { [[ $1 =~ ^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\.[0-7]$ ]]; }

# Every ip or jq process costs tens of milliseconds on a busy appliance,
# so the links are read once (load_links) and changes are queued and run
# in one `ip -batch` (ipq, then ipflush).
# LINK[name] = "MASTER UP XDP_ID XDP_MODE"; ip reports the XDP attach
# mode as 1 native, 2 generic, 3 offloaded.
declare -A LINK=()
load_links() {
	local name info
	LINK=()
	while read -r name info; do
		[ -n "$name" ] && LINK[$name]=$info
	done < <(net ip -j -d link show 2>/dev/null | jq -r '.[] | "\(.ifname) \(.master // "none") \(if (.flags // []) | index("UP") then 1 else 0 end) \(.xdp.prog.id // .xdp.attached[0].prog.id // "-") \(.xdp.mode // "-")"')
}
link_exists() { [ -n "${LINK[$1]+set}" ]; }
# port_info IF: "MASTER UP XDP_ID XDP_MODE" ("none 0 - -" if IF is absent).
port_info() { echo "${LINK[$1]:-none 0 - -}"; }
master_of() {
	local m
	read -r m _ <<<"$(port_info "$1")"
	echo "$m"
}
IPQ=()
ipq() {
	say "+ ${NETNS:+[netns $NETNS] }ip $*"
	IPQ+=("$*")
}
# ipflush [force]: run the queued ip commands (with force, on past the
# failures); ipflush_error says what went wrong.
IPERR=
ipflush() {
	local -a q=("${IPQ[@]}")
	IPQ=()
	[ ${#q[@]} -gt 0 ] && [ "$DRY" = 0 ] || return 0
	IPERR=$(printf '%s\n' "${q[@]}" | net ip ${1:+-force} -batch - 2>&1) && return 0
	IPERR=${IPERR//$'\n'/; }
	return 1
}
ipflush_error() { echo "$IPERR"; }
xdp_mode_name() {
	case $1 in
	1) echo xdpdrv ;;
	2) echo xdpgeneric ;;
	3) echo xdpoffload ;;
	*) echo xdp ;;
	esac
}

driver_of() {
	local d=$SYSFS/bus/pci/devices/$1/driver
	if [ -e "$d" ]; then basename "$(readlink -f "$d")"; else echo none; fi
}
# netdev_of PCI: the kernel interface of a PCI NIC, if it has one.
netdev_of() {
	local n
	for n in "$SYSFS/bus/pci/devices/$1"/net/*; do
		[ -e "$n" ] && basename "$n" && return 0
	done
	return 1
}
# former_driver PCI: the driver hw/setup.sh took the NIC from.
former_driver() {
	[ -r "$HW_STATE" ] && awk -v p="$1" '$1 == "bind" && $2 == p { d = $3 }
		END { if (d != "") print d }' "$HW_STATE"
}

# --- NIC profiles (nic mode)

# bypass_field PATH: the profile's .bypass.PATH, as raw text.
bypass_field() {
	jq -er --arg p "$PROFILE" --arg f "$1" \
		'.profiles[] | select(.name == $p) | .bypass | getpath($f | split("."))' \
		"$NICS"
}
# expand TEMPLATE IFACE: {iface}, {pci}, {sys} and {proc} filled in.
expand() {
	local s=$1 pci=
	pci=$(basename "$(readlink -f "$SYSFS/class/net/$2/device" 2>/dev/null)" 2>/dev/null || true)
	s=${s//\{iface\}/$2}
	s=${s//\{pci\}/$pci}
	s=${s//\{sys\}/$SYSFS}
	s=${s//\{proc\}/$PROCFS}
	echo "$s"
}
# nic_switch on|off IFACE: run the profile's switch.
nic_switch() {
	local what=$1 ifc=$2 method file value flag i
	local -a argv
	method=$(bypass_field method)
	case $method in
	file)
		file=$(expand "$(bypass_field file)" "$ifc")
		value=$(bypass_field "$what")
		[ "$DRY" = 1 ] || [ -w "$file" ] || die "$file: not writable (is the vendor's bypass driver loaded?)"
		run sh -c "echo $value > $file"
		;;
	command)
		mapfile -t argv < <(jq -r --arg p "$PROFILE" --arg w "$what" \
			'.profiles[] | select(.name == $p) | .bypass.command[$w][]' "$NICS")
		[ ${#argv[@]} -gt 0 ] || die "profile $PROFILE: no bypass.command.$what"
		for i in "${!argv[@]}"; do argv[i]=$(expand "${argv[i]}" "$ifc"); done
		[ "$DRY" = 1 ] || command -v "${argv[0]}" >/dev/null ||
			die "${argv[0]}: not found (the NIC vendor's bypass tool)"
		run "${argv[@]}"
		;;
	ethtool-priv-flag)
		flag=$(bypass_field flag)
		run net "$ETHTOOL" --set-priv-flags "$ifc" "$flag" "$what"
		;;
	*)
		die "profile $PROFILE: no bypass switch known (bypass.method is ${method:-missing})"
		;;
	esac
}
# nic_state IFACE: "on", "off" or "unknown", as the NIC reports it.
nic_state() {
	local method file flag
	method=$(bypass_field method 2>/dev/null || echo none)
	case $method in
	file)
		file=$(expand "$(bypass_field file)" "$1")
		if [ "$(cat "$file" 2>/dev/null)" = "$(bypass_field on)" ]; then echo on; else echo off; fi
		;;
	ethtool-priv-flag)
		flag=$(bypass_field flag)
		net "$ETHTOOL" --show-priv-flags "$1" 2>/dev/null |
			awk -v f="$flag" '$1 == f { print $NF; found = 1 } END { if (!found) print "unknown" }'
		;;
	*) echo unknown ;;
	esac
}

# --- engage

default_bridge() {
	local sum
	sum=$(printf '%s/%s' "${NETNS:-}" "$PORTS" | md5sum | cut -c1-8)
	echo "mxgbp$sum"
}

# rebind_port PCI: a vfio-bound NIC back on its kernel driver; prints its
# interface name.
rebind_port() {
	local pci=$1 drv ifc i
	[ -z "$NETNS" ] || die "$pci: NICs named by PCI address live in the host namespace, not $NETNS"
	drv=$(driver_of "$pci")
	if [ "$drv" = vfio-pci ]; then
		drv=$(former_driver "$pci")
		[ -n "$drv" ] || die "$pci is on vfio-pci and $HW_STATE does not say which driver it had"
		# Only the interface name on stdout: the caller takes it.
		{
			record "rebind $pci $drv"
			run "$DEVBIND" --bind="$drv" "$pci"
			say "$pci: vfio-pci -> $drv"
		} >&2
		[ "$DRY" = 1 ] && {
			echo "<netdev of $pci>"
			return 0
		}
		for ((i = 0; i < REBIND_WAIT * 10; i++)); do
			ifc=$(netdev_of "$pci") && break
			sleep 0.1
		done
		[ -n "${ifc:-}" ] || die "$pci: no netdev $REBIND_WAIT s after binding it to $drv"
		echo "$ifc"
	else
		netdev_of "$pci" || die "$pci: on driver $drv, with no netdev"
	fi
}

engage_bridge() {
	local br=$1 ifc master up
	shift
	link_exists "$br" && [ "$DRY" = 0 ] && die "$br exists already (another bypass? --bridge NAME)"
	record "bridge $br"
	ipq link add "$br" type bridge stp_state 0 forward_delay 0 \
		nf_call_iptables 0 nf_call_ip6tables 0 nf_call_arptables 0
	# A wire, not a host: no IPv6 address of its own.
	ipq link set dev "$br" addrgenmode none
	for ifc in "$@"; do
		read -r master up _ <<<"$(port_info "$ifc")"
		[ "$master" = none ] || [ "$DRY" = 1 ] || die "$ifc is a port of $master already"
		record "master $ifc"
		ipq link set dev "$ifc" master "$br"
		if [ "$up" = 0 ]; then
			record "up $ifc"
			ipq link set dev "$ifc" up
		fi
	done
	ipq link set dev "$br" up
	ipflush || die "bridge $br: ip: $(ipflush_error)"
}

# xdp_off IF...: take the XDP programs off, each pinned for the way back.
xdp_off() {
	local ifc id mode pin
	for ifc in "$@"; do
		read -r _ _ id mode <<<"$(port_info "$ifc")"
		if [ "$id" = - ]; then
			warn "$ifc has no XDP program: nothing to take off"
			continue
		fi
		pin=$BPFFS/mxgate-bypass/${NETNS:-host}-$ifc
		[ "$DRY" = 1 ] || mkdir -p "$BPFFS/mxgate-bypass"
		[ "$DRY" = 1 ] || rm -f "$pin"
		run "$BPFTOOL" prog pin id "$id" "$pin" || die "cannot pin XDP program $id of $ifc at $pin"
		record "xdp $ifc $(xdp_mode_name "$mode") $pin"
		ipq link set dev "$ifc" "$(xdp_mode_name "$mode")" off
	done
	ipflush || die "XDP off: ip: $(ipflush_error)"
}

cmd_engage() {
	local -a ifs names=()
	local p ifc mode_was method id
	if [ -s "$STATE" ]; then
		mode_was=$(awk '$1 == "engaged" { print $2 }' "$STATE")
		if [ -n "$mode_was" ]; then
			[ "$mode_was" = "$MODE" ] ||
				die "engaged in $mode_was mode already: disengage first"
			say "already engaged ($MODE): nothing to do"
			return 0
		fi
		warn "an earlier engage was cut short: undoing it first"
		cmd_disengage || die "could not undo the earlier engage"
	fi
	IFS=, read -r -a ifs <<<"$PORTS"
	if [ "$MODE" = nic ]; then
		[ -n "$PROFILE" ] || usage_die "--mode nic needs --profile NAME"
		jq -e --arg p "$PROFILE" '.profiles[] | select(.name == $p)' "$NICS" >/dev/null ||
			die "no profile $PROFILE in $NICS"
		method=$(bypass_field method 2>/dev/null || echo none)
		case $method in
		file | command | ethtool-priv-flag) ;;
		*) die "profile $PROFILE has no bypass switch (bypass.method: $method): use --mode bridge" ;;
		esac
	fi
	[ "$DRY" = 1 ] || mkdir -p "$STATE_DIR"
	record "mode $MODE ports $PORTS netns ${NETNS:--}"
	case $MODE in
	bridge | xdp-pass)
		for p in "${ifs[@]}"; do
			if is_pci "$p"; then
				ifc=$(rebind_port "$p")
			else
				ifc=$p
			fi
			names+=("$ifc")
		done
		load_links
		for ifc in "${names[@]}"; do
			link_exists "$ifc" || [ "$DRY" = 1 ] ||
				die "$ifc: no such interface${NETNS:+ in $NETNS}"
			read -r _ _ id _ <<<"$(port_info "$ifc")"
			[ "$MODE" = xdp-pass ] || [ "$id" = - ] ||
				warn "$ifc has an XDP program, which sees frames before the bridge (--mode xdp-pass?)"
		done
		# The bridge first, the XDP programs off after: XDP handles
		# every frame before the bridge would, so until the programs are
		# off the pair forwards as before, and after, the bridge does.
		engage_bridge "${BRIDGE:-$(default_bridge)}" "${names[@]}"
		[ "$MODE" = bridge ] || xdp_off "${names[@]}"
		;;
	nic)
		# The pair's relay is switched through its first (master) port.
		ifc=${ifs[0]}
		record "nic $PROFILE $ifc"
		nic_switch on "$ifc"
		;;
	esac
	record "engaged $MODE $(date +%s)"
	say "engaged ($MODE) on $PORTS${NETNS:+ in $NETNS}"
}

# --- disengage

cmd_disengage() {
	local -a lines failed=() bridged=() pins=()
	local i kind a b c br="" line
	if [ ! -s "$STATE" ]; then
		say "not engaged: nothing to undo"
		[ "$DRY" = 1 ] || rm -f "$STATE"
		return 0
	fi
	mapfile -t lines <"$STATE"
	load_links
	for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
		line=${lines[$i]}
		read -r kind a b c <<<"$line"
		case $kind in
		engaged | mode) ;;
		xdp)
			# Back on while the bridge still forwards: XDP takes the
			# frames over from it at once, so the pair never stops.
			if run net ip link set dev "$a" "$b" pinned "$c"; then
				pins+=("$c")
			else
				failed=("$line" "${failed[@]}")
			fi
			;;
		up)
			ipq link set dev "$a" down
			bridged+=("$line")
			;;
		master)
			ipq link set dev "$a" nomaster
			bridged+=("$line")
			;;
		bridge)
			br=$a
			ipq link del dev "$a"
			bridged+=("$line")
			;;
		rebind)
			# The bridge (if any) first: the netdev goes with the driver.
			undo_bridge "$br" || failed=("${bridged[@]}" "${failed[@]}")
			bridged=()
			if run "$DEVBIND" --bind=vfio-pci "$a"; then
				say "$a: $b -> vfio-pci"
			else
				failed=("$line" "${failed[@]}")
			fi
			;;
		nic)
			PROFILE=$a
			(nic_switch off "$b") || failed=("$line" "${failed[@]}")
			;;
		*)
			warn "unknown undo record: $line"
			failed=("$line" "${failed[@]}")
			;;
		esac
	done
	undo_bridge "$br" || failed=("${bridged[@]}" "${failed[@]}")
	if [ ${#pins[@]} -gt 0 ]; then
		run rm -f "${pins[@]}"
		[ "$DRY" = 1 ] || rmdir "$(dirname "${pins[0]}")" 2>/dev/null || true
	fi
	if [ ${#failed[@]} -gt 0 ]; then
		[ "$DRY" = 1 ] || printf '%s\n' "${lines[0]}" "${failed[@]}" >"$STATE"
		die "disengage: ${#failed[@]} step(s) failed, kept in $STATE: ${failed[*]}"
	fi
	run rm -f "$STATE"
	say "disengaged $PORTS${NETNS:+ in $NETNS}"
}

# undo_bridge BRIDGE: run the queued bridge undo; on an error, judge by
# what is left (a port or bridge already gone is no failure).
undo_bridge() {
	local br=$1 ifc
	[ ${#IPQ[@]} -gt 0 ] || return 0
	ipflush force && return 0
	load_links
	[ -z "$br" ] || ! link_exists "$br" || return 1
	for ifc in "${!LINK[@]}"; do
		[ "$(master_of "$ifc")" != "$br" ] || return 1
	done
	return 0
}

# --- status

cmd_status() {
	local engaged=0 mode=- since=0 br=- ok=true ifc nic=- m
	local -a ifs
	IFS=, read -r -a ifs <<<"$PORTS"
	if [ -s "$STATE" ] && grep -q '^engaged ' "$STATE"; then
		engaged=1
		read -r _ mode since <<<"$(grep '^engaged ' "$STATE")"
		br=$(awk '$1 == "bridge" { print $2 }' "$STATE")
		case $mode in
		bridge | xdp-pass)
			load_links
			while read -r ifc; do
				m=$(master_of "$ifc")
				[ "$m" = "$br" ] || ok=false
			done < <(awk '$1 == "master" { print $2 }' "$STATE")
			;;
		nic)
			PROFILE=$(awk '$1 == "nic" { print $2 }' "$STATE")
			nic=$(nic_state "${ifs[0]}")
			[ "$nic" != off ] || ok=false
			;;
		esac
	elif [ -s "$STATE" ]; then
		mode=$(awk '$1 == "mode" { print $2 }' "$STATE")
		ok=false # cut short: disengage cleans it up
	fi
	if [ "$JSON" = 1 ]; then
		jq -cn --arg state "$([ $engaged = 1 ] && echo engaged || echo disengaged)" \
			--arg mode "$mode" --arg ports "$PORTS" --arg netns "$NETNS" \
			--arg bridge "$br" --argjson since "${since:-0}" \
			--argjson consistent "$ok" --arg nic "$nic" \
			'{state: $state, mode: (if $mode == "-" then null else $mode end),
			  ports: ($ports | split(",")),
			  netns: (if $netns == "" then null else $netns end),
			  bridge: (if $bridge == "-" or $bridge == "" then null else $bridge end),
			  since: (if $since == 0 then null else $since end),
			  nic_relay: (if $nic == "-" then null else $nic end),
			  consistent: $consistent}'
	elif [ $engaged = 1 ]; then
		echo "engaged $mode on $PORTS${NETNS:+ in $NETNS} since $(date -d "@$since" '+%F %T')" \
			"${br:+(bridge $br)}$([ "$nic" = - ] || echo " (relay $nic)")$([ "$ok" = true ] || echo " INCONSISTENT: the ports are not as engage left them")"
	elif [ "$mode" != - ]; then
		echo "disengaged (an engage in $mode mode was cut short: run disengage)"
	else
		echo disengaged
	fi
}

# --- command line

while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) DRY=1 ;;
	--json) JSON=1 ;;
	--ports | --mode | --netns | --bridge | --profile)
		[ $# -ge 2 ] || usage_die "$1 needs a value"
		case $1 in
		--ports) PORTS=$2 ;;
		--mode) MODE=$2 ;;
		--netns) NETNS=$2 ;;
		--bridge) BRIDGE=$2 ;;
		--profile) PROFILE=$2 ;;
		esac
		shift
		;;
	-h | --help)
		sed -n '3,41p' "$SELF" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*) usage_die "unknown option $1" ;;
	*)
		[ -z "$VERB" ] || usage_die "unexpected argument $1"
		VERB=$1
		;;
	esac
	shift
done
case $VERB in
engage | disengage | status) ;;
"") usage_die "expected engage, disengage or status" ;;
*) usage_die "unknown command $VERB" ;;
esac
[[ $PORTS =~ ^[A-Za-z0-9_.:@-]+,[A-Za-z0-9_.:@-]+$ ]] ||
	usage_die "--ports: expected IF1,IF2 (two interfaces or PCI addresses), got \"$PORTS\""
[ "${PORTS%,*}" != "${PORTS#*,}" ] || usage_die "--ports: the two ports must differ"
[ -z "$NETNS" ] || [[ $NETNS =~ ^[A-Za-z0-9_.-]+$ ]] || usage_die "--netns: bad name \"$NETNS\""
[ -z "$BRIDGE" ] || [[ $BRIDGE =~ ^[A-Za-z0-9_.-]{1,15}$ ]] || usage_die "--bridge: bad name \"$BRIDGE\""
[ "$VERB" = engage ] || [ -z "$MODE" ] || usage_die "--mode belongs to engage (the others read it from the state)"
MODE=${MODE:-bridge}
case $MODE in bridge | xdp-pass | nic) ;; *) usage_die "--mode: expected bridge, xdp-pass or nic, got $MODE" ;; esac
command -v jq >/dev/null || die "needs jq"
[ -z "$NETNS" ] || [ -e "/run/netns/$NETNS" ] || die "no network namespace $NETNS"
STATE=$STATE_DIR/${NETNS:-host}_${PORTS/,/_}.state

# One change at a time per machine: the watchdog and an operator may both
# call this.
if [ "$VERB" != status ] && [ "$DRY" = 0 ]; then
	[ "$(id -u)" = 0 ] || die "$VERB needs root"
	mkdir -p "$STATE_DIR"
	exec 9>"$STATE_DIR/.lock"
	flock -w 30 9 || die "$STATE_DIR/.lock: held by another bypass.sh for 30 s"
fi
case $VERB in
engage) cmd_engage ;;
disengage) cmd_disengage ;;
status) cmd_status ;;
esac
