#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# `make install` (hw/build.mk) into a staging root:
#  - make install DESTDIR=$tmp PREFIX=/usr puts every program of build/bin
#    in /usr/bin (executable; mxgated linked for PREFIX, its default
#    --bypass-cmd /usr/libexec/mxgate/bypass.sh), bypass.sh and setup.sh in
#    /usr/libexec/mxgate with links in /usr/sbin, nics.json and the
#    example policies in /usr/share/mxgate, the two systemd units in
#    /usr/lib/systemd/system with every @PLACEHOLDER@ filled in, and the
#    sample /etc/mxgate (policy.json, drop.txt, mxgate.env, mode 0640);
#  - the installed policy passes the installed `mxgatectl check`, and the
#    installed bypass.sh finds the installed nics.json;
#  - a second install keeps an edited /etc/mxgate file and says so;
#  - the units pass `systemd-analyze verify` (where there is one), from an
#    install whose paths exist (PREFIX in a temporary directory).
# Everything is written under a temporary directory, removed at exit.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${MXG_BUILD:-$ROOT/build}
. "$ROOT/tests/lib/check.sh"
[ -x "$BUILD/bin/mxgatectl" ] || {
	echo "SKIP: $BUILD/bin not built"
	exit 77
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d=$tmp/root

inst() { make -s -C "$ROOT" BUILD="$BUILD" install "$@"; }
check "make install DESTDIR=... PREFIX=/usr" inst DESTDIR="$d" PREFIX=/usr >"$tmp/install.out" 2>&1 ||
	cat "$tmp/install.out"

for f in "$BUILD"/bin/*; do
	[ "${f##*/}" = mxgated ] && continue # linked for PREFIX: below
	check "/usr/bin/${f##*/}: executable, the built binary" \
		sh -c "test -x '$d/usr/bin/${f##*/}' && cmp -s '$f' '$d/usr/bin/${f##*/}'"
done
# mxgated compiles the actuator's installed path in (-DMXGATED_BYPASS_CMD
# from hw/build.mk's LIBEXECDIR): the installed copy names PREFIX's, and
# build/bin/mxgated, which the other tests run, is left as it was built.
help_path() { "$1" --help | tr -s ' \n' ' ' | grep -o 'by default the installed [^ ]*'; }
check "/usr/bin/mxgated: its default --bypass-cmd is /usr/libexec/mxgate/bypass.sh" \
	test "$(help_path "$d/usr/bin/mxgated")" = "by default the installed /usr/libexec/mxgate/bypass.sh"
check "... and build/bin/mxgated still names the build's default PREFIX's" \
	test "$(help_path "$BUILD/bin/mxgated")" = "by default the installed /usr/local/libexec/mxgate/bypass.sh"
for f in bypass.sh setup.sh; do
	check "/usr/libexec/mxgate/$f: executable" test -x "$d/usr/libexec/mxgate/$f"
done
check "/usr/sbin/mxgate-bypass -> ../libexec/mxgate/bypass.sh" \
	test "$(readlink "$d/usr/sbin/mxgate-bypass")" = ../libexec/mxgate/bypass.sh
check "/usr/sbin/mxgate-hw-setup -> ../libexec/mxgate/setup.sh" \
	test "$(readlink "$d/usr/sbin/mxgate-hw-setup")" = ../libexec/mxgate/setup.sh
check "/usr/share/mxgate/nics.json: the profiles" cmp -s "$ROOT/hw/nics.json" "$d/usr/share/mxgate/nics.json"
check "/usr/share/mxgate/examples: every example policy" \
	diff -r "$ROOT/control/examples" "$d/usr/share/mxgate/examples" -x mxgate.env
check "/usr/share/doc/mxgate: README.md, hw.md" \
	test -s "$d/usr/share/doc/mxgate/README.md" -a -s "$d/usr/share/doc/mxgate/hw.md"
