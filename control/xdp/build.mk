# libmxgate_xdp, the XDP loader (the libbpf skeleton of bpf/mxgate.bpf.c
# is embedded), and mxgate-xdp, the operators' command.
xdp_DIR := control/xdp
xdp_SRCS := $(filter-out $(xdp_DIR)/mxgate_xdp.c,$(wildcard $(xdp_DIR)/*.c))
xdp_DEPS := core
xdp_PKGS := libbpf
LIBRARIES += xdp
$(call obj,$(xdp_SRCS)) $(call san,$(xdp_SRCS)): $(BUILD)/gen/mxgate.skel.h

mxgate_xdp_DIR := control/xdp
mxgate_xdp_SRCS := $(mxgate_xdp_DIR)/mxgate_xdp.c
mxgate_xdp_DEPS := cli xdp policy core
mxgate_xdp_LIBS := cli xdp policy core
mxgate_xdp_BIN := $(BIN)/mxgate-xdp
PROGRAMS += mxgate_xdp

# test_xdp_netns.sh enters the namespaces' networks with nsenter.
DEB_PACKAGES += util-linux
