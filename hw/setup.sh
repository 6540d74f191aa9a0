#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgate hardware bring-up for mxgate-dp.
#
#   hw/setup.sh [--dry-run] up [--hugepages N] [--hugepage-size 2M|1G]
#                              [--node NODE] [NIC...]
#   hw/setup.sh [--dry-run] down
#   hw/setup.sh check
#
# up:    reserves N hugepages (default 2048 x 2M, 4 GiB: what
#        tests/bench/bench_dp.sh needs free) on NODE (default: all),
#        mounts hugetlbfs at /dev/hugepages if needed (making the
#        directory if there is none), loads vfio-pci,
#        and binds each NIC (PCI address like 0000:3b:00.0, or an
#        interface name) to vfio-pci with dpdk-devbind.py, after
#        checking the IOMMU. It also reports CPU isolation.
# down:  undoes exactly what 'up' did, in reverse order, from the state
#        file /run/mxgate-hw.state: each NIC back to the driver it had,
#        hugepages back to their former count, hugetlbfs unmounted and its
#        directory removed if 'up' made them, vfio-pci unloaded if 'up'
#        loaded it.
# check: the same checks as 'up', changing nothing.
#
# Every step prints what it does and the undo record it leaves; --dry-run
# prints both without doing anything.
#
# Environment: MXGATE_HW_STATE (the state file), DEVBIND and MODPROBE (the
# tools), and, for tests, MXGATE_HW_SYSFS (a sysfs tree other than /sys)
# and MXGATE_HW_HUGEDIR (a hugetlbfs mount point other than /dev/hugepages).
set -euo pipefail

STATE=${MXGATE_HW_STATE:-/run/mxgate-hw.state}
SYSFS=${MXGATE_HW_SYSFS:-/sys}
HUGEDIR=${MXGATE_HW_HUGEDIR:-/dev/hugepages}
DEVBIND=${DEVBIND:-$(command -v dpdk-devbind.py || echo /usr/bin/dpdk-devbind.py)}
MODPROBE=${MODPROBE:-modprobe}
DRY=0
PAGES=2048
PAGE_SIZE=2M
NODE=

say() { echo "setup: $*"; }
warn() { echo "setup: warning: $*" >&2; }
die() {
	echo "setup: error: $*" >&2
	exit 1
}

# run CMD...: print, then run unless --dry-run.
run() {
	say "+ $*"
	[ "$DRY" = 1 ] || "$@"
}

# record LINE: append an undo record to the state file.
record() {
	say "  (undo record: $*)"
	[ "$DRY" = 1 ] || echo "$*" >>"$STATE"
}

page_kb() {
	case $1 in
	2M) echo 2048 ;;
	1G) echo 1048576 ;;
	*) die "--hugepage-size: expected 2M or 1G, got $1" ;;
	esac
}

hp_file() { # SIZE_KB [NODE]
	if [ -n "${2:-}" ]; then
		echo "$SYSFS/devices/system/node/node$2/hugepages/hugepages-$1kB/nr_hugepages"
	else
		echo "$SYSFS/kernel/mm/hugepages/hugepages-$1kB/nr_hugepages"
	fi
}

check_iommu() {
	local groups
	groups=$(find "$SYSFS/kernel/iommu_groups" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	if [ "$groups" -gt 0 ]; then
		say "IOMMU: enabled ($groups groups)"
		return 0
	fi
	if [ -e "$SYSFS/module/vfio/parameters/enable_unsafe_noiommu_mode" ] &&
		[ "$(cat "$SYSFS/module/vfio/parameters/enable_unsafe_noiommu_mode")" = Y ]; then
		warn "IOMMU: none; vfio is in unsafe no-IOMMU mode (no DMA isolation)"
		return 0
	fi
	warn "IOMMU: none found; boot with intel_iommu=on iommu=pt (or amd_iommu=on)"
	return 1
}

check_isolation() {
	local cmdline iso
	cmdline=$(cat /proc/cmdline)
	iso=$(cat "$SYSFS/devices/system/cpu/isolated" 2>/dev/null || true)
	if [ -n "$iso" ]; then
		say "CPU isolation: isolated cores $iso (give them to the EAL with -l)"
	else
		warn "CPU isolation: none; for line rate boot with isolcpus=, nohz_full= and rcu_nocbs= on the worker cores"
	fi
	case $cmdline in
	*nohz_full=*) say "CPU isolation: nohz_full set" ;;
	*) warn "CPU isolation: nohz_full not set" ;;
	esac
	case $cmdline in
	*default_hugepagesz=1G* | *hugepagesz=1G*) say "hugepages: 1G pages configured at boot" ;;
	esac
}

# pci_of NIC: a PCI address for an interface name or address.
pci_of() {
	local n=$1
	if [ -e "$SYSFS/bus/pci/devices/$n" ]; then
		echo "$n"
	elif [ -e "$SYSFS/class/net/$n/device" ]; then
		basename "$(readlink -f "$SYSFS/class/net/$n/device")"
	else
		die "$n: no such PCI device or interface"
	fi
}

