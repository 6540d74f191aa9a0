# SPDX-License-Identifier: BSD-3-Clause
#
# mxgate: the one Makefile. `make deps` installs what the build needs,
# `make` builds everything into build/, `make test` runs every test,
# `make demo` generates the demo capture with the bundled, deterministic
# scenario generator and replays it. See README.md.

.DEFAULT_GOAL := all
SHELL := /bin/bash
.DELETE_ON_ERROR:
.SECONDARY:

BUILD ?= build
BIN := $(BUILD)/bin
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
CLANG_FORMAT ?= clang-format

# Debian 12 packages that the build, the tests and the demo need.
DEB_PACKAGES := build-essential pkg-config clang llvm clang-format \
	libclang-rt-14-dev libdpdk-dev dpdk-dev libbpf-dev bpftool \
	libpcap-dev libcjson-dev libcmocka-dev libmicrohttpd-dev libxdp1 \
	iproute2 tshark jq python3 python3-jsonschema

WARN := -Wall -Wextra -Werror
BASE_CFLAGS := -std=gnu11 -g $(WARN) -Iinclude -Idataplane -Icontrol \
	-I$(BUILD)/gen -MMD -MP -D_GNU_SOURCE
OPT_CFLAGS := -O2
SAN_CFLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined

# pkg-config is asked lazily (recursive '='), so that `make deps` works on
# a machine that does not have the libraries, or pkg-config, yet.
pc_cflags = $(shell $(PKG_CONFIG) --cflags $(1))
pc_libs = $(shell $(PKG_CONFIG) --libs $(1))

HOST_TRIPLET = $(shell $(CC) -dumpmachine)
BPF_CFLAGS = -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
	-Iinclude -I/usr/include/$(HOST_TRIPLET)

# ---------------------------------------------------------------------
# Sources, by naming convention so each part adds files without touching
# this list:
#   dataplane/*.c      pure decision code, no DPDK (libmxgate_core)
#   dataplane/dp_*.c   the DPDK application mxgate-dp
#   dataplane/replay*.c  the replay tool mxgate-replay
#   control/policy*.c  policy loading and compiling, cJSON (libmxgate_policy)
#   tests/unit/test_*.c  cmocka tests, built with ASan+UBSan
#   tests/integration/test_*.sh  scripts; exit 77 to report a skip

