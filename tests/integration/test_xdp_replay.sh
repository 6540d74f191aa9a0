#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The differential test of DESIGN §5 for the XDP program: on every capture
# of the test corpus (tests/lib/corpus.sh) and under every policy of it
# (control/examples/*.json, tests/integration/dp/policy-*.json, the
# committed captures' exact-limit policies tests/captures/*.policy.json,
# the reset policies resets.json and reset-all.json) and the built-in
# default, mxgate-replay --engine xdp, which runs each frame through the XDP
# program with BPF_PROG_TEST_RUN, gives exactly the core engine's results:
# the same exit status, summary JSON, per-attempt --verdicts JSONL,
# --drop and --pass captures and --reset RSTs. The full cross product: no
# capture and no policy is left out (about 3 minutes here).
#
# One thing is not comparable, and is reported as such per frame and
# counted, never skipped: the RST answering a SYN longer than 3,500 bytes
# (mxgate-badpcap's jumbo: 9,000-byte SYNs). BPF_PROG_TEST_RUN gives a
# program without XDP fragments at most 3,520 bytes of a frame (a page
# less headroom and skb_shared_info; the rest goes to fragments the
# program cannot see), so replay runs such a frame on its first 3,500
# (REPLAY_XDP_FRAME_MAX, dataplane/replay/replay_xdp.h), and the RST acknowledges
# the SYN's payload as far as the program saw it. The verdict of such a
# frame is compared like any other. For its RSTs the core engine also
# runs on a copy of the capture cut where XDP's view ends (editcap -s):
#  - XDP's RSTs must equal the core engine's on the cut copy, all of them;
#  - an RST of the core engine on the full capture that differs from its
#    RST on the cut copy depends on bytes XDP never got: "not
#    comparable", named by frame; every other RST is compared exactly.
#
# Skips (exit 77) only without root, or when the loader says the kernel
# is too old ("needs Linux") or BPF is not permitted. Any other failure to
# load, a verifier rejection included, fails.
set -u
BIN=${MXG_BIN:?run through make check}
: "${MXG_BUILD:?run through make check}"
REPLAY=$BIN/mxgate-replay
DPPCAP=$MXG_BUILD/tools/dp_pcap
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
XDP_FRAME_MAX=3500 # REPLAY_XDP_FRAME_MAX

. "$(dirname "$0")/../lib/check.sh"
need_root "BPF_PROG_TEST_RUN"
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait; rm -rf "$T"' EXIT
not_comparable_total=0
declare -A skip_of=() long_of=()

# Is BPF there at all?
out=$("$REPLAY" --engine xdp "$ROOT/tests/captures/demo-small.pcap" 2>&1 >/dev/null)
rc=$?
if [ $rc -ne 0 ]; then
	case "$out" in
	*"needs Linux"* | *"not permitted"*) skip "$out" ;;
	*) echo "FAIL: mxgate-replay --engine xdp: $out"; exit 1 ;;
	esac
fi

# shellcheck source=../lib/corpus.sh
. "$ROOT/tests/lib/corpus.sh"
corpus_build "$T/corpus" || bad "the corpus could not be generated"
corpus_policies "$T/policies"
policies=(default "${CORPUS_POLICIES[@]}")

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
	if [ ! -e "$W/core/$2" ] && [ ! -e "$W/xdp/$2" ]; then
		return 0
	fi
	if cmp -s "$W/core/$2" "$W/xdp/$2"; then
		return 0
	fi
	bad "$1: $2 differs"
	diff <(head -c 100000 "$W/core/$2") <(head -c 100000 "$W/xdp/$2") |
		head -6 | sed 's/^/     /'
	return 1
}