driver_of() {
	local d=$SYSFS/bus/pci/devices/$1/driver
	[ -e "$d" ] && basename "$(readlink -f "$d")" || echo none
}

cmd_check() {
	say "dpdk-devbind.py: $DEVBIND"
	[ -x "$DEVBIND" ] || warn "dpdk-devbind.py not found (Debian package dpdk)"
	check_iommu || true
	check_isolation
	grep -i huge /proc/meminfo | sed 's/^/setup: /'
	[ -x "$DEVBIND" ] && "$DEVBIND" --status-dev net | sed 's/^/setup: /'
	return 0
}

cmd_up() {
	local kb file cur nic pci drv
	[ "$(id -u)" = 0 ] || [ "$DRY" = 1 ] || die "up needs root"
	[ $# -gt 0 ] || warn "no NIC named: only hugepages and vfio-pci"
	if [ -s "$STATE" ] && [ "$DRY" = 0 ]; then
		die "$STATE exists: run 'down' first"
	fi
	kb=$(page_kb "$PAGE_SIZE")
	if ! check_iommu && [ $# -gt 0 ]; then
		die "no IOMMU: refusing to bind NICs to vfio-pci"
	fi
	check_isolation

	# 1. hugepages
	file=$(hp_file "$kb" "$NODE")
	[ -e "$file" ] || die "$file: no $PAGE_SIZE hugepages on this kernel/node"
	cur=$(cat "$file")
	record "hugepages $file $cur"
	run sh -c "echo $PAGES > $file"
	[ "$DRY" = 1 ] || say "hugepages: $(cat "$file") x $PAGE_SIZE in $file (was $cur)"
	if ! mountpoint -q "$HUGEDIR" 2>/dev/null; then
		if [ ! -d "$HUGEDIR" ]; then
			run mkdir -p "$HUGEDIR"
			record "dir $HUGEDIR"
		fi
		run mount -t hugetlbfs nodev "$HUGEDIR"
		record "mount $HUGEDIR"
	else
		say "hugetlbfs: already mounted on $HUGEDIR"
	fi

	# 2. vfio-pci
	if [ ! -d "$SYSFS/module/vfio_pci" ]; then
		run "$MODPROBE" vfio-pci
		record "module vfio-pci"
	else
		say "vfio-pci: already loaded"
	fi

	# 3. NICs
	for nic in "$@"; do
		pci=$(pci_of "$nic")
		drv=$(driver_of "$pci")
		if [ "$drv" = vfio-pci ]; then
			say "$pci: already on vfio-pci"
			continue
		fi
		if [ -e "$SYSFS/bus/pci/devices/$pci/net" ]; then
			for ifc in "$SYSFS/bus/pci/devices/$pci"/net/*; do
				ifc=$(basename "$ifc")
				if ip -o link show "$ifc" | grep -q 'state UP'; then
					warn "$pci ($ifc) is up; it leaves the kernel now"
				fi
			done
		fi
		record "bind $pci $drv"
		run "$DEVBIND" --bind=vfio-pci "$pci"
		say "$pci: $drv -> vfio-pci"
	done
	say "up: done; undo with: $0 down"
}

cmd_down() {
	local lines i kind a b
	[ -s "$STATE" ] || {
		say "nothing to undo ($STATE empty or missing)"
		return 0
	}
	mapfile -t lines <"$STATE"
	for ((i = ${#lines[@]} - 1; i >= 0; i--)); do
		read -r kind a b <<<"${lines[$i]}"
		case $kind in
		bind)
			if [ "$b" = none ]; then
				run "$DEVBIND" --unbind "$a"
			else
				run "$DEVBIND" --bind="$b" "$a"
			fi
			say "$a: vfio-pci -> $b"
			;;
		module)
			run "$MODPROBE" -r vfio-pci || warn "vfio-pci still in use"
			;;
		mount)
			run umount "$a" || warn "$a busy"
			;;
		dir)
			run rmdir "$a" || warn "$a not removed (not empty?)"
			;;
		hugepages)
			run sh -c "echo $b > $a"
			say "hugepages: back to $b in $a"
			;;
		*)
			warn "unknown undo record: ${lines[$i]}"
			;;
		esac
	done
	run rm -f "$STATE"
	say "down: done"
}

VERB=
NICS=()
while [ $# -gt 0 ]; do
	case $1 in
	--dry-run) DRY=1 ;;
	--hugepages)
		PAGES=${2:?--hugepages N}
		shift
		;;
	--hugepage-size)
		PAGE_SIZE=${2:?--hugepage-size 2M|1G}
		shift
		;;
	--node)
		NODE=${2:?--node NODE}
		shift
		;;
	-h | --help)
		sed -n '3,29p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*) die "unknown option $1 (see --help)" ;;
	*)
		if [ -z "$VERB" ]; then VERB=$1; else NICS+=("$1"); fi
		;;
	esac
	shift
done
[[ "$PAGES" =~ ^[0-9]+$ ]] || die "--hugepages: expected a number"
case $VERB in
up) cmd_up "${NICS[@]}" ;;
down) cmd_down ;;
check) cmd_check ;;
*) die "expected up, down or check (see --help)" ;;
esac
