#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# hw/: the NIC profiles and the bring-up script.
#  - hw/nics.json parses (jq) and each of the ixgbe, i40e, ice, mlx5 and
#    virtio profiles gives its driver (a string), its maximum rx and tx
#    queues (positive numbers), whether RSS hashes on the source alone
#    and whether it has RX timestamps (booleans), and its bypass object
#    (hw/bypass.sh --mode nic): capable and verified (booleans), a method
#    (command, file, ethtool-priv-flag or none) with the fields that
#    method needs, and its source; a capable NIC has a switch.
#  - hw/setup.sh --dry-run up, on a fake sysfs tree (one virtio NIC, named
#    by interface and by PCI address, an IOMMU group, 2M hugepages) with
#    stand-ins for dpdk-devbind.py and modprobe that log their calls,
#    prints every step with its undo record and changes nothing: no
#    state file, no tool run, no sysfs value or directory changed, nothing
#    mounted. --dry-run down prints the undo of each record, backwards,
#    and changes nothing either.
#  - up then down for real (as root, in a private mount namespace, the
#    hugetlbfs mount point in a temporary directory): up does each step
#    and leaves its record; down undoes them all, the directory it made
#    included, and removes the state file.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SETUP=$ROOT/hw/setup.sh
NICS=$ROOT/hw/nics.json
. "$ROOT/tests/lib/check.sh"
need_cmd jq

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# --- nics.json
check "hw/nics.json parses" jq -e . "$NICS" >/dev/null
for name in ixgbe i40e ice mlx5 virtio; do
	# shellcheck disable=SC2016
	check "profile $name: one, with driver, max queues (numbers), rss_src_only, rx_timestamp" \
		jq -e --arg n "$name" '[.profiles[] | select(.name == $n)] |
			length == 1 and (.[0] |
			(.driver | type == "string" and length > 0) and
			(.max_rx_queues | type == "number" and . > 0) and
			(.max_tx_queues | type == "number" and . > 0) and
			(.rss_src_only | type == "boolean") and
			(.rx_timestamp | type == "boolean"))' "$NICS" >/dev/null
done
# shellcheck disable=SC2016
check "every profile's bypass object: capable, verified, a method and its fields, a source" \
	jq -e '[.profiles[] | .bypass |
		type == "object" and
		(.capable | type == "boolean") and (.verified | type == "boolean") and
		(.source | type == "string" and length > 0) and
		(if .method == "command" then
			([.command.on, .command.off] | all(type == "array" and length > 0 and
				all(type == "string")))
		elif .method == "file" then
			(.file | type == "string" and length > 0) and
			(.on | type == "string") and (.off | type == "string")
		elif .method == "ethtool-priv-flag" then
			(.flag | type == "string" and length > 0)
		elif .method == "none" then .capable == false
		else false end)] | length > 0 and all' "$NICS" >/dev/null
check "at least one profile with a bypass switch" \
	jq -e '[.profiles[] | select(.bypass.method != "none")] | length > 0' "$NICS" >/dev/null
check "every profile's rss_max_queues, where given, a number" \
	jq -e '[.profiles[] | .rss_max_queues | select(. != null) |
		type == "number"] | all' "$NICS" >/dev/null

# --- a fake machine
sys=$tmp/sys
pci=0000:00:09.0
hp=$sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mkdir -p "$sys/kernel/iommu_groups/7" "$sys/bus/pci/drivers/virtio-pci" \
	"$sys/bus/pci/devices/$pci" "$sys/class/net/mxgeth0" \
	"$(dirname "$hp")" "$sys/devices/system/cpu"
ln -s ../../drivers/virtio-pci "$sys/bus/pci/devices/$pci/driver"
ln -s ../../../bus/pci/devices/$pci "$sys/class/net/mxgeth0/device"
echo 0 >"$hp"
echo 2-3 >"$sys/devices/system/cpu/isolated"
log=$tmp/tools.log
: >"$log"
for t in devbind modprobe; do
	printf '#!/bin/sh\necho "%s $*" >>%s\n' "$t" "$log" >"$tmp/$t"
	chmod +x "$tmp/$t"
done
huge=$tmp/huge
state=$tmp/hw.state
export MXGATE_HW_SYSFS=$sys MXGATE_HW_HUGEDIR=$huge MXGATE_HW_STATE=$state \
	DEVBIND=$tmp/devbind MODPROBE=$tmp/modprobe

# snapshot: the fake tree, the state file, the mounts, and the tools'
# calls but for dpdk-devbind.py --status-dev (which only reads).
snapshot() {
	(cd "$tmp" && find sys huge hw.state -printf '%p %y %l\n' 2>/dev/null |
		sort && cat "$hp" && grep -v -e "--status-dev" "$log")
	grep -c " $huge " /proc/self/mounts
}

# ordered OUT LINE...: OUT holds every LINE, in this order.
ordered() {
	local out=$1 at=0 n
	shift
	for l in "$@"; do
		n=$(grep -nF -- "$l" "$out" | head -1 | cut -d: -f1)
		if [ -z "$n" ] || [ "$n" -le "$at" ]; then
			echo "  missing or out of order: $l"
			return 1
		fi
		at=$n
	done
}

# to OUT CMD...: CMD with its output in OUT.
to() {
	local out=$1
	shift
	"$@" >"$out" 2>&1
}

snapshot >"$tmp/before"
check "--dry-run up runs" to "$tmp/dry-up.out" \
	"$SETUP" --dry-run up --hugepages 64 mxgeth0
