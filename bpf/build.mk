# BPF programs; each gets a libbpf skeleton from bpftool, in build/gen/.
HOST_TRIPLET = $(shell $(CC) -dumpmachine)
BPF_CFLAGS = -O2 -g -Wall -Werror -target bpf -D__TARGET_ARCH_x86 \
	-Iinclude -I/usr/include/$(HOST_TRIPLET)
BPF_SRCS := $(wildcard bpf/*.bpf.c)
BPF_OBJS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/bpf/%.bpf.o)
BPF_SKELS := $(BPF_SRCS:bpf/%.bpf.c=$(BUILD)/gen/%.skel.h)

bpf: $(BPF_OBJS) $(BPF_SKELS)

# mxgate.bpf.c updates buckets with BPF atomics (cmpxchg): ISA v3.
$(BUILD)/bpf/mxgate.bpf.o: BPF_CFLAGS += -mcpu=v3

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/%.skel.h: $(BUILD)/bpf/%.bpf.o
	@mkdir -p $(@D)
	$(BPFTOOL) gen skeleton $< > $@