# differing_rsts A.pcap B.pcap VERDICTS.jsonl: the packet index (--verdicts
# "n") of each RST that differs between two --reset outputs of replay
# (nanosecond pcap); an RST is matched to the next reset verdict with its
# timestamp (a reset verdict has no RST when none can be built, as for a
# tiny fragment). Exit 1 if the files do not hold as many RSTs.
differing_rsts() {
	python3 - "$@" <<'PY'
import json, struct, sys

def records(path):
    d = open(path, 'rb').read()
    e = '<' if d[:4] in (b'\xd4\xc3\xb2\xa1', b'\x4d\x3c\xb2\xa1') else '>'
    o, out = 24, []
    while o + 16 <= len(d):
        s, f, cap, n = struct.unpack(e + 'IIII', d[o:o + 16])
        out.append(('%d.%09d' % (s, f), d[o:o + 16 + cap]))
        o += 16 + cap
    return out

a, b = records(sys.argv[1]), records(sys.argv[2])
if len(a) != len(b):
    sys.exit(1)
resets = []
for line in open(sys.argv[3]):
    if json.loads(line)['verdict'] == 'reset':
        resets.append((json.loads(line)['n'],
                       line.split('"ts": ')[1].split(',')[0]))
k = 0
for (ts, ra), (_, rb) in zip(a, b):
    while k < len(resets) and resets[k][1] != ts:
        k += 1
    n = resets[k][0] if k < len(resets) else '?'
    k += 1
    if ra != rb:
        print(n)
PY
}

# long_frames CAP SKIP: "index caplen" for each record of CAP (link-layer
# header SKIP bytes long, 14 for Ethernet) longer than XDP_FRAME_MAX once
# in the Ethernet frame replay gives the program.
long_frames() {
	"$DPPCAP" hash "$1" 2>/dev/null |
		awk -v max=$XDP_FRAME_MAX -v skip="$2" \
			'$1 - skip + 14 > max { print NR, $1 }'
}

# l2_skip CAP: the link-layer bytes replay replaces by an Ethernet header
# (0, the most cautious, when capinfos cannot tell).
l2_skip() {
	case "$(capinfos -T -m -E "$1" 2>/dev/null | tail -1)" in
	*,ether) echo 14 ;;
	*,linux-sll2) echo 20 ;;
	*,linux-sll) echo 16 ;;
	*) echo 0 ;;
	esac
}

# compare_resets WHAT CAP POLICY: the RST comparison, exact but for the
# RSTs of SYNs that XDP saw cut (see the header); sets nc to their count.
compare_resets() {
	local what=$1 cap=$2 p=$3 long skip frames sizes
	nc=0
	# Both depend on the capture alone: once per capture and slot.
	if [ -z "${skip_of[$cap]:-}" ]; then
		skip_of[$cap]=$(l2_skip "$cap")
		long_of[$cap]=$(long_frames "$cap" "${skip_of[$cap]}")
	fi
	skip=${skip_of[$cap]}
	long=${long_of[$cap]}
	if [ -z "$long" ] || [ ! -e "$W/core/reset.pcap" ] ||
		[ "$(stat -c %s "$W/core/reset.pcap")" -le 24 ]; then
		same "$what" reset.pcap
		return
	fi
	if ! editcap -F pcapng -s $((XDP_FRAME_MAX - 14 + skip)) \
		"$cap" "$W/cut.pcapng" >/dev/null 2>&1; then
		bad "$what: cannot cut the capture (editcap) for its" \
			"$(echo "$long" | wc -l) long frames"
		return 1
	fi
	rm -rf "$W/cut"
	run core "$p" "$W/cut.pcapng" "$W/cut"
	if ! cmp -s "$W/cut/verdicts.jsonl" "$W/core/verdicts.jsonl"; then
		bad "$what: the core engine's verdicts change when frames are" \
			"cut to $XDP_FRAME_MAX bytes"
		return 1
	fi
	if ! cmp -s "$W/cut/reset.pcap" "$W/xdp/reset.pcap"; then
		bad "$what: XDP's RSTs differ from the core engine's on the" \
			"frames XDP saw (cut to $XDP_FRAME_MAX bytes)"
		return 1
	fi
	if ! frames=$(differing_rsts "$W/core/reset.pcap" "$W/cut/reset.pcap" \
		"$W/core/verdicts.jsonl"); then
		bad "$what: cutting long frames changes the number of RSTs"
		return 1
	fi
	[ -n "$frames" ] || return 0
	nc=$(echo "$frames" | wc -l)
	frames=$(echo "$frames" | paste -sd' ')
	sizes=$(echo "$long" | awk -v f=" $frames " \
		'index(f, " " $1 " ") { print $2 }' | sort -u | paste -sd' ')
	echo "note $what: not comparable: the RSTs answering frames $frames" \
		"(SYNs of $sizes bytes): BPF_PROG_TEST_RUN gives the" \
		"program their first $XDP_FRAME_MAX bytes, and an RST" \
		"acknowledges the payload seen; they equal the core engine's" \
		"RSTs on the frames cut there"
	return 0
}

