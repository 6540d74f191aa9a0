#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The differential test of DESIGN §5 for the XDP program: on every capture
# of the corpus and under every example policy (and the built-in
# default), mxgate-replay --engine xdp, which runs each frame through the
# XDP program with BPF_PROG_TEST_RUN, gives exactly the core engine's
# results: the same per-attempt --verdicts JSONL, the same summary JSON,
# the same --drop and --pass captures, the same RSTs in --reset, the same
# exit status.
#
# The corpus: tests/captures/*, the scenario generator's demo capture in
# every link type and file format it writes, the XDP tests' mixed traffic
# (VLAN, IPv6 extension headers, fragments, TCP Fast Open, cut frames),
# and mxgate-badpcap's broken captures.
#
# Needs root and BPF: exits 77 (skipped) without them.
set -u
BIN=${MXG_BIN:?run through make check}
TOOLS=${MXG_BUILD:?}/tools
REPLAY=$BIN/mxgate-replay
SCEN=$BIN/mxgate-scenario
BAD=$BIN/mxgate-badpcap
ROOT=$(cd "$(dirname "$0")/../.." && pwd)

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "needs root for BPF_PROG_TEST_RUN"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
checks=0
ok() { checks=$((checks + 1)); echo "ok   $*"; }
bad() { checks=$((checks + 1)); fails=$((fails + 1)); echo "FAIL $*"; }

# Is BPF there at all?
out=$("$REPLAY" --engine xdp "$ROOT/tests/captures/demo-small.pcap" 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 0 ]; then
	case "$out" in
	*"needs Linux"* | *"not permitted"* | *"cannot load"*) skip "$out" ;;
	*) echo "FAIL: mxgate-replay --engine xdp: $out"; exit 1 ;;
	esac
fi

# The corpus
caps=()
for c in "$ROOT"/tests/captures/*.pcap "$ROOT"/tests/captures/*.pcapng; do
	[ -f "$c" ] && caps+=("$c")
done
"$SCEN" demo "$T/demo-eth.pcap" >/dev/null || bad "scenario demo"
caps+=("$T/demo-eth.pcap")
for lt in sll sll2 raw; do
	"$SCEN" --linktype $lt demo-small "$T/demo-$lt.pcap" >/dev/null ||
		bad "scenario --linktype $lt"
	caps+=("$T/demo-$lt.pcap")
done
for fmt in pcap-ns pcapng; do
	"$SCEN" --format $fmt demo-small "$T/demo-$fmt.cap" >/dev/null ||
		bad "scenario --format $fmt"
	caps+=("$T/demo-$fmt.cap")
done
"$TOOLS/mxg-traffic" 7 30000 "$T/mixed.pcap" || bad "mixed traffic"
caps+=("$T/mixed.pcap")
# Broken captures (three SYNs each): under the default policy only.
mkdir -p "$T/bad"
"$BAD" --all "$T/bad" >/dev/null 2>&1 || bad "mxgate-badpcap --all"
bad_caps=()
for c in "$T"/bad/*; do
	[ -f "$c" ] && bad_caps+=("$c")
done

policies=(default)
for p in "$ROOT"/control/examples/*.json; do
	[ -f "$p" ] && policies+=("$p")
done
# And resets, which no example policy has: RSTs from both engines.
cat > "$T/resets.json" <<'EOF'
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
policies+=("$T/resets.json")

# run ENGINE POLICY CAPTURE OUTDIR -> exit status in OUTDIR/rc
run() {
	local engine=$1 policy=$2 cap=$3 out=$4 args=()
	mkdir -p "$out"
	[ "$policy" = default ] || args+=(--policy "$policy")
	"$REPLAY" --engine "$engine" "${args[@]}" --top 20 \
		--verdicts "$out/verdicts.jsonl" --drop "$out/drop.pcap" \
		--pass "$out/pass.pcap" --reset "$out/reset.pcap" "$cap" \
		> "$out/summary.json" 2> "$out/stderr"
	echo $? > "$out/rc"
}

same() { # what file (neither engine writing it is the same too)
	if [ ! -e "$T/core/$2" ] && [ ! -e "$T/xdp/$2" ]; then
		return 0
	fi
	if cmp -s "$T/core/$2" "$T/xdp/$2"; then
		return 0
	fi
	bad "$1: $2 differs"
	diff <(head -c 100000 "$T/core/$2") <(head -c 100000 "$T/xdp/$2") |
		head -6 | sed 's/^/     /'
	return 1
}

pairs=()
for p in "${policies[@]}"; do
	for c in "${caps[@]}"; do
		pairs+=("$p|$c")
	done
done
for c in "${bad_caps[@]}"; do
	pairs+=("default|$c")
done

for pc in "${pairs[@]}"; do
	p=${pc%%|*}
	c=${pc#*|}
	what="$(basename "$c") under $(basename "$p")"
	rm -rf "$T/core" "$T/xdp"
	run core "$p" "$c" "$T/core"
	run xdp "$p" "$c" "$T/xdp"
	if ! same "$what" rc; then
		sed 's/^/     core: /' "$T/core/stderr" | head -3
		sed 's/^/     xdp:  /' "$T/xdp/stderr" | head -3
		continue
	fi
	all=1
	for f in summary.json verdicts.jsonl drop.pcap pass.pcap; do
		same "$what" $f || all=0
	done
	# A RST answers a SYN's data: the program sees the first 3500
	# bytes of a longer frame (dataplane/replay_xdp.h).
	case "$c" in
	*/bad/jumbo*) ;;
	*) same "$what" reset.pcap || all=0 ;;
	esac
	[ $all = 1 ] || continue
	if [ ! -e "$T/core/verdicts.jsonl" ]; then
		ok "$what: both refuse it, exit $(cat "$T/core/rc")"
		continue
	fi
	n=$(wc -l < "$T/core/verdicts.jsonl")
	r=$(grep -c '"verdict": "reset"' "$T/core/verdicts.jsonl")
	d=$(grep -c '"verdict": "drop"' "$T/core/verdicts.jsonl")
	ok "$what: exit $(cat "$T/core/rc"), $n attempts ($d drop," \
		"$r reset) identical"
done

echo
echo "$checks checks, $fails failed: ${#caps[@]} captures under" \
	"${#policies[@]} policies, ${#bad_caps[@]} broken captures"
[ $fails -eq 0 ]
