#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Benchmark (not a test): mxgate-dp throughput against dpdk-testpmd
# --forward-mode=io on the same virtual devices and the same cores, in
# one run, reported as ratios (absolute rates on a shared machine are
# noise), with 1 worker and with 2.
#
#   make bench-dp       or   tests/bench/bench_dp.sh [SECONDS [ROUNDS]]
#
# As the appliance runs: on 2 MiB hugepages when the machine has enough
# free (hw/setup.sh up --hugepages 2048 reserves them; the EAL maps them
# with --in-memory, so no hugetlbfs mount is needed), else --no-huge, and
# it says so. Default mbuf size, the shipped default policy.
#
# Traffic, into port 0 of a pair (port 1 receives nothing); net_pcap with
# infinite_rx replays a capture from mbufs (it copies each frame into a
# fresh mbuf, so headers are in cache for both contenders):
#   benign     dp_pcap benign: web, DNS, ARP, SYN-ACKs; no attempt
#   syn4k      SYNs to port 25 from 4,096 random sources: every frame is
#              an attempt, the source table stays in cache, per-host
#              limits drop
#   spoofed    2^20 SYNs from 2^20 distinct random sources (20% IPv6):
#              every SYN inserts two keys (host, prefix) into a full
#              1M-entry table and is dropped by the global limit
#   spoofed-reset  the same, the global limit answering with a RST
# Policies: control/examples/default.json (partners, a DROP list,
# per-host, per-net, mx-total) with mx-total's "over" set to "drop",
# and as shipped ("reset") for spoofed-reset.
# With 2 rx queues each queue replays half of the capture, split by
# source /24 as RSS would (dp_pcap split): the same sources in all.
#
# Lcores: 1 worker = --lcores 0@0,1@1 (the main lcore, mostly idle, and
# one forwarding/worker lcore); 2 = --lcores 0@0,1@1,2@0 (the second
# shares CPU 0 with the main lcore) on a 2-CPU machine, 0@0,1@1,2@2 with
# three or more CPUs. testpmd gets the same lcores, --nb-cores 1 or 2.
#
# Rates are frames received per second over SECONDS (default 3) after a
# WARM (2 s) warm-up: testpmd's port counters ("show port stats all"),
# mxgate-dp's own counters over its control socket. Contenders run in
# turn, ROUNDS times (default 3), and the best run of each counts: on a
# shared machine other load only ever slows a run down.
#
# Environment: SCENARIOS (default "benign syn4k spoofed spoofed-reset"),
# WORKERS (default "1 2"), SPOOFED (distinct sources, default 1048576),
# TESTPMD_RUNS=0 (mxgate-dp alone: A/B runs of two builds with DP=...),
# DP_ARGS="..." (more mxgate-dp options, e.g. --worker-top-capacity 1048576),
# NO_HUGE=1 (force --no-huge), PROFILE=DIR (perf stat and perf record -g
# of each 1-worker mxgate-dp run's worker thread, over the measured
# seconds, into DIR).
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
DP=${DP:-$BUILD/bin/mxgate-dp}
DPCTL=$BUILD/tools/dpctl
DPPCAP=$BUILD/tools/dp_pcap
SCEN=$BUILD/tools/mxgate-scenario
TESTPMD=${TESTPMD:-$(command -v dpdk-testpmd)}
MEASURE=${1:-3} # seconds measured per run
ROUNDS=${2:-3}  # runs per contender; the best one counts
WARM=${WARM:-2}
SPOOFED=${SPOOFED:-1048576}
SCENARIOS=${SCENARIOS:-benign syn4k spoofed spoofed-reset}
WORKERS=${WORKERS:-1 2}
PROFILE=${PROFILE:-}
tmp=$(mktemp -d)
prefix=mxgbench-$$
trap 'rm -rf "$tmp" /var/run/dpdk/$prefix*' EXIT

for t in "$DP" "$DPCTL" "$DPPCAP" "$SCEN" "$TESTPMD"; do
	[ -x "$t" ] || {
		echo "bench-dp: $t missing"
		exit 1
	}
done
if [ -n "$PROFILE" ]; then
	command -v perf >/dev/null || {
		echo "bench-dp: PROFILE needs perf"
		exit 1
	}
	mkdir -p "$PROFILE"
