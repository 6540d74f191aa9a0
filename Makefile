# SPDX-License-Identifier: BSD-3-Clause
#
# mxgate: the one Makefile. `make deps` installs what the build needs,
# `make` builds everything into build/, `make test` runs every test,
# `make demo` replays the bundled capture. See README.md.

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
	iproute2

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
TEST_LIB_SRCS := tests/lib/pktgen.c tests/unit/pkt_rows.c

obj = $(patsubst %.c,$(BUILD)/obj/%.o,$(1))
san = $(patsubst %.c,$(BUILD)/san/%.o,$(1))

CORE_LIB := $(BUILD)/lib/libmxgate_core.a
CORE_SAN_LIB := $(BUILD)/lib/libmxgate_core_san.a
POLICY_LIB := $(BUILD)/lib/libmxgate_policy.a
POLICY_SAN_LIB := $(BUILD)/lib/libmxgate_policy_san.a
TEST_SAN_LIB := $(BUILD)/lib/libmxgate_testlib_san.a

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
test_bpf_shared_PKGS := libbpf

# Binaries in build/bin/.
BINARIES :=

# ---------------------------------------------------------------------
# Top-level targets

.PHONY: all deps test check format format-check clean bpf unit-tests libs \
	benches bench

all: bpf libs unit-tests binaries benches

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
$(BUILD)/san/tests/%.o: EXTRA_CFLAGS = $(call pc_cflags,cmocka libcjson)

$(CORE_LIB): $(call obj,$(CORE_SRCS))
$(CORE_SAN_LIB): $(call san,$(CORE_SRCS))
$(POLICY_LIB): $(call obj,$(POLICY_SRCS))
$(POLICY_SAN_LIB): $(call san,$(POLICY_SRCS))
$(TEST_SAN_LIB): $(call san,$(TEST_LIB_SRCS))
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

$(BUILD)/test/%: $(BUILD)/san/tests/unit/%.o $(TEST_SAN_LIB) \
		$(POLICY_SAN_LIB) $(CORE_SAN_LIB)
	@mkdir -p $(@D)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ \
		$(call pc_libs,cmocka libcjson $($*_PKGS)) -lm -lpthread

# ---------------------------------------------------------------------
# Benchmarks: built by `all` so they keep compiling, run by `make bench`.

$(BUILD)/obj/tests/bench/%.o: \
	EXTRA_CFLAGS = $(call pc_cflags,$($(notdir $*)_PKGS))

$(BUILD)/bench/%: $(BUILD)/obj/tests/bench/%.o $(CORE_LIB)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(call pc_libs,$($*_PKGS)) -lm -lpthread

benches: $(BENCH_BINS)

bench: $(BENCH_BINS)
	@for b in $(BENCH_BINS); do \
		echo "=== $$b"; $$b || exit 1; \
	done

# ---------------------------------------------------------------------
# Binaries

.PHONY: binaries
binaries: $(BINARIES)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
