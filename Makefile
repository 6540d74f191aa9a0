# SPDX-License-Identifier: BSD-3-Clause
#
# mxgate: the one Makefile. `make deps` installs what the build needs,
# `make` builds everything into build/, `make test` runs every test,
# `make demo` generates the demo capture with the bundled, deterministic
# scenario generator and replays it. See README.md.
#
# Each folder that builds something has a build.mk fragment, included
# below, that declares its modules (a library or a program) with a few
# variables; this file turns them into rules. A module NAME declares:
#
#   NAME_DIR   its folder
#   NAME_SRCS  its C sources (usually a wildcard, so adding a file never
#              means editing a list)
#   NAME_DEPS  the library modules whose headers it may include: their
#              folders, and only theirs, are on its include path
#              (tests/lint/include_check.py enforces it)
#   NAME_PKGS  pkg-config packages it compiles against
#
# and adds itself to LIBRARIES (build/lib/libmxgate_NAME{,_san}.a) or to
# PROGRAMS (with NAME_BIN, the binary, and NAME_LIBS, the library modules
# it links, dependents first).

.DEFAULT_GOAL := all
SHELL := /bin/bash
.DELETE_ON_ERROR:
.SECONDARY:

BUILD ?= build
BIN := $(BUILD)/bin
TOOLS := $(BUILD)/tools
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
BPFTOOL ?= bpftool
PKG_CONFIG ?= pkg-config
CLANG_FORMAT ?= clang-format

# Debian 12 packages that the build, the tests and the demo need; the
# fragments add their own.
DEB_PACKAGES := build-essential pkg-config clang llvm clang-format \
	libclang-rt-14-dev libdpdk-dev dpdk-dev libbpf-dev bpftool \
	libpcap-dev libcjson-dev libcmocka-dev libmicrohttpd-dev libxdp1 \
	iproute2 tshark jq python3 python3-jsonschema

WARN := -Wall -Wextra -Werror
BASE_CFLAGS := -std=gnu11 -g $(WARN) -Iinclude -I$(BUILD)/gen -MMD -MP \
	-D_GNU_SOURCE
OPT_CFLAGS := -O2
SAN_CFLAGS := -O1 -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=address,undefined
FUZZ_CFLAGS := -std=gnu11 -g -O1 $(WARN) -Iinclude -I$(BUILD)/gen -MMD -MP \
	-D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=all -fno-omit-frame-pointer

# pkg-config is asked lazily (recursive '='), so that `make deps` works on
# a machine that does not have the libraries, or pkg-config, yet.
pc_cflags = $(if $(strip $(1)),$(shell $(PKG_CONFIG) --cflags $(1)))
pc_libs = $(if $(strip $(1)),$(shell $(PKG_CONFIG) --libs $(1)))

obj = $(patsubst %.S,$(BUILD)/obj/%.o,$(patsubst %.c,$(BUILD)/obj/%.o,$(1)))
san = $(patsubst %.c,$(BUILD)/san/%.o,$(1))
fuzzobj = $(patsubst %.c,$(BUILD)/fuzzobj/%.o,$(1))
lib = $(foreach l,$(1),$(BUILD)/lib/libmxgate_$(l).a)
sanlib = $(foreach l,$(1),$(BUILD)/lib/libmxgate_$(l)_san.a)

# A module's include path and package flags: its folder, the folders of
# the libraries it depends on, their packages.
mod_cflags = -I$($(1)_DIR) $(foreach d,$($(1)_DEPS),-I$($(d)_DIR)) \
	$(call pc_cflags,$($(1)_PKGS))

LIBRARIES :=
PROGRAMS :=
SAN_PROGRAMS :=
BINARIES :=

.PHONY: all deps test check format format-check clean bpf unit-tests libs \
	fuzz fuzz-build fuzz-run benches bench binaries include-check

all: bpf libs unit-tests binaries fuzz-build benches

# ---------------------------------------------------------------------
# The fragments

