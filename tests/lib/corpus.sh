# SPDX-License-Identifier: BSD-3-Clause
# shellcheck shell=bash
#
# The test corpus of DESIGN §5: every capture the tests use, generated
# into one directory, and every policy the differential tests run them
# under. Sourced by the differential tests (test_dp_replay.sh,
# test_xdp_replay.sh), so that the three engines are held equal on the
# same captures. tests/captures/README.md lists what is in it.
#
#   corpus_build DIR     generate every capture into DIR; fills
#                        CORPUS (paths, in a fixed order) and CORPUS_KIND
#                        (by path), prints how many of each kind. Non-zero
#                        if any generator failed (each failure printed).
#   corpus_policies DIR  write the corpus's own policies into DIR; fills
#                        CORPUS_POLICIES (paths, in a fixed order): the
#                        examples, the mxgate-dp tests' policies, the
#                        committed captures' own (tests/captures/
#                        *.policy.json: exact limits) and two of its own.
#
# Kinds: committed (tests/captures/), variant (demo-small in another
# format or link type), scenario (mxgate-scenario: both presets, every
# invocation of test_replay.sh, and one of each scenario and mix that
# test_scenario.c and test_scenario.sh generate; left out there: shorter
# runs of the same flood and v6rotate, the mixes in other formats and
# link types, which demo-small's variants cover, and a 10-frame flood),
# traffic (mxg-traffic: the XDP tests' mixed traffic), gen (dp_pcap gen,
# as the mxgate-dp tests use it), bad (mxgate-badpcap --all: hostile
# files; libpcap refuses some of them, see tests/tools/README.md).
#
# Everything is deterministic: the generators take fixed seeds (the
# scenario generator's default --seed is 1), so the same build makes the
# same bytes. Captures with the same bytes as an earlier one (demo-small
# as pcap/eth is the committed file; test_replay's pcap-ns demo-small is
# a variant) are listed once, under the first name.
#
# Tools: $MXG_BIN (mxgate-scenario, mxgate-badpcap) and $MXG_BUILD
# (tools/mxg-traffic, tools/dp_pcap), as make check exports them; else
# build/ of this tree. A missing tool is a failure: make builds them all.

CORPUS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CORPUS_BUILD=${MXG_BUILD:-$CORPUS_ROOT/build}
CORPUS_BIN=${MXG_BIN:-$CORPUS_BUILD/bin}

CORPUS=()
declare -A CORPUS_KIND=()
CORPUS_POLICIES=()
_corpus_fail=0
declare -A _corpus_seen=()

# _corpus_add KIND PATH: list a generated capture (once per content).
_corpus_add() {
	local kind=$1 path=$2 sum
	sum=$(md5sum <"$path" | cut -d' ' -f1)
	if [ -n "${_corpus_seen[$sum]:-}" ]; then
		echo "corpus: $(basename "$path") has the bytes of" \
			"$(basename "${_corpus_seen[$sum]}"): listed once"
		rm -f "$path"
		return 0
	fi
	_corpus_seen[$sum]=$path
	CORPUS+=("$path")
	CORPUS_KIND[$path]=$kind
}

# _corpus_gen KIND NAME COMMAND...: run COMMAND with DIR/NAME in place
# of an argument @OUT@, or appended.
_corpus_gen() {
	local kind=$1 out=$_corpus_dir/$2 a args=() put=0
	shift 2
	for a in "$@"; do
		if [ "$a" = @OUT@ ]; then
			args+=("$out")
			put=1
		else
			args+=("$a")
		fi
	done
	[ $put = 1 ] || args+=("$out")
	if ! "${args[@]}" >/dev/null 2>"$_corpus_dir/.err" || [ ! -f "$out" ]; then
		echo "FAIL: corpus: $(basename "$out"): $* failed:" \
			"$(head -2 "$_corpus_dir/.err")"
		_corpus_fail=1
		return 0
	fi
	_corpus_add "$kind" "$out"
}

