# mxgate-dp, the DPDK data plane (dataplane/dpdk/mxgate-dp.md).
mxgate_dp_DIR := dataplane/dpdk
mxgate_dp_SRCS := $(wildcard $(mxgate_dp_DIR)/*.c)
mxgate_dp_DEPS := cli policy core
mxgate_dp_PKGS := libdpdk
mxgate_dp_LIBS := cli policy core
mxgate_dp_BIN := $(BIN)/mxgate-dp
PROGRAMS += mxgate_dp

# hw/setup.sh: modprobe (kmod) and dpdk-devbind.py (dpdk).
DEB_PACKAGES += kmod dpdk
