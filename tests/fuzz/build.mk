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

# Each target runs FUZZ_SECONDS; a crash, leak or sanitizer report fails.
.PHONY: fuzz-run
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