# run_pair WHAT POLICY CAPTURE: both engines on one capture, compared.
run_pair() {
	local what=$1 p=$2 c=$3 all n r d rst
	nc=0
	rm -rf "$W/core" "$W/xdp"
	run core "$p" "$c" "$W/core"
	run xdp "$p" "$c" "$W/xdp"
	if ! same "$what" rc; then
		sed 's/^/     core: /' "$W/core/stderr" | head -3
		sed 's/^/     xdp:  /' "$W/xdp/stderr" | head -3
		return
	fi
	all=1
	for f in summary.json verdicts.jsonl drop.pcap pass.pcap; do
		same "$what" $f || all=0
	done
	[ $all = 1 ] || return
	compare_resets "$what" "$c" "$p" || return
	if [ ! -e "$W/core/verdicts.jsonl" ]; then
		ok "$what: both refuse it, exit $(cat "$W/core/rc")"
		return
	fi
	n=$(wc -l < "$W/core/verdicts.jsonl")
	r=$(grep -c '"verdict": "reset"' "$W/core/verdicts.jsonl")
	d=$(grep -c '"verdict": "drop"' "$W/core/verdicts.jsonl")
	rst="RSTs identical"
	[ "$nc" = 0 ] || rst="the other RSTs identical, $nc not comparable"
	echo "not comparable: $nc"
	ok "$what: exit $(cat "$W/core/rc"), $n attempts ($d drop," \
		"$r reset) identical, $rst"
}

# Every policy and capture, split between two slots (BPF_PROG_TEST_RUN
# runs are independent: each replay loads its own program and maps).
list=()
for p in "${policies[@]}"; do
	for c in "${CORPUS[@]}"; do list+=("$p|$c"); done
done
pairs=${#list[@]}
for s in 0 1; do
	(
		W=$T/slot-$s
		mkdir -p "$W"
		exec >"$T/slot-$s.log" 2>&1
		for ((i = s; i < pairs; i += 2)); do
			p=${list[$i]%%|*}
			c=${list[$i]#*|}
			run_pair "$(basename "$c") under $(basename "$p")" "$p" "$c"
		done
	) &
done
wait
for s in 0 1; do
	grep -v '^not comparable: ' "$T/slot-$s.log"
	k=$(grep -c '^ok: ' "$T/slot-$s.log")
	f=$(grep -c '^FAIL: ' "$T/slot-$s.log")
	checks=$((checks + k + f))
	fails=$((fails + f))
	not_comparable_total=$((not_comparable_total + $(awk \
		'/^not comparable: / { n += $3 } END { print n + 0 }' \
		"$T/slot-$s.log")))
done

echo
echo "${#CORPUS[@]} captures under ${#policies[@]} policies ($pairs pairs);" \
	"$not_comparable_total RSTs not comparable (SYNs longer than" \
	"$XDP_FRAME_MAX bytes)"
finish