include $(sort $(wildcard */build.mk */*/build.mk))

# ---------------------------------------------------------------------
# Modules to rules

define module_objects
$(call obj,$($(1)_SRCS)) $(call san,$($(1)_SRCS)) \
$(call fuzzobj,$($(1)_SRCS)): MOD_CFLAGS = $$(call mod_cflags,$(1))
endef

define library_rules
$(call module_objects,$(1))
$(call lib,$(1)): $(call obj,$($(1)_SRCS))
$(call sanlib,$(1)): $(call san,$($(1)_SRCS))
libs: $(call lib,$(1))
endef

define program_rules
$(call module_objects,$(1))
$($(1)_BIN): $(call obj,$($(1)_SRCS)) $(call lib,$($(1)_LIBS))
	@mkdir -p $$(@D)
	$$(CC) -o $$@ $$^ $$(call pc_libs,$($(1)_PKGS) \
		$(foreach l,$($(1)_LIBS),$($(l)_PKGS))) -lm -lpthread
BINARIES += $($(1)_BIN)
endef

# A sanitized build of a program, for tests that feed it hostile input.
define san_program_rules
$(BUILD)/san-bin/$(notdir $($(1)_BIN)): $(call san,$(filter %.c,$($(1)_SRCS))) \
		$(call obj,$(filter %.S,$($(1)_SRCS))) \
		$(call sanlib,$($(1)_LIBS))
	@mkdir -p $$(@D)
	$$(CC) $$(SAN_LDFLAGS) -o $$@ $$^ $$(call pc_libs,$($(1)_PKGS) \
		$(foreach l,$($(1)_LIBS),$($(l)_PKGS))) -lm -lpthread
BINARIES += $(BUILD)/san-bin/$(notdir $($(1)_BIN))
endef

$(foreach m,$(LIBRARIES),$(eval $(call library_rules,$(m))))
$(foreach m,$(PROGRAMS),$(eval $(call program_rules,$(m))))
$(foreach m,$(SAN_PROGRAMS),$(eval $(call san_program_rules,$(m))))

binaries: $(BINARIES)

# ---------------------------------------------------------------------
# Compiling

# FILE_CFLAGS: a fragment's flags for some of its files (target-specific,
# recursive: expanded when the recipe runs, so they may name variables
# that a later fragment defines).
$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(OPT_CFLAGS) $(MOD_CFLAGS) $(FILE_CFLAGS) -c $< -o $@

$(BUILD)/san/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(BASE_CFLAGS) $(SAN_CFLAGS) $(MOD_CFLAGS) $(FILE_CFLAGS) -c $< -o $@

$(BUILD)/fuzzobj/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) $(MOD_CFLAGS) -c $< -o $@

$(BUILD)/lib/%.a:
	@mkdir -p $(@D)
	rm -f $@
	ar rcs $@ $^

# ---------------------------------------------------------------------
# Top-level targets

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

# `make test` installs what is missing, builds (one job per CPU; only what
# is not built yet), then runs every test.
test: deps
	@$(MAKE) --no-print-directory -j$$(nproc) check

# Integration scripts find the binaries through these variables.
export MXG_BIN := $(abspath $(BIN))
export MXG_SAN_BIN := $(abspath $(BUILD)/san-bin)
export MXG_TOOLS := $(abspath $(TOOLS))
export MXG_BUILD := $(abspath $(BUILD))

# The module graph, for the include check: one line per module,
# "NAME|lib or prog|DIR|DEPS|SRCS".
$(BUILD)/modules.txt: $(MAKEFILE_LIST)
	@mkdir -p $(@D)
	@: > $@
	@$(foreach m,$(LIBRARIES) $(PROGRAMS), \
		echo "$(m)|$(if $(filter $(m),$(LIBRARIES)),lib,prog)|$($(m)_DIR)|$(strip $($(m)_DEPS))|$(strip $($(m)_SRCS))" >> $@;)

include-check: $(BUILD)/modules.txt
	@python3 tests/lint/include_check.py $(BUILD)/modules.txt

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || \
	find include dataplane control bpf tests hw -name '*.[ch]')

format-check:
	@$(CLANG_FORMAT) --dry-run --Werror $(FORMAT_FILES) && \
		echo "format-check: $(words $(FORMAT_FILES)) files clean"

format:
	@$(CLANG_FORMAT) -i $(FORMAT_FILES)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