for u in mxgate-dp mxgated; do
	f=$d/usr/lib/systemd/system/$u.service
	check "$u.service installed" test -s "$f"
	check "$u.service: no placeholder left" sh -c "! grep -q '@[A-Z]*@' '$f'"
	check "$u.service: ExecStart=/usr/bin/$u, Type=notify, WatchdogSec, Restart, hardening" \
		sh -c "grep -q '^ExecStart=/usr/bin/$u ' '$f' && grep -q '^Type=notify' '$f' &&
			grep -q '^WatchdogSec=' '$f' && grep -q '^Restart=on-failure' '$f' &&
			grep -q '^ProtectSystem=strict' '$f' && grep -q '^CapabilityBoundingSet=' '$f'"
done
check "/etc/mxgate: policy.json (the default example), drop.txt, mxgate.env" \
	sh -c "cmp -s '$ROOT/control/examples/default.json' '$d/etc/mxgate/policy.json' &&
		cmp -s '$ROOT/control/examples/drop.txt' '$d/etc/mxgate/drop.txt' &&
		test -s '$d/etc/mxgate/mxgate.env'"
check "/etc/mxgate files: mode 0640, the directory 0750" \
	test "$(stat -c %a "$d/etc/mxgate" "$d/etc/mxgate/policy.json" "$d/etc/mxgate/drop.txt" "$d/etc/mxgate/mxgate.env" | tr '\n' ' ')" = "750 640 640 640 "
check "mxgate.env: paths filled in" sh -c "grep -q '^MXGATED_ARGS=--policy /etc/mxgate/policy.json' '$d/etc/mxgate/mxgate.env' && ! grep -q '@[A-Z]*@' '$d/etc/mxgate/mxgate.env'"
check "the installed policy passes the installed mxgatectl check" \
	sh -c "'$d/usr/bin/mxgatectl' check '$d/etc/mxgate/policy.json' | grep -q '^policy OK'"
check "the installed bypass.sh (through its link) finds the installed nics.json" \
	sh -c "MXGATE_HW_BYPASS_DIR='$tmp/bp' '$d/usr/sbin/mxgate-bypass' --dry-run engage --mode nic --profile ixgbe --ports a,b 2>&1 |
		grep -q 'bpctl_util a set_bypass on'"

echo "# operator's edit" >>"$d/etc/mxgate/policy.json"
cp "$d/etc/mxgate/policy.json" "$tmp/edited.json"
echo "MXGATE_DP_ARGS=--table-entries 1024" >"$d/etc/mxgate/mxgate.env"
check "a second install runs" inst DESTDIR="$d" PREFIX=/usr >"$tmp/install2.out" 2>&1
check "a second install keeps the edited policy.json" cmp -s "$tmp/edited.json" "$d/etc/mxgate/policy.json"
check "... and the edited mxgate.env" test "$(cat "$d/etc/mxgate/mxgate.env")" = "MXGATE_DP_ARGS=--table-entries 1024"
check "... and says so" grep -q "policy.json exists: kept" "$tmp/install2.out"

if command -v systemd-analyze >/dev/null; then
	p=$tmp/real
	check "make install PREFIX=<a real directory> SYSCONFDIR=..." \
		inst PREFIX="$p/usr" SYSCONFDIR="$p/etc" >/dev/null 2>&1
	check "mxgated for PREFIX=$p/usr: its default actuator is the one installed there" \
		test "$(help_path "$p/usr/bin/mxgated")" = "by default the installed $p/usr/libexec/mxgate/bypass.sh" -a \
		-x "$p/usr/libexec/mxgate/bypass.sh"
	check "systemd-analyze verify: both units" sh -c \
		"systemd-analyze verify '$p/usr/lib/systemd/system/mxgate-dp.service' '$p/usr/lib/systemd/system/mxgated.service' >'$tmp/verify.out' 2>&1"
	sed 's/^/  | /' "$tmp/verify.out"
else
	echo "note: no systemd-analyze: units not verified"
fi

finish