corpus_build() {
	local t c scen=$CORPUS_BUILD/tools/mxgate-scenario bad=$CORPUS_BUILD/tools/mxgate-badpcap
	local traffic=$CORPUS_BUILD/tools/mxg-traffic
	local dppcap=$CORPUS_BUILD/tools/dp_pcap fmt lt ext
	_corpus_dir=$1
	_corpus_fail=0
	mkdir -p "$_corpus_dir"
	for t in "$scen" "$bad" "$traffic" "$dppcap"; do
		if [ ! -x "$t" ]; then
			echo "FAIL: corpus: $t not built (make)"
			return 1
		fi
	done

	# The committed captures, read in place.
	for c in "$CORPUS_ROOT"/tests/captures/*.pcap \
		"$CORPUS_ROOT"/tests/captures/*.pcapng; do
		[ -f "$c" ] && _corpus_add committed "$c"
	done

	# demo-small in every format and link type the generator writes.
	for fmt in pcap pcap-ns pcapng; do
		for lt in eth sll sll2 raw; do
			ext=pcap
			[ $fmt = pcapng ] && ext=pcapng
			_corpus_gen variant "demo-small-$fmt-$lt.$ext" \
				"$scen" --format $fmt --linktype $lt demo-small
		done
	done

	# mxgate-scenario: the presets, then what the other tests generate.
	_corpus_gen scenario demo.pcap "$scen" demo
	# test_replay.sh, in its order, with its arguments
	_corpus_gen scenario replay-flood.pcap \
		"$scen" flood flood.rate=100/s flood.duration=10
	_corpus_gen scenario replay-botnet24.pcap \
		"$scen" botnet24 botnet24.hosts=100 botnet24.rate=6/min
	_corpus_gen scenario replay-v6rotate.pcap \
		"$scen" v6rotate v6rotate.rate=50/s v6rotate.duration=20
	_corpus_gen scenario replay-spoofed.pcap \
		"$scen" spoofed spoofed.rate=1000/s spoofed.duration=5
	_corpus_gen scenario replay-demo-small-ns.pcap \
		"$scen" --format pcap-ns demo-small
	_corpus_gen scenario replay-rst-in.pcap \
		"$scen" --format pcap-ns flood,v6rotate flood.rate=20/s \
		v6rotate.rate=20/s flood.duration=2 v6rotate.duration=2
	_corpus_gen scenario replay-flood-defaults.pcap "$scen" flood
	# test_scenario.c: each scenario alone (flood and v6rotate there are
	# shorter runs of test_replay's), the IPv6 flood, spoofed with IPv6
	_corpus_gen scenario scen-flood6.pcapng \
		"$scen" --format pcapng --start 1800000000 flood \
		src=2001:db8:bad::7 rate=1000/s duration=2 jitter=1 offset=0.5
	_corpus_gen scenario scen-botnet24.pcap "$scen" botnet24
	_corpus_gen scenario scen-spoofed-v6.pcap \
		"$scen" spoofed rate=2000/s duration=2 v6=0.2
	_corpus_gen scenario scen-legit.pcap \
		"$scen" legit senders=12 duration=120
	_corpus_gen scenario scen-vlan.pcap "$scen" vlan rate=1/min duration=600
	_corpus_gen scenario scen-fragments.pcap \
		"$scen" fragments rate=1/s duration=60
	_corpus_gen scenario scen-noise.pcap "$scen" noise duration=30
	_corpus_gen scenario scen-truncated.pcap \
		"$scen" truncated rate=13/s duration=2
	# test_scenario.c's nine-scenario mix (its other formats and link
	# types are those of demo-small above), test_scenario.sh's mix and
	# its checksum capture
	_corpus_gen scenario scen-mix9.pcapng "$scen" --format pcapng \
		legit,flood,botnet24,v6rotate,spoofed,vlan,fragments,noise,truncated \
		duration=4 legit.rate=1/s legit.msg_max=3000 flood.rate=50/s \
		botnet24.hosts=20 botnet24.rate=1/s spoofed.rate=20/s \
		vlan.rate=1/s fragments.rate=2/s noise.rate=30/s \
		truncated.rate=5/s
	_corpus_gen scenario scen-mix7-ns.pcap "$scen" --format pcap-ns \
		legit,flood,botnet24,v6rotate,spoofed,vlan,noise duration=3 \
		legit.rate=1/s flood.rate=40/s botnet24.hosts=30 \
		botnet24.rate=1/s spoofed.rate=30/s vlan.rate=2/s
	_corpus_gen scenario scen-sums-sll2.pcapng "$scen" --format pcapng \
		--linktype sll2 legit,noise,vlan,fragments duration=5

	# The XDP tests' mixed traffic: VLAN, IPv4 options and fragments,
	# IPv6 extension headers, TCP Fast Open, cut frames.
	_corpus_gen traffic mixed.pcap "$traffic" 7 30000

	# dp_pcap gen, with the arguments of the mxgate-dp tests.
	_corpus_gen gen gen-mix-6000-1.pcap "$dppcap" gen @OUT@ mix 6000 1
	_corpus_gen gen gen-mix-3000-7.pcap "$dppcap" gen @OUT@ mix 3000 7
	_corpus_gen gen gen-benign-2000-3.pcap "$dppcap" gen @OUT@ benign 2000 3
	_corpus_gen gen gen-synflood-3000-5.pcap \
		"$dppcap" gen @OUT@ synflood 3000 5
	_corpus_gen gen gen-synflood-500-3.pcap "$dppcap" gen @OUT@ synflood 500 3
	_corpus_gen gen gen-mix-2000-21.pcap "$dppcap" gen @OUT@ mix 2000 21
	_corpus_gen gen gen-mix-8000-11.pcap "$dppcap" gen @OUT@ mix 8000 11
	_corpus_gen gen gen-empty.pcap "$dppcap" gen @OUT@ mix 0

	# Every hostile file of mxgate-badpcap.
	mkdir -p "$_corpus_dir/bad"
	if ! "$bad" --all "$_corpus_dir/bad" >/dev/null 2>&1; then
		echo "FAIL: corpus: mxgate-badpcap --all failed"
		_corpus_fail=1
	fi
	if [ "$(find "$_corpus_dir/bad" -type f | wc -l)" -ne \
		"$("$bad" --list | wc -l)" ]; then
		echo "FAIL: corpus: not one file per mxgate-badpcap kind"
		_corpus_fail=1
	fi
	for c in "$_corpus_dir"/bad/*; do
		[ -f "$c" ] && _corpus_add bad "$c"
	done
	rm -f "$_corpus_dir/.err"
	echo "corpus: ${#CORPUS[@]} captures:" "$(for c in "${CORPUS[@]}"; do
		echo "${CORPUS_KIND[$c]}"
	done | uniq -c | awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $1, $2 }')"
	return $_corpus_fail
}

corpus_policies() {
	local dir=$1 p
	mkdir -p "$dir"
	CORPUS_POLICIES=()
	for p in "$CORPUS_ROOT"/control/examples/*.json \
		"$CORPUS_ROOT"/tests/integration/dp/policy-*.json \
		"$CORPUS_ROOT"/tests/captures/*.policy.json; do
		[ -f "$p" ] && CORPUS_POLICIES+=("$p")
	done
	# Resets, which no example policy has: per rule kind (prefix, host,
	# global), as test_xdp_replay.sh always had them...
	cat >"$dir/resets.json" <<'EOF'
{"version": 1,
 "rules": [
  {"name": "v6-submission", "family": "ipv6", "dst_port": [587],
   "limit": {"rate": "1/min", "burst": 1, "per": "prefix",
             "ipv6_prefix": 56}, "over": "reset"},
  {"name": "per-host", "limit": {"rate": "10/min", "burst": 3},
   "over": "reset"},
  {"name": "mx-total", "limit": {"rate": "100/s", "burst": 200,
   "per": "global"}, "over": "reset"}]}
EOF
	# ... and test_replay.sh's: every attempt after the first is reset,
	# so even a capture of three SYNs (mxgate-badpcap) gets RSTs.
	cat >"$dir/reset-all.json" <<'EOF'
{"version": 1, "rules": [{"name": "reset-all", "limit": {"rate": "1/h", "burst": 1, "per": "global"}, "over": "reset"}]}
EOF
	CORPUS_POLICIES+=("$dir/resets.json" "$dir/reset-all.json")
}
