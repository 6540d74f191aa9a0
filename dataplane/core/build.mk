# libmxgate_core: the pure engine (classify, limit, count), the source
# table, the portable LPM, the image check, top sources, the summary, RST
# building. No DPDK, no libbpf, no cJSON.
core_DIR := dataplane/core
core_SRCS := $(wildcard $(core_DIR)/*.c)
core_DEPS :=
core_PKGS :=
LIBRARIES += core