fi

# ---------------------------------------------------------------------
# Captures and policies

"$DPPCAP" gen "$tmp/benign.pcap" benign 4096 1
"$DPPCAP" gen "$tmp/syn4k.pcap" synflood 4096 2
"$DPPCAP" gen "$tmp/empty.pcap" mix 0
"$SCEN" spoofed spoofed.rate="$SPOOFED/s" spoofed.duration=1 \
	"$tmp/spoofed.pcap" >/dev/null
for c in benign syn4k spoofed; do
	"$DPPCAP" split "$tmp/$c.pcap" "$tmp/$c-q0.pcap" "$tmp/$c-q1.pcap"
done
cp "$ROOT/control/examples/default.json" "$tmp/reset.json"
cp "$ROOT/control/examples/drop.txt" "$tmp/"
sed 's/"over": "reset"/"over": "drop"/' "$tmp/reset.json" >"$tmp/drop.json"
grep -q '"over": "reset"' "$tmp/drop.json" &&
	echo "bench-dp: warning: drop.json still resets"

capture() { # SCENARIO: its capture's name
	case $1 in
	spoofed-reset) echo spoofed ;;
	*) echo "$1" ;;
	esac
}
policy() { # SCENARIO
	[ "$1" = spoofed-reset ] && echo "$tmp/reset.json" ||
		echo "$tmp/drop.json"
}
frames() { # SCENARIO
	"$DPPCAP" count "$tmp/$(capture "$1").pcap"
}

# ---------------------------------------------------------------------
# Memory: hugepages when there are enough free

# infinite_rx holds the capture in mbufs: 2,432 bytes each with the
# default data room (2,176), the mbuf header and the mempool's.
MBUF_BYTES=2432
mbufs() { # SCENARIO: the capture plus rings, caches and RSTs in flight
	echo $(($(frames "$1") + 40000))
}
need_mb() { # SCENARIO: the pool and some for the rest (rings, LPM)
	echo $(($(mbufs "$1") * MBUF_BYTES / 1048576 + 256))
}
huge_free_mb() {
	local f=/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages
	[ -r "$f" ] && echo $(($(cat "$f") * 2)) || echo 0
}
declare -A EAL_OF=()
huge_used=0
nohuge_used=0
for sc in $SCENARIOS; do
	need=$(need_mb "$sc")
	if [ "${NO_HUGE:-0}" != 1 ] && [ "$(huge_free_mb)" -ge "$need" ]; then
		EAL_OF[$sc]="--in-memory"
		huge_used=1
	else
		EAL_OF[$sc]="--no-huge -m $need"
		nohuge_used=1
		if [ "${NO_HUGE:-0}" = 1 ]; then
			echo "bench-dp: $sc: NO_HUGE=1: falls back to --no-huge"
		else
			echo "bench-dp: $sc: needs $need MiB of free 2 MiB" \
				"hugepages, $(huge_free_mb) MiB free: falls back" \
				"to --no-huge (hw/setup.sh up --hugepages 2048" \
				"reserves them)"
		fi
	fi
done
mem_note() {
	if [ $huge_used = 1 ] && [ $nohuge_used = 0 ]; then
		echo "hugepages"
	elif [ $huge_used = 1 ]; then
		echo "hugepages where enough (see above), else --no-huge"
	else
		echo "--no-huge"
	fi
}
eal() { # SCENARIO
	echo "${EAL_OF[$1]} --no-pci --log-level=pmd.net.pcap:error"
}

vdevs() { # SCENARIO QUEUES
	local c rx="" rx1="" i
	c=$(capture "$1")
	if [ "$2" = 1 ]; then
		rx=",rx_pcap=$tmp/$c.pcap"
		rx1=",rx_pcap=$tmp/empty.pcap"
	else
		for ((i = 0; i < $2; i++)); do
			rx="$rx,rx_pcap=$tmp/$c-q$i.pcap"
			rx1="$rx1,rx_pcap=$tmp/empty.pcap"
		done
	fi
	echo "--vdev net_pcap0${rx},infinite_rx=1 --vdev net_pcap1${rx1}"
}

