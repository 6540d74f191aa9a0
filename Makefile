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
BASE_CFLAGS := -std=gnu11 -g $(WARN) -Iinclude -I$(BUILD)/gen -MMD -MP \
	-D_GNU_SOURCE
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
# Sources

# Test support shared by the unit tests and the test tools.
TEST_LIB_SRCS := tests/lib/pktgen.c tests/unit/pkt_rows.c

# BPF programs; each gets a libbpf skeleton from bpftool.
BPF_SRCS := bpf/shared_check.bpf.c
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/gen/%.skel.h)

# Unit tests: tests/unit/test_NAME.c, built with ASan+UBSan.
UNIT_TESTS := test_pkt test_pkt_cut test_bucket test_bpf_shared
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/test/%)
# Extra pkg-config packages per test.
test_bpf_shared_PKGS := libbpf

# ---------------------------------------------------------------------
# Top-level targets

.PHONY: all deps test check format format-check clean bpf unit-tests

all: bpf unit-tests

bpf: $(BPF_OBJS) $(BPF_SKELS)

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
	@tests/run-tests.sh $(UNIT_BINS)

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
# Rules

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< > $@

# Sanitized objects for tests.
$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(call pc_cflags,cmocka) -c $< -o $@

TEST_LIB_SAN_OBJS := $(TEST_LIB_SRCS:%.c=$(BUILD)/san/%.o)

$(BUILD)/san/tests/unit/test_bpf_shared.o: $(BUILD)/gen/shared_check.skel.h

.SECONDEXPANSION:
$(BUILD)/test/%: $(BUILD)/san/tests/unit/%.o $(TEST_LIB_SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(SAN_LDFLAGS) -o $@ $^ $(call pc_libs,cmocka $($*_PKGS)) -lm

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
