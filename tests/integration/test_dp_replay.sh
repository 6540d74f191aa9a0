#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# mxgate-dp against mxgate-replay (DESIGN §5: one semantics), on the test
# corpus of tests/lib/corpus.sh (every capture the tests use), through
# net_pcap ports with --clock rx-timestamp. For each capture and policy:
#  - the summary JSON is byte-identical to mxgate-replay's;
#  - the frames forwarded out of port 1 are exactly replay's --pass
#    output, in order (frame hashes), and the RSTs sent back out of
#    port 0 exactly its --reset output;
#  - every mbuf is back in its pool at exit.
#
# The pcap PMD reads timestamps in microseconds and every frame as
# Ethernet, so each capture is first normalised (dp_pcap normalize) and
# both engines replay the same normalised file. Nothing is left out:
#  - A capture dp_pcap cannot normalise (libpcap refuses it, or its link
#    type is one replay refuses) must be refused by replay too (exit 2).
#    If it is damaged after some records, dp_pcap has written those: they
#    must be exactly the frames replay read before it refused (its --pass
#    under an allow-all policy), and they are run like any capture.
#  - A capture replay refuses must not normalise.
#  - Captures that normalise to the same bytes (the formats of one link
#    type; SLL and SLL2 give the same Ethernet frames) are run once, and
#    the others say which one covers them.
#
# The policies (corpus_policies): control/examples/*.json, the
# tests/integration/dp/policy-*.json, the committed captures' exact-limit
# policies tests/captures/*.policy.json, and the reset policies
# resets.json and reset-all.json. Each run of the real binary costs about
# a second, mostly EAL start-up and --idle-exit, so to keep CI time down:
#  - the normalised captures of at most SMALL_FRAMES (2000) frames are
#    concatenated into two batches (a day apart in time), and each batch
#    runs under every policy: one EAL start for some 25 captures. A batch
#    that differs is run capture by capture to say which one differs;
#  - every larger one (the demo preset, the mixed traffic, the big floods
#    and dp_pcap mixes) runs alone under BIG_POLICIES: default.json,
#    reset-all.json (every attempt after the first reset) and
#    policy-mix.json (allow and deny sets, host, prefix and global limits,
#    resets);
#  - two runs at a time (MXG_DP_JOBS, 1 or 2), on opposite cores.
# test_xdp_replay.sh runs the full cross product for the XDP engine.
. "$(dirname "$0")/dp/lib.sh"
need_tools
# shellcheck source=../lib/corpus.sh
. "$ROOT/tests/lib/corpus.sh"

SMALL_FRAMES=2000
JOBS=${MXG_DP_JOBS:-2}
[ "$JOBS" -ge 1 ] 2>/dev/null || JOBS=1
[ "$JOBS" -le 2 ] || JOBS=2

tmp=$(mktemp -d)
cleanup() {
	local p
	for p in $(jobs -p); do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	rm -rf "$tmp" /var/run/dpdk/"$EAL_PREFIX"-* \
		"${XDG_RUNTIME_DIR:-/tmp}"/dpdk/"$EAL_PREFIX"-*
}
trap cleanup EXIT

corpus_build "$tmp/corpus" || bad "the corpus could not be generated"
corpus_policies "$tmp/policies"
BIG_POLICIES=("$ROOT/control/examples/default.json" \
	"$tmp/policies/reset-all.json" "$POLICIES/policy-mix.json")
ALLOW=$POLICIES/policy-allow.json

# 1. Normalise every capture; what is refused, and by whom.
inputs=()
declare -A input_of=() name_of=()
n=0
for cap in "${CORPUS[@]}"; do
	n=$((n + 1))
	c=$(basename "$cap")
	norm=$tmp/in-$n.pcap
	"$REPLAY" --policy "$ALLOW" --pass "$tmp/all.pcap" "$cap" \
		>"$tmp/r.json" 2>"$tmp/r.err"
	rrc=$?
	if ! "$DPPCAP" normalize "$cap" "$norm" >"$tmp/norm.txt" \
		2>"$tmp/norm.err"; then
		if [ $rrc -ne 2 ]; then
			bad "$c: dp_pcap cannot normalise it ($(cat "$tmp/norm.err")), but replay reads it (exit $rrc)"
			continue
		fi
		if [ ! -s "$norm" ] || [ "$("$DPPCAP" count "$norm")" = 0 ]; then
			err=$(head -1 "$tmp/r.err")
			ok "$c: refused by dp_pcap normalize and by replay (exit 2: ${err##*: })"
			continue
		fi
		# Damaged after some records: dp gets those.
		if cmp -s <("$DPPCAP" hash "$norm") <("$DPPCAP" hash "$tmp/all.pcap"); then
			ok "$c: damaged: replay refuses it (exit 2) after the $("$DPPCAP" count "$norm") frames dp_pcap normalised"
		else
			bad "$c: damaged: the frames normalised for dp are not those replay read before refusing it"
			continue
		fi
	elif [ $rrc -ne 0 ]; then
		bad "$c: replay refuses it (exit $rrc: $(head -1 "$tmp/r.err")), but dp_pcap normalised it for dp"
		continue
	fi
	grep -q converted "$tmp/norm.txt" 2>/dev/null &&
		echo "note: $c normalised to Ethernet/µs"
	sum=$(md5sum <"$norm" | cut -d' ' -f1)
	if [ -n "${input_of[$sum]:-}" ]; then
		echo "note: $c normalises to the frames of ${name_of[${input_of[$sum]}]}: run once"
		continue
	fi
	input_of[$sum]=$norm
	name_of[$norm]=$c
	inputs+=("$norm")
done