sed 's/^/  | /' "$tmp/dry-up.out"
check "--dry-run up: each step, each with its undo record" \
	ordered "$tmp/dry-up.out" \
	"IOMMU: enabled (1 groups)" \
	"CPU isolation: isolated cores 2-3" \
	"(undo record: hugepages $hp 0)" \
	"+ sh -c echo 64 > $hp" \
	"+ mkdir -p $huge" \
	"(undo record: dir $huge)" \
	"+ mount -t hugetlbfs nodev $huge" \
	"(undo record: mount $huge)" \
	"+ $tmp/modprobe vfio-pci" \
	"(undo record: module vfio-pci)" \
	"(undo record: bind $pci virtio-pci)" \
	"+ $tmp/devbind --bind=vfio-pci $pci" \
	"$pci: virtio-pci -> vfio-pci" \
	"up: done; undo with:"
snapshot >"$tmp/after"
check "--dry-run up changed nothing (no state file, tool, sysfs value or mount)" \
	cmp -s "$tmp/before" "$tmp/after"
check "--dry-run up by PCI address: the same NIC" \
	sh -c "'$SETUP' --dry-run up --hugepages 64 $pci 2>&1 | grep -qF '+ $tmp/devbind --bind=vfio-pci $pci'"
cp -a "$sys" "$tmp/sys-no-iommu"
rm -r "$tmp/sys-no-iommu/kernel/iommu_groups/7"
refuses_no_iommu() {
	! MXGATE_HW_SYSFS=$tmp/sys-no-iommu "$SETUP" --dry-run up "$pci" \
		>"$tmp/no-iommu.out" 2>&1 &&
		grep -q "no IOMMU: refusing to bind NICs to vfio-pci" "$tmp/no-iommu.out" &&
		! grep -q -- "--bind" "$tmp/no-iommu.out"
}
check "up refuses to bind without an IOMMU" refuses_no_iommu
check "check changes nothing" sh -c "'$SETUP' check >/dev/null 2>&1"
snapshot >"$tmp/after"
check "... indeed" cmp -s "$tmp/before" "$tmp/after"

# A state file as 'up' leaves it, undone in a dry run.
printf '%s\n' "hugepages $hp 0" "dir $huge" "mount $huge" "module vfio-pci" \
	"bind $pci virtio-pci" >"$state"
snapshot >"$tmp/before"
check "--dry-run down runs" to "$tmp/dry-down.out" "$SETUP" --dry-run down
sed 's/^/  | /' "$tmp/dry-down.out"
check "--dry-run down: the undo of every record, last first" \
	ordered "$tmp/dry-down.out" \
	"+ $tmp/devbind --bind=virtio-pci $pci" \
	"+ $tmp/modprobe -r vfio-pci" \
	"+ umount $huge" \
	"+ rmdir $huge" \
	"+ sh -c echo 0 > $hp" \
	"+ rm -f $state" \
	"down: done"
snapshot >"$tmp/after"
check "--dry-run down changed nothing (the state file kept)" \
	cmp -s "$tmp/before" "$tmp/after"
rm -f "$state"

# --- for real, in a mount namespace of its own
# Only with a script that keeps to the fake tree and mount point (its dry
# run said so): the real machine is never touched.
if ! grep -qF "+ sh -c echo 64 > $hp" "$tmp/dry-up.out" ||
	! grep -qF "+ mount -t hugetlbfs nodev $huge" "$tmp/dry-up.out"; then
	bad "setup.sh keeps to MXGATE_HW_SYSFS and MXGATE_HW_HUGEDIR: the real up/down is not run"
elif [ "$(id -u)" != 0 ] || ! unshare -m --propagation private true 2>/dev/null; then
	echo "note: not root or no mount namespace: the real up/down is not run"
else
	: >"$log"
	cat >"$tmp/cycle.sh" <<EOF
set -e
snap() { cat "$hp"; grep -c " $huge hugetlbfs " /proc/self/mounts || true;
	test -d "$huge" && echo dir || echo nodir; }
"$SETUP" up --hugepages 64 mxgeth0 >"$tmp/up.out" 2>&1
snap >"$tmp/after-up"
cp "$state" "$tmp/state-after-up"
"$SETUP" down >"$tmp/down.out" 2>&1
snap >"$tmp/after-down"
EOF
	if ! unshare -m --propagation private bash "$tmp/cycle.sh"; then
		if grep -q "mount" "$tmp/up.out" 2>/dev/null &&
			! grep -q "undo record: mount" "$tmp/up.out"; then
			echo "note: no hugetlbfs here ($(tail -1 "$tmp/up.out")): the real up/down is not run"
		else
			bad "up/down cycle ran"
			cat "$tmp/up.out" "$tmp/down.out" 2>/dev/null
		fi
	else
		sed 's/^/  | /' "$tmp/up.out" "$tmp/down.out"
		check "up: 64 hugepages, hugetlbfs mounted on a directory it made" \
			test "$(tr '\n' ' ' <"$tmp/after-up")" = "64 1 dir "
		check "up: its five records" test "$(wc -l <"$tmp/state-after-up")" -eq 5
		check "up: vfio-pci loaded, the NIC bound to it" \
			test "$(head -2 "$log" | tr '\n' ' ')" = "modprobe vfio-pci devbind --bind=vfio-pci $pci "
		check "down: hugepages back to 0, unmounted, the directory removed" \
			test "$(tr '\n' ' ' <"$tmp/after-down")" = "0 0 nodir "
		check "down: the NIC back on virtio-pci, then vfio-pci unloaded" \
			test "$(tail -2 "$log" | tr '\n' ' ')" = "devbind --bind=virtio-pci $pci modprobe -r vfio-pci "
		check "down: the state file removed" test ! -e "$state"
	fi
fi

finish