ncpu=$(nproc)
lcores() { # WORKERS
	if [ "$1" = 1 ]; then
		echo 0@0,1@1
	elif [ "$ncpu" -ge 3 ]; then
		echo 0@0,1@1,2@2
	else
		echo 0@0,1@1,2@0
	fi
}

# ---------------------------------------------------------------------
# The contenders

# CPU time (ns) of the forwarding or worker threads of process PID, from
# the scheduler: a rate per CPU-second of them does not count the time
# other load on a shared machine took from them.
worker_cpu_ns() {
	local t sum=0 v
	for t in /proc/"$1"/task/*; do
		grep -Eq '^(rte|lcore)-worker-' "$t/comm" 2>/dev/null || continue
		read -r v _ <"$t/schedstat" && sum=$((sum + v))
	done
	echo "$sum"
}

# The testpmd (not its timeout) started with our file prefix.
testpmd_pid() {
	local p
	for p in $(pgrep -f -- "--file-prefix $prefix-tp"); do
		[ "$(cat /proc/"$p"/comm 2>/dev/null)" = dpdk-testpmd ] &&
			echo "$p" && return
	done
}

# testpmd io forwarding, from its port counters ("show port stats all")
# taken $MEASURE s apart once it is up and warm: "RATE CPU_RATE", frames/s
# (Rx-pps of both ports in the second show: its own rate since the
# first) and frames per CPU-second of its forwarding lcores.
run_testpmd() { # SCENARIO WORKERS
	local out=$tmp/tp.out cpu=$tmp/tp.cpu
	: >"$out"
	{
		for _ in $(seq 600); do
			grep -q 'testpmd>' "$out" && break
			sleep 0.1
		done
		sleep "$WARM"
		worker_cpu_ns "$(testpmd_pid)" >"$cpu"
		echo "show port stats all"
		sleep "$MEASURE"
		worker_cpu_ns "$(testpmd_pid)" >>"$cpu"
		echo "show port stats all"
		sleep 0.5
		echo quit
	} | {
		# shellcheck disable=SC2046
		timeout -s INT -k 5 $((WARM + MEASURE + 90)) "$TESTPMD" \
			--lcores "$(lcores "$2")" $(eal "$1") \
			--file-prefix "$prefix-tp" $(vdevs "$1" "$2") \
			-- -i --forward-mode=io --auto-start --nb-cores="$2" \
			--rxq="$2" --txq="$2" \
			--total-num-mbufs "$(mbufs "$1")" >"$out" 2>&1
	}
	cp "$out" "$tmp/tp-$1-$2.out"
	awk -v c0="$(sed -n 1p "$cpu")" -v c1="$(sed -n 2p "$cpu")" '
	     /RX-packets:/ { rx[int(k / 2)] += $2; k++ }
	     /Rx-pps:/ { v[j++] = $2 }
	     END {
		if (j < 4) { print "0 0"; exit }
		printf "%.0f %.0f\n", v[2] + v[3],
			(c1 > c0 ? (rx[1] - rx[0]) / ((c1 - c0) / 1e9) : 0)
	     }' "$out"
}

dp_counter() { # JSON KEY
	grep -o "\"$2\": [0-9]*" <<<"$1" | head -1 | grep -o '[0-9]*$'
}

# The thread of lcore 1 (a worker) of mxgate-dp process PID.
worker_tid() {
	local t
	for t in /proc/"$1"/task/*; do
		grep -Eq '^(rte|lcore)-worker-1$' "$t/comm" 2>/dev/null &&
			basename "$t" && return
	done
}

# mxgate-dp, from its own counters over the control socket, taken
# $MEASURE s apart: "RATE CPU_RATE", as run_testpmd.
run_dp() { # SCENARIO WORKERS
	local sock=$tmp/ctl.sock s0 s1 t0 t1 c0 c1 pid dpid tid perf_pids=()
	rm -f "$sock"
	# shellcheck disable=SC2046
	timeout -s INT -k 5 $((WARM + MEASURE + 90)) "$DP" \
		--lcores "$(lcores "$2")" $(eal "$1") \
		--file-prefix "$prefix-dp" $(vdevs "$1" "$2") -- \
		--policy "$(policy "$1")" --control "$sock" --rx-queues "$2" \
		--mbufs "$(mbufs "$1")" --table-entries 1048576 ${DP_ARGS:-} \
		>"$tmp/dp.json" 2>"$tmp/dp.err" &
	pid=$!
	for _ in $(seq 600); do
		[ -S "$sock" ] && break
		sleep 0.1
	done
	dpid=$(pgrep -P "$pid" | head -1)
	if [ ! -S "$sock" ] || [ -z "$dpid" ]; then
		echo "bench-dp: mxgate-dp did not start:" >&2
		tail -3 "$tmp/dp.err" >&2
		kill -INT "$pid" 2>/dev/null
		wait "$pid"
		echo "0 0"
		return
	fi
	sleep "$WARM"
	if [ -n "$PROFILE" ] && [ "$2" = 1 ]; then
		tid=$(worker_tid "$dpid")
		perf stat -e task-clock,cycles,instructions,cache-misses \
			-e LLC-load-misses -t "$tid" -o "$PROFILE/$1.stat" \
			-- sleep "$MEASURE" &
		perf_pids+=($!)
		# cpu-clock: a VM may have no PMU (cycles <not supported>)
		perf record -e cpu-clock -g -t "$tid" -o "$PROFILE/$1.data" \
			-- sleep "$MEASURE" 2>/dev/null &
		perf_pids+=($!)
	fi
	t0=$(date +%s.%N)
	c0=$(worker_cpu_ns "$dpid")
	s0=$("$DPCTL" dpstats "$sock")
	sleep "$MEASURE"
	t1=$(date +%s.%N)
	c1=$(worker_cpu_ns "$dpid")
	s1=$("$DPCTL" dpstats "$sock")
	[ ${#perf_pids[@]} -gt 0 ] && wait "${perf_pids[@]}"
	kill -INT "$pid"
	wait "$pid"
	echo "$1 $2 $s1" >>"$tmp/dpstats"
	awk -v a="$(dp_counter "$s0" rx)" -v b="$(dp_counter "$s1" rx)" \
		-v s="$t0" -v e="$t1" -v c0="$c0" -v c1="$c1" \
		'BEGIN { printf "%.0f %.0f\n", (b - a) / (e - s),
			(c1 > c0 ? (b - a) / ((c1 - c0) / 1e9) : 0) }'
}

# ---------------------------------------------------------------------
# Rounds

best() { printf "%s\n" "$@" | sort -n | tail -1; }
mpps() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }

echo "bench-dp: $ncpu CPUs; $(mem_note); ${MEASURE} s measured after" \
	"${WARM} s warm-up; best of $ROUNDS interleaved rounds"
echo "bench-dp: 1 worker: --lcores $(lcores 1); 2 workers: --lcores" \
	"$(lcores 2) (testpmd on the same, --nb-cores 1 or 2)"

# runs[KEY]: the frames/s of each run; cruns[KEY]: frames per CPU-second
declare -A runs=() cruns=()
record() { # KEY "RATE CPU_RATE"
	local a b
	read -r a b <<<"$2"
	runs[$1]+=" $a"
	cruns[$1]+=" $b"
}
for r in $(seq "$ROUNDS"); do
	for sc in $SCENARIOS; do
		for w in $WORKERS; do
			# testpmd once per capture: spoofed-reset is spoofed's
			if [ "${TESTPMD_RUNS:-1}" != 0 ] &&
				{ [ "$sc" != spoofed-reset ] ||
					[[ " $SCENARIOS " != *" spoofed "* ]]; }; then
				record "tp-$(capture "$sc")-$w" \
					"$(run_testpmd "$sc" "$w")"
			fi
			record "dp-$sc-$w" "$(run_dp "$sc" "$w")"
		done
	done
	echo "bench-dp: round $r of $ROUNDS done"
done

# shellcheck disable=SC2086
bestof() { best ${runs[$1]:-0}; }
# shellcheck disable=SC2086
cbestof() { best ${cruns[$1]:-0}; }

echo
echo "bench-dp: Mpps = frames/s; per CPU-s = frames per second of CPU time" \
	"of the forwarding/worker lcores (what other load took is left out)"
printf "%-14s %7s %9s %9s %6s   %9s %9s %6s\n" "" "" testpmd mxgate-dp \
	"" "testpmd" mxgate-dp ""
printf "%-14s %7s %9s %9s %6s   %9s %9s %6s\n" scenario workers Mpps Mpps \
	ratio "/CPU-s" "/CPU-s" ratio
for sc in $SCENARIOS; do
	for w in $WORKERS; do
		tp=$(bestof "tp-$(capture "$sc")-$w")
		d=$(bestof "dp-$sc-$w")
		ctp=$(cbestof "tp-$(capture "$sc")-$w")
		cd=$(cbestof "dp-$sc-$w")
		printf "%-14s %7s %9s %9s %6s   %9s %9s %6s\n" "$sc" "$w" \
			"$(mpps "$tp")" "$(mpps "$d")" "$(ratio "$d" "$tp")" \
			"$(mpps "$ctp")" "$(mpps "$cd")" "$(ratio "$cd" "$ctp")"
	done
done
# What the runs did, from mxgate-dp's counters (the last run of each).
echo
while read -r sc w json; do
	rx=$(dp_counter "$json" rx)
	printf "bench-dp: %s, %s worker(s): %s frames, %s dropped by policy," \
		"$sc" "$w" "$rx" "$(dp_counter "$json" policy_dropped)"
	printf " %s RSTs, %s table inserts, %s lossy evictions\n" \
		"$(dp_counter "$json" rst_sent)" "$(dp_counter "$json" inserts)" \
		"$(dp_counter "$json" evict_lossy)"
done < <(awk '{ last[$1 " " $2] = $0 } END { for (k in last) print last[k] }' \
	"$tmp/dpstats" | sort)

# The table of issue 12, with this run's figures.
row() { # WHERE TRAFFIC SCENARIO WORKERS GOAL
	local tp d
	tp=$(bestof "tp-$(capture "$3")-$4")
	d=$(bestof "dp-$3-$4")
	[ "$d" = 0 ] && [ "$tp" = 0 ] && return
	echo "| $1 | $2 | $(mpps "$d") / $(mpps "$tp") Mpps =" \
		"$(ratio "$d" "$tp")× (per CPU-s:" \
		"$(ratio "$(cbestof "dp-$3-$4")" "$(cbestof "tp-$(capture "$3")-$4")")×) | $5 |"
}
has() { [[ " $SCENARIOS " == *" $1 "* ]] && [[ " $WORKERS " == *" $2 "* ]]; }
echo
echo "| where | traffic | now | goal |"
echo "|---|---|---|---|"
for w in $WORKERS; do
	wn="$w worker"
	[ "$w" = 1 ] || wn="$w workers"
	where="\`mxgate-dp\`, $wn, vs \`dpdk-testpmd\` io on the same vdevs and cores, $(mem_note)"
	has benign "$w" && row "$where" "benign frames" benign "$w" "**≥ 0.95×**" &&
		where="\`mxgate-dp\`, $wn"
	has syn4k "$w" && row "$where" "SYNs from 4,096 sources (table in cache)" \
		syn4k "$w" "**≥ 0.7×**" && where="\`mxgate-dp\`, $wn"
	has spoofed "$w" && row "$where" \
		"spoofed flood, $SPOOFED distinct sources, over: drop" \
		spoofed "$w" "**≥ 0.5×**" && where="\`mxgate-dp\`, $wn"
	if has spoofed-reset "$w"; then
		row "$where" "the same flood, over: reset" spoofed-reset "$w" \
			"**≥ 0.5×**"
		if has spoofed "$w"; then
			echo "| \`mxgate-dp\`, $wn | reset / drop, spoofed flood |" \
				"$(ratio "$(bestof "dp-spoofed-reset-$w")" \
					"$(bestof "dp-spoofed-$w")")× | **≥ 0.8×** |"
		fi
	fi
done
if [[ " $WORKERS " == *" 1 "* ]] && [[ " $WORKERS " == *" 2 "* ]]; then
	for sc in $SCENARIOS; do
		echo "| \`mxgate-dp\`, 2 workers / 1 | $sc |" \
			"$(ratio "$(bestof "dp-$sc-2")" "$(bestof "dp-$sc-1")")×" \
			"(testpmd $(ratio "$(bestof "tp-$(capture "$sc")-2")" \
				"$(bestof "tp-$(capture "$sc")-1")")×) | **≥ 1.8×** |"
	done
fi
