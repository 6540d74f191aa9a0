# mxgated, the control-plane daemon (README.md in this folder).
mxgated_DIR := control/daemon
mxgated_SRCS := $(wildcard $(mxgated_DIR)/*.c)
mxgated_DEPS := cli ctl xdp policy core
mxgated_LIBS := cli ctl xdp policy core
mxgated_PKGS := libcjson libmicrohttpd libbpf
mxgated_BIN := $(BIN)/mxgated
PROGRAMS += mxgated
SAN_PROGRAMS += mxgated
