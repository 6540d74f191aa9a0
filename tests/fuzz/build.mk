# libFuzzer targets (clang), built into build/fuzz/ with ASan+UBSan over
# the policy and core sources. Each runs from a copy of its seed corpus
# (tests/fuzz/corpus/NAME), with tests/fuzz/NAME.dict when there is one:
#
#   fuzz_policy   the policy compiler (JSON in, image or clean errors)
#   fuzz_pkt      the packet parser and the RST builders
#   fuzz_pcap     mxgate-replay's capture reader (pcap, pcapng) + engine
#   fuzz_image    the policy image check, and the engine on what it accepts
#   fuzz_ctlmsg   mxgate-dp's control-socket request decoder
#
# `make check` runs each as a test program for FUZZ_TEST_SECONDS (by
# default the targets share FUZZ_BUDGET, 60 s, about 12 s each; a
# FUZZ_SECONDS given on make's command line sets it for each);
# `make fuzz` (or fuzz-run) runs each for FUZZ_SECONDS (default 60):
# `make fuzz FUZZ_SECONDS=3600`. tests/fuzz/run.sh says how to turn a
# crash into a regression input.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
FUZZ_BUDGET ?= 60
ifeq ($(origin FUZZ_SECONDS),command line)
FUZZ_TEST_SECONDS ?= $(FUZZ_SECONDS)
else
FUZZ_TEST_SECONDS ?= $(shell echo $$(( $(FUZZ_BUDGET) / $(words $(FUZZ_TARGETS)) )))
endif
# The fuzz targets share the tests' checker of clean policy errors and
# the frame builder.
FUZZ_LIB_SRCS := tests/lib/error_format.c tests/lib/pktgen.c

# What a target links besides policy, core and FUZZ_LIB_SRCS.
fuzz_pcap_SRCS := dataplane/replay/replay_capture.c
fuzz_pcap_PKGS := libpcap
fuzz_ctlmsg_SRCS := dataplane/dpdk/dp_ctlmsg.c

$(call fuzzobj,$(FUZZ_TARGETS:%=tests/fuzz/%.c)): MOD_CFLAGS = -Itests/lib \
	-I$(core_DIR) -I$(policy_DIR) -I$(mxgate_replay_DIR) \
	-I$(mxgate_dp_DIR) $(call pc_cflags,libcjson libpcap)

.SECONDEXPANSION:
$(BUILD)/fuzz/%: $(BUILD)/fuzzobj/tests/fuzz/%.o \
		$(call fuzzobj,$(policy_SRCS) $(core_SRCS) $(FUZZ_LIB_SRCS)) \
		$$(call fuzzobj,$$($$*_SRCS))
	@mkdir -p $(@D)
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(call pc_libs,libcjson $($*_PKGS))

.PHONY: fuzz-build
fuzz-build: $(FUZZ_BINS)

FUZZ_TESTS := $(FUZZ_TARGETS:%=tests/fuzz/run.sh\ %\ $(FUZZ_TEST_SECONDS))
.PHONY: fuzz-run
fuzz fuzz-run: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_TARGETS); do \
		tests/fuzz/run.sh $$f $(FUZZ_SECONDS); done