# 2. The runs: "input|policy", split between JOBS slots. Small inputs are
# concatenated into JOBS batches (dp_pcap concat, a day apart), so that
# one EAL start covers a batch under one policy; when a batch differs,
# its captures are run one by one to name the one that differs.
declare -A members_of=()
batch_inputs=()
for ((g = 0; g < JOBS; g++)); do batch_inputs+=(""); done
g=0
for norm in "${inputs[@]}"; do
	if [ "$("$DPPCAP" count "$norm")" -le $SMALL_FRAMES ]; then
		batch_inputs[$g]+="$norm "
		g=$(((g + 1) % JOBS))
	fi
done
pairs=()
for ((g = 0; g < JOBS; g++)); do
	[ -n "${batch_inputs[$g]}" ] || continue
	b=$tmp/batch-$g.pcap
	# shellcheck disable=SC2086 # a list of paths without spaces
	if ! "$DPPCAP" concat "$b" 86400 ${batch_inputs[$g]}; then
		bad "batch $g: dp_pcap concat failed"
		continue
	fi
	members_of[$b]=${batch_inputs[$g]}
	set -- ${batch_inputs[$g]}
	name_of[$b]="batch $g ($# small captures, $("$DPPCAP" count "$b") frames)"
	for pol in "${CORPUS_POLICIES[@]}"; do pairs+=("$b|$pol"); done
done
for norm in "${inputs[@]}"; do
	[ "$("$DPPCAP" count "$norm")" -gt $SMALL_FRAMES ] || continue
	for pol in "${BIG_POLICIES[@]}"; do pairs+=("$norm|$pol"); done
done

# compare INPUT POLICY NAME DIR: mxgate-dp against replay on one input;
# returns non-zero if anything differed.
compare() {
	local norm=$1 pol=$2 name=$3 d=$4 before=$fails
	mkdir -p "$d"
	if ! "$REPLAY" --policy "$pol" --pass "$d/r-pass.pcap" \
		--reset "$d/r-rst.pcap" "$norm" >"$d/r.json" 2>"$d/r.err"; then
		bad "$name: mxgate-replay failed: $(cat "$d/r.err")"
		return 1
	fi
	# shellcheck disable=SC2046
	if ! run_dp "$d/d.json" "$d/d.err" $(eal "$lcores") \
		--vdev "net_pcap0,rx_pcap=$norm,tx_pcap=$d/d-p0.pcap" \
		--vdev "net_pcap1,tx_pcap=$d/d-p1.pcap" -- \
		--policy "$pol" --clock rx-timestamp --idle-exit 300; then
		bad "$name: mxgate-dp failed"
		tail -5 "$d/d.err"
		return 1
	fi
	check "$name: summary identical" cmp -s "$d/d.json" "$d/r.json"
	if ! cmp -s "$d/d.json" "$d/r.json"; then
		echo "  replay: $(cat "$d/r.json")"
		echo "  dp:     $(cat "$d/d.json")"
	fi
	"$DPPCAP" hash "$d/d-p1.pcap" >"$d/d-pass.h"
	"$DPPCAP" hash "$d/r-pass.pcap" >"$d/r-pass.h"
	check "$name: forwarded frames = replay --pass ($(wc -l <"$d/r-pass.h"))" \
		cmp -s "$d/d-pass.h" "$d/r-pass.h"
	"$DPPCAP" hash "$d/d-p0.pcap" >"$d/d-rst.h"
	"$DPPCAP" hash "$d/r-rst.pcap" >"$d/r-rst.h"
	check "$name: RSTs = replay --reset ($(wc -l <"$d/r-rst.h"))" \
		cmp -s "$d/d-rst.h" "$d/r-rst.h"
	check "$name: no mbuf leaked" mbufs_back "$d/d.err"
	rm -rf "$d"
	[ "$fails" -eq "$before" ]
}

# run_pair ID INPUT POLICY SLOT: one comparison, its log in $tmp/j-ID.log
run_pair() {
	local id=$1 norm=$2 pol=$3 slot=$4 name m lcores=0@0,1@1
	[ "$slot" = 1 ] && lcores=0@1,1@0 # the other slot's worker on CPU 0
	local EAL_PREFIX=$EAL_PREFIX-$slot # what eal and cleanup_eal see
	name="${name_of[$norm]} / $(basename "$pol")"
	exec >"$tmp/j-$id.log" 2>&1
	compare "$norm" "$pol" "$name" "$tmp/j-$id" && return
	[ -n "${members_of[$norm]:-}" ] || return
	echo "  $name differs: its captures one by one"
	for m in ${members_of[$norm]}; do
		compare "$m" "$pol" "  ${name_of[$m]} / $(basename "$pol")" \
			"$tmp/j-$id-one" || true
	done
}

for ((s = 0; s < JOBS; s++)); do
	(
		for ((i = s; i < ${#pairs[@]}; i += JOBS)); do
			run_pair $i "${pairs[$i]%%|*}" "${pairs[$i]#*|}" $s
		done
	) &
done
wait

for ((i = 0; i < ${#pairs[@]}; i++)); do
	if [ ! -f "$tmp/j-$i.log" ]; then
		bad "${pairs[$i]}: not run"
		continue
	fi
	cat "$tmp/j-$i.log"
	k=$(grep -c '^ok: ' "$tmp/j-$i.log")
	f=$(grep -c '^FAIL: ' "$tmp/j-$i.log")
	checks=$((checks + k + f))
	fails=$((fails + f))
done
echo "${#CORPUS[@]} captures, ${#inputs[@]} distinct once normalised," \
	"${#pairs[@]} runs of mxgate-dp (SMALL_FRAMES=$SMALL_FRAMES)"
finish
