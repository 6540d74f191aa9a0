# Benchmarks: tests/bench/bench_*.c, one optimised binary each (no
# sanitizers), and bench_dp.sh (mxgate-dp against dpdk-testpmd). `make
# bench` builds and runs them all; they report numbers, never pass/fail.
BENCH_SRCS := $(wildcard tests/bench/bench_*.c)
BENCH_BINS := $(BENCH_SRCS:tests/bench/%.c=$(BUILD)/bench/%)
bench_src_table_PKGS := libdpdk
bench_lpm_PKGS := libdpdk
bench_xdp_PKGS := libbpf
$(BUILD)/obj/tests/bench/bench_xdp.o: $(BUILD)/gen/bench_xdp.skel.h

define bench_rules
$(call obj,tests/bench/$(1).c): MOD_CFLAGS = -Itests/lib \
	-I$(core_DIR) -I$(policy_DIR) -I$(xdp_DIR) -I$(cli_DIR) \
	$$(call pc_cflags,libcjson $($(1)_PKGS))
$(BUILD)/bench/$(1): $(call obj,tests/bench/$(1).c) \
		$(call lib,testlib cli xdp policy core)
	@mkdir -p $$(@D)
	$$(CC) -o $$@ $$^ $$(call pc_libs,libcjson libpcap $($(1)_PKGS)) \
		-lm -lpthread
endef
$(foreach b,$(BENCH_SRCS:tests/bench/%.c=%),$(eval $(call bench_rules,$(b))))

benches: $(BENCH_BINS)

.PHONY: bench bench-dp
bench: $(BENCH_BINS) bench-dp
	@for b in $(BENCH_BINS); do echo "=== $$b"; $$b || exit 1; done

# mxgate-dp against dpdk-testpmd (alone: make bench-dp).
bench-dp: $(BIN)/mxgate-dp $(TOOLS)/dpctl $(TOOLS)/dp_pcap \
		$(TOOLS)/mxgate-scenario
	tests/bench/bench_dp.sh
