# libFuzzer targets (clang), built into build/fuzz/ with ASan+UBSan over
# the policy and core sources. `make test` runs each for FUZZ_SECONDS
# from a copy of its seed corpus (tests/fuzz/corpus/NAME).
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/%)
FUZZ_SECONDS ?= 60
# The fuzz targets share the tests' checker of clean policy errors.
FUZZ_LIB_SRCS := tests/lib/error_format.c

$(call fuzzobj,$(FUZZ_TARGETS:%=tests/fuzz/%.c)): MOD_CFLAGS = -Itests/lib \
	-I$(core_DIR) -I$(policy_DIR) $(call pc_cflags,libcjson)

$(BUILD)/fuzz/%: $(BUILD)/fuzzobj/tests/fuzz/%.o \
		$(call fuzzobj,$(policy_SRCS) $(core_SRCS) $(FUZZ_LIB_SRCS))
	@mkdir -p $(@D)
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ \
		$(call pc_libs,libcjson)

fuzz: $(FUZZ_BINS)

# `make fuzz-run` runs every target for FUZZ_SECONDS (make check runs
# them with the other tests); `make fuzz-run FUZZ_SECONDS=3600` fuzzes for
# longer. tests/fuzz/run.sh says how to turn a crash into a regression.
FUZZ_TESTS := $(FUZZ_TARGETS:%=tests/fuzz/run.sh\ %)
.PHONY: fuzz-run
fuzz-run: $(FUZZ_BINS)
	@set -e; for f in $(FUZZ_TARGETS); do \
		FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $$f; done
