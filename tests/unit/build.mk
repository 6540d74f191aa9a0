# Unit tests: tests/unit/test_*.c, cmocka, each built with ASan+UBSan
# against the sanitized libraries. A test may add pkg-config packages
# (test_NAME_PKGS) and libraries or objects (test_NAME_LIBS, linked before
# the test library's defaults).
UNIT_TESTS := $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_TESTS:%=$(BUILD)/test/%)
UNIT_DEPS := testlib cli ctl xdp policy core mxgate_replay

test_bpf_shared_PKGS := libbpf
test_scenario_PKGS := libpcap
test_lpm_dpdk_PKGS := libdpdk
# The XDP tests also link the XDP engine of mxgate-replay.
test_xdp_prog_PKGS := libbpf
test_xdp_loader_PKGS := libbpf
test_xdp_prog_OBJS := $(call san,dataplane/replay/replay_xdp.c)
test_xdp_loader_OBJS := $(call san,dataplane/replay/replay_xdp.c)
# mxgate-dp's sd_notify, which needs no DPDK.
test_dp_notify_OBJS := $(call san,dataplane/dpdk/dp_notify.c)
# mxgated's state file, linked from its source (mxgated is a program).
test_ctld_state_OBJS := $(call san,control/daemon/ctld_state.c)
# mxgated's prefixes (ctld_pfx.c needs the state file's CIDR parser).
test_ctld_pfx_OBJS := $(call san,control/daemon/ctld_pfx.c) \
	$(call san,control/daemon/ctld_state.c)
# mxgated's auto_block on made-up heartbeats (its logs and prefixes too,
# and the metrics page's text format: libmicrohttpd, unused, comes along).
test_ctld_auto_PKGS := libmicrohttpd
test_ctld_auto_OBJS := $(call san,control/daemon/ctld_auto.c) \
	$(call san,control/daemon/ctld_pfx.c) \
	$(call san,control/daemon/ctld_state.c) \
	$(call san,control/daemon/ctld_log.c) \
	$(call san,control/daemon/ctld_metrics.c)
# The report's streamed timelines.
test_outputs_OBJS := $(call san,dataplane/replay/replay_report.c)

$(BUILD)/san/tests/unit/test_bpf_shared.o: $(BUILD)/gen/shared_check.skel.h

define unit_test
$(call san,tests/unit/$(1).c): MOD_CFLAGS = -Itests/unit \
	$$(foreach d,$(UNIT_DEPS),-I$$($$(d)_DIR)) \
	$$(call pc_cflags,cmocka libcjson libpcap $($(1)_PKGS))
$(BUILD)/test/$(1): $(call san,tests/unit/$(1).c) $($(1)_OBJS) \
		$(call sanlib,testlib cli xdp policy core)
	@mkdir -p $$(@D)
	$$(CC) $$(SAN_LDFLAGS) -o $$@ $$^ \
		$$(call pc_libs,cmocka libcjson libpcap $($(1)_PKGS)) \
		-lm -lpthread
endef
$(foreach t,$(UNIT_TESTS),$(eval $(call unit_test,$(t))))
$(call san,tests/unit/test_dp_notify.c): MOD_CFLAGS += -Idataplane/dpdk
$(call san,tests/unit/test_ctld_state.c): MOD_CFLAGS += -Icontrol/daemon
$(call san,tests/unit/test_ctld_pfx.c): MOD_CFLAGS += -Icontrol/daemon
$(call san,tests/unit/test_ctld_auto.c): MOD_CFLAGS += -Icontrol/daemon


# ThreadSanitizer builds of the pure-C concurrency tests (no ASan: the two
# do not mix): the source table under two threads, shared keys, evictions
# at full occupancy. Run in make check as test_NAME_tsan. Built with
# clang: gcc refuses atomic_thread_fence under -fsanitize=thread. TSan
# does not model stand-alone fences, which is sound here: every field the
# table shares between threads is read and written with atomics.
TSAN_TESTS := test_src_table
TSAN_CFLAGS := -O1 -g -fsanitize=thread -fno-omit-frame-pointer
tsanobj = $(patsubst %.c,$(BUILD)/tsan/%.o,$(1))

$(call tsanobj,$(core_SRCS)): MOD_CFLAGS = $(call mod_cflags,core)

$(BUILD)/tsan/%.o: %.c
	@mkdir -p $(@D)
	$(CLANG) $(BASE_CFLAGS) $(TSAN_CFLAGS) $(MOD_CFLAGS) -c $< -o $@

define tsan_test
$(call tsanobj,tests/unit/$(1).c): MOD_CFLAGS = -Itests/unit \
	-I$(core_DIR) $$(call pc_cflags,cmocka)
$(BUILD)/test/$(1)_tsan: $(call tsanobj,tests/unit/$(1).c $(core_SRCS))
	@mkdir -p $$(@D)
	$$(CLANG) -fsanitize=thread -o $$@ $$^ $$(call pc_libs,cmocka) \
		-lm -lpthread
UNIT_BINS += $(BUILD)/test/$(1)_tsan
endef
$(foreach t,$(TSAN_TESTS),$(eval $(call tsan_test,$(t))))

# After the TSan variants joined UNIT_BINS.
unit-tests: $(UNIT_BINS)