CORE_SRCS := $(filter-out dataplane/dp_%.c dataplane/replay%.c, \
	$(wildcard dataplane/*.c))
POLICY_SRCS := $(wildcard control/policy*.c)
# The test tools (tests/tools/) are also in the test library, so unit
# tests run them in-process under the sanitizers.
TOOL_SRCS := tests/tools/scenario.c tests/tools/capture_writer.c \
	tests/tools/badpcap.c
TEST_LIB_SRCS := tests/lib/pktgen.c tests/lib/image_builder.c \
	tests/lib/prefixgen.c tests/lib/error_format.c tests/unit/pkt_rows.c \
	$(TOOL_SRCS)

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
san = $(patsubst %.c,$(BUILD)/san/%.o,$(1))

CORE_LIB := $(BUILD)/lib/libmxgate_core.a
CORE_SAN_LIB := $(BUILD)/lib/libmxgate_core_san.a
POLICY_LIB := $(BUILD)/lib/libmxgate_policy.a
POLICY_SAN_LIB := $(BUILD)/lib/libmxgate_policy_san.a
TEST_SAN_LIB := $(BUILD)/lib/libmxgate_testlib_san.a
TEST_LIB := $(BUILD)/lib/libmxgate_testlib.a

# BPF programs; each gets a libbpf skeleton from bpftool.
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/gen/%.skel.h)

# Benchmarks: tests/bench/bench_*.c, one optimized binary each (no
# sanitizers), linked with libmxgate_core; extra pkg-config packages per
# benchmark via bench_NAME_PKGS. `make bench` builds and runs them all.
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
bench_src_table_PKGS := libdpdk

UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/test/%)
INTEGRATION_TESTS := $(sort $(wildcard tests/integration/test_*.sh))

# Extra pkg-config packages per unit test (default: cmocka, libcjson).
# test_NAME_NOSAN := 1 builds that test without sanitizers, against the
# unsanitized libraries, for a library that cannot run under ASan. (DPDK's
# EAL with --no-huge can: test_lpm_dpdk is sanitized like the others.)
test_bpf_shared_PKGS := libbpf
test_scenario_PKGS := libpcap
test_lpm_dpdk_PKGS := libdpdk

NOSAN_TESTS := $(foreach t,$(UNIT_TESTS),$(if $($(t)_NOSAN),$(t)))
SAN_TESTS := $(filter-out $(NOSAN_TESTS),$(UNIT_TESTS))

# libFuzzer targets (clang), built into build/fuzz/ and run by `make test`
# for FUZZ_SECONDS each, from a copy of their seed corpus.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Iinclude -Idataplane -Icontrol \
	-MMD -MP -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer
fuzzobj = $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(1))

bench_lpm_PKGS := libdpdk

# Binaries in build/bin/.
BINARIES := $(BIN)/mxgatectl $(BIN)/mxgate-scenario $(BIN)/mxgate-badpcap

# ---------------------------------------------------------------------
# Top-level targets

.PHONY: all deps test check format format-check clean bpf unit-tests libs \
	fuzz fuzz-run benches bench

all: bpf libs unit-tests binaries fuzz benches

bpf: $(BPF_OBJS) $(BPF_SKELS)

libs: $(CORE_LIB) $(POLICY_LIB)

unit-tests: $(UNIT_BINS)

deps:
	@missing=""; \
	for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' "$$p" 2>/dev/null | \
			grep -q '^install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -z "$$missing" ]; then \
		echo "deps: all $(words $(DEB_PACKAGES)) packages present"; \
		exit 0; \
	fi; \
	echo "deps: installing:$$missing"; \
	sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$sudo apt-get install -y --no-install-recommends $$missing || \
	{ $$sudo apt-get update && \
	  $$sudo apt-get install -y --no-install-recommends $$missing; }

# `make test` installs what is missing, builds, then runs every test.
test: deps
	@$(MAKE) --no-print-directory check
	@$(MAKE) --no-print-directory fuzz-run

fuzz: $(FUZZ_BINS)

# Each target runs FUZZ_SECONDS; a crash, leak or sanitizer report fails.
fuzz-run: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_TARGETS); do \
		name=$${f#fuzz_}; work=$(BUILD)/fuzz/corpus-$$name; \
		mkdir -p $$work; \
		dict=""; [ ! -f tests/fuzz/$$name.dict ] || \
			dict=-dict=tests/fuzz/$$name.dict; \
		echo "=== $$f: $(FUZZ_SECONDS) s"; \
		$(BUILD)/fuzz/$$f -max_total_time=$(FUZZ_SECONDS) \
			-rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
			-artifact_prefix=$(BUILD)/fuzz/ $$dict \
			$$work tests/fuzz/corpus/$$name 2>&1 | \
			grep -v -e '^#[0-9]' -e '^"' -e '^###' ; \
		[ $${PIPESTATUS[0]} -eq 0 ] || { echo "FAILED: $$f"; exit 1; }; \
		echo "=== $$f: no crash"; \
	done

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do echo "=== $$b"; $$b || exit 1; done

# Integration scripts find the binaries through these variables.
export MXG_BIN := $(abspath $(BIN))
export MXG_SAN_BIN := $(abspath $(BUILD)/san-bin)
export MXG_BUILD := $(abspath $(BUILD))

check: all
	@tests/run-tests.sh $(UNIT_BINS) $(INTEGRATION_TESTS)

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || \
	find include dataplane control bpf tests hw -name '*.[ch]')

format-check:
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES) && \
		echo "format-check: $(words $(FORMAT_FILES)) files clean"

format:
	@$(CLANG_FORMAT) -i $(FORMAT_FILES)

clean:
	rm -rf $(BUILD)

# ---------------------------------------------------------------------
# Libraries

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(EXTRA_CFLAGS) -c $< -o $@

# Library headers: only the control plane and tests see cJSON and cmocka.
$(BUILD)/obj/control/%.o $(BUILD)/san/control/%.o: \
	EXTRA_CFLAGS = $(call pc_cflags,libcjson)
$(BUILD)/san/tests/%.o $(BUILD)/obj/tests/%.o: EXTRA_CFLAGS = \
	$(call pc_cflags,cmocka libcjson libpcap $($(notdir $(basename $@))_PKGS))

$(CORE_LIB): $(call obj,$(CORE_SRCS))
$(CORE_SAN_LIB): $(call san,$(CORE_SRCS))
$(POLICY_LIB): $(call obj,$(POLICY_SRCS))
$(POLICY_SAN_LIB): $(call san,$(POLICY_SRCS))
$(TEST_SAN_LIB): $(call san,$(TEST_LIB_SRCS))
$(TEST_LIB): $(call obj,$(TEST_LIB_SRCS))
$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# ---------------------------------------------------------------------
# BPF

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< > $@

# ---------------------------------------------------------------------
# Unit tests: each links the sanitized libraries; archives pull in only
# what the test uses.

$(BUILD)/san/tests/unit/test_bpf_shared.o: $(BUILD)/gen/shared_check.skel.h

$(SAN_TESTS:%=$(BUILD)/test/%): $(BUILD)/test/%: \
		$(BUILD)/san/tests/unit/%.o $(TEST_SAN_LIB) \
		$(POLICY_SAN_LIB) $(CORE_SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ \
		$(call pc_libs,cmocka libcjson $($*_PKGS)) -lm -lpthread

$(NOSAN_TESTS:%=$(BUILD)/test/%): $(BUILD)/test/%: \
		$(BUILD)/obj/tests/unit/%.o $(TEST_LIB) $(POLICY_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,cmocka libcjson $($*_PKGS)) -lm -lpthread

# ---------------------------------------------------------------------
# Fuzz targets: clang, libFuzzer, ASan+UBSan, the policy and core sources

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(call pc_cflags,libcjson) -c $< -o $@

# The fuzz targets share the tests' checker of clean policy errors.
FUZZ_LIB_SRCS := tests/lib/error_format.c

$(BUILD)/fuzz/%: $(BUILD)/fuzzobj/tests/fuzz/%.o \
		$(call fuzzobj,$(POLICY_SRCS) $(CORE_SRCS) $(FUZZ_LIB_SRCS))
	@mkdir -p $(@D)
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(call pc_libs,libcjson)

# ---------------------------------------------------------------------
# Benchmarks: optimised, unsanitized

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(TEST_LIB) $(POLICY_LIB) \
		$(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libcjson $($*_PKGS)) -lm -lpthread

$(BUILD)/obj/tests/bench/%.o: \
	EXTRA_CFLAGS = $(call pc_cflags,libcjson $($(notdir $*)_PKGS))

benches: $(BENCH_BINS)

# ---------------------------------------------------------------------
# Binaries

# mxgate-replay, with the default policy compiled in at build time.
REPLAY_SRCS := $(wildcard dataplane/replay*.c)
DEFAULT_POLICY := control/examples/default.json
BINARIES += $(BIN)/mxgate-replay

$(BUILD)/gen/default_policy.bin: $(DEFAULT_POLICY) \
		$(wildcard control/examples/*) $(BIN)/mxgatectl
	@mkdir -p $(@D)
	$(BIN)/mxgatectl compile $(DEFAULT_POLICY) -o $@

$(BUILD)/obj/dataplane/replay_default_policy.o: \
		dataplane/replay_default_policy.S $(BUILD)/gen/default_policy.bin
	@mkdir -p $(@D)
	$(CC) -c -DMXG_DEFAULT_POLICY_BIN='"$(BUILD)/gen/default_policy.bin"' \
		$< -o $@

$(BUILD)/obj/dataplane/replay%.o $(BUILD)/san/dataplane/replay%.o: \
	EXTRA_CFLAGS = $(call pc_cflags,libpcap)

$(BIN)/mxgate-replay: $(call obj,$(REPLAY_SRCS)) \
		$(BUILD)/obj/dataplane/replay_default_policy.o \
		$(POLICY_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libpcap libcjson libbpf) -lm -lpthread

# Sanitized builds of the tools, for tests that feed them hostile input.
SAN_BIN := $(BUILD)/san-bin
SAN_BINARIES := $(SAN_BIN)/mxgate-replay

$(SAN_BIN)/mxgate-replay: $(call san,$(REPLAY_SRCS)) \
		$(BUILD)/obj/dataplane/replay_default_policy.o \
		$(POLICY_SAN_LIB) $(CORE_SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ \
		$(call pc_libs,libpcap libcjson libbpf) -lm -lpthread

.PHONY: binaries
binaries: $(BINARIES) $(SAN_BINARIES)

# ---------------------------------------------------------------------
# Demo: generate the demo capture, replay it through the built-in
# default policy, explain what was dropped and why, write the report.

DEMO := $(BUILD)/demo

.PHONY: demo demo-run
demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: $(BIN)/mxgate-replay $(BIN)/mxgate-scenario
	@mkdir -p $(DEMO)
	@$(BIN)/mxgate-scenario demo $(DEMO)/demo.pcap
	@echo
	@$(BIN)/mxgate-replay --explain --top 10 --report $(DEMO)/report.html \
		--verdicts $(DEMO)/verdicts.jsonl --drop $(DEMO)/dropped.pcap \
		--reset $(DEMO)/resets.pcap $(DEMO)/demo.pcap \
		> $(DEMO)/summary.json
	@echo
	@echo "summary JSON:      $(DEMO)/summary.json"
	@echo "per-attempt log:   $(DEMO)/verdicts.jsonl"
	@echo "dropped frames:    $(DEMO)/dropped.pcap (RSTs sent: $(DEMO)/resets.pcap)"
	@echo "evidence report:   $(DEMO)/report.html"

# Test tools: capture generators (tests/tools/README.md).
$(BIN)/mxgate-scenario: $(call obj,tests/tools/mxgate-scenario.c \
		tests/tools/scenario.c tests/tools/capture_writer.c \
		tests/lib/pktgen.c)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libpcap libcjson) -lm

$(BIN)/mxgate-badpcap: $(call obj,tests/tools/mxgate-badpcap.c \
		tests/tools/badpcap.c tests/lib/pktgen.c)
	@mkdir -p $(@D)
	$(CC) -o $@ $^

$(BIN)/mxgatectl: $(BUILD)/obj/control/mxgatectl.o $(POLICY_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libcjson)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# ---------------------------------------------------------------------
# mxgate-dp, the DPDK data plane (dataplane/dp_*.c), the control-socket
# client library (control/ctl_client.c) and the mxgate-dp test helpers
# (tests/integration/dp/).
DP_SRCS := $(wildcard dataplane/dp_*.c)
CTL_SRCS := control/ctl_client.c
CTL_LIB := $(BUILD)/lib/libmxgate_ctl.a
DP_TEST_TOOLS := $(BUILD)/test/dpctl $(BUILD)/test/dp_pcap
BINARIES += $(BIN)/mxgate-dp $(DP_TEST_TOOLS)
binaries: $(BIN)/mxgate-dp $(DP_TEST_TOOLS)
# test_dp_af_packet.sh: ping, nc, and ethtool to turn veth tx checksum
# offload off (frames crossing an AF_PACKET socket need full checksums),
# sysctl (procps) to turn IPv6 off in its namespaces.
DEB_PACKAGES += ethtool iputils-ping netcat-openbsd procps
# hw/setup.sh: modprobe (kmod) and dpdk-devbind.py (dpdk).
# test_dp_control.sh: groupadd and groupdel (passwd).
DEB_PACKAGES += kmod dpdk passwd

$(CTL_LIB): $(call obj,$(CTL_SRCS))

$(BUILD)/obj/dataplane/dp_%.o: EXTRA_CFLAGS = $(call pc_cflags,libdpdk)

$(BIN)/mxgate-dp: $(call obj,$(DP_SRCS)) $(POLICY_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libdpdk libcjson) -lm -lpthread

$(BUILD)/obj/tests/integration/dp/dp_pcap.o: \
	EXTRA_CFLAGS = $(call pc_cflags,libpcap) -Itests/lib

$(BUILD)/test/dpctl: $(BUILD)/obj/tests/integration/dp/dpctl.o $(CTL_LIB) \
		$(POLICY_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libcjson) -lm -lpthread

$(BUILD)/test/dp_pcap: $(BUILD)/obj/tests/integration/dp/dp_pcap.o \
		$(BUILD)/obj/tests/lib/pktgen.o
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libpcap) -lm

# `make bench-dp` (part of `make bench`): mxgate-dp against dpdk-testpmd.
.PHONY: bench bench-dp
bench: bench-dp
bench-dp: $(BIN)/mxgate-dp $(DP_TEST_TOOLS)
	tests/bench/bench_dp.sh

# ---------------------------------------------------------------------
# The XDP fallback path (bpf/mxgate.bpf.c, bpf/README.md): the loader
# library (control/xdp_*.c, with the libbpf skeleton), mxgate-xdp, the XDP
# engine of mxgate-replay (dataplane/replay_xdp.c), their tests, the test
# tools and bench_xdp.
XDP_SRCS := $(wildcard control/xdp_*.c)
XDP_LIB := $(BUILD)/lib/libmxgate_xdp.a
XDP_SAN_LIB := $(BUILD)/lib/libmxgate_xdp_san.a
XDP_UNIT_TESTS := $(filter test_xdp_%,$(UNIT_TESTS))
XDP_TOOLS := $(BUILD)/tools/mxg-tcpprobe $(BUILD)/tools/mxg-xdp-pass \
	$(BUILD)/tools/mxg-traffic
BINARIES += $(BIN)/mxgate-xdp
binaries: $(BIN)/mxgate-xdp $(XDP_TOOLS)
libs: $(XDP_LIB)
# test_xdp_netns.sh enters the namespaces' networks with nsenter.
DEB_PACKAGES += util-linux

# mxgate.bpf.c updates buckets with BPF atomics (cmpxchg): ISA v3.
$(BUILD)/bpf/mxgate.bpf.o: BPF_CFLAGS += -mcpu=v3

# The loader embeds the program through its skeleton. Its libraries carry
# the image check they call (an archive member is only taken when still
# needed), so that they link after libmxgate_core as well as before.
$(call obj,$(XDP_SRCS)) $(call san,$(XDP_SRCS)): $(BUILD)/gen/mxgate.skel.h
$(BUILD)/obj/control/xdp_%.o $(BUILD)/san/control/xdp_%.o: \
	EXTRA_CFLAGS = $(call pc_cflags,libbpf)
$(XDP_LIB): $(call obj,$(XDP_SRCS) dataplane/policy_image.c)
$(XDP_SAN_LIB): $(call san,$(XDP_SRCS) dataplane/policy_image.c)

# mxgate-replay --engine xdp (the replay rules link libbpf).
$(BIN)/mxgate-replay: $(XDP_LIB)
$(SAN_BIN)/mxgate-replay: $(XDP_SAN_LIB)

$(BIN)/mxgate-xdp: $(BUILD)/obj/control/mxgate_xdp.o $(XDP_LIB) \
		$(POLICY_LIB) $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libbpf libcjson) -lm -lpthread
$(BUILD)/obj/control/mxgate_xdp.o: \
	EXTRA_CFLAGS = $(call pc_cflags,libbpf libcjson)

# Tests: the mixed traffic generator joins the test library; the XDP
# tests also link the loader and the XDP replay engine.
$(TEST_SAN_LIB): $(call san,tests/lib/traffic.c)
$(TEST_LIB): $(call obj,tests/lib/traffic.c)
test_xdp_prog_PKGS := libbpf
test_xdp_loader_PKGS := libbpf
$(XDP_UNIT_TESTS:%=$(BUILD)/test/%): $(call san,dataplane/replay_xdp.c) \
	$(XDP_SAN_LIB)

# `make bench` runs bench_xdp with the other benchmarks.
bench_xdp_PKGS := libbpf
$(BUILD)/obj/tests/bench/bench_xdp.o: $(BUILD)/gen/bench_xdp.skel.h
$(BUILD)/bench/bench_xdp: $(XDP_LIB)

# Helpers of the XDP integration tests, in build/tools/ (tests/tools/).
$(BUILD)/tools/mxg-tcpprobe: $(call obj,tests/tools/tcp_probe.c)
	@mkdir -p $(@D)
	$(CC) -o $@ $^

$(BUILD)/tools/mxg-xdp-pass: $(call obj,tests/tools/xdp_pass.c)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libbpf)

$(BUILD)/tools/mxg-traffic: $(call obj,tests/tools/traffic_pcap.c \
		tests/lib/pktgen.c tests/lib/traffic.c)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,libpcap)

# The end-to-end test: `make e2e` (tests/e2e/build.mk).
-include tests/e2e/build.mk
