# mxgated, the control-plane daemon (README.md in this folder).
mxgated_DIR := control/daemon
mxgated_SRCS := $(wildcard $(mxgated_DIR)/*.c)
mxgated_DEPS := cli ctl xdp policy core
mxgated_LIBS := cli ctl xdp policy core
mxgated_PKGS := libcjson libmicrohttpd libbpf
mxgated_BIN := $(BIN)/mxgated
PROGRAMS += mxgated
SAN_PROGRAMS += mxgated

# The BGP export and sharing (ctld_bgp.c) drive gobgpd through its gobgp
# client; their tests play the router with FRR's bgpd (and vtysh), and the
# offender feeds' test serves the rbldnsd dataset and asks it with dig.
DEB_PACKAGES += gobgpd frr rbldnsd bind9-dnsutils
