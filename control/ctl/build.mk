# libmxgate_ctl, the control-socket client library, and mxgatectl.
ctl_DIR := control/ctl
ctl_SRCS := $(ctl_DIR)/ctl_client.c
ctl_DEPS :=
ctl_PKGS :=
LIBRARIES += ctl

mxgatectl_DIR := control/ctl
mxgatectl_SRCS := $(mxgatectl_DIR)/mxgatectl.c
mxgatectl_DEPS := cli ctl policy core
mxgatectl_LIBS := cli ctl policy core
mxgatectl_BIN := $(BIN)/mxgatectl
PROGRAMS += mxgatectl
