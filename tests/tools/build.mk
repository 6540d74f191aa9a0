# Test tools (tests/tools/README.md), every one built into build/tools/:
# the capture generators mxgate-scenario and mxgate-badpcap, the
# mxgate-dp helpers dpctl (control-socket client) and dp_pcap (capture
# normaliser), and the XDP tests' mxg-tcpprobe, mxg-xdp-pass and
# mxg-traffic.
define test_tool
$(1)_DIR := tests/tools
$(1)_SRCS := $(2)
$(1)_DEPS := testlib $(3)
$(1)_LIBS := testlib $(3)
$(1)_PKGS := $(strip $(4))
$(1)_BIN := $(TOOLS)/$(strip $(5))
PROGRAMS += $(1)
endef

$(eval $(call test_tool,scenario_tool,tests/tools/mxgate-scenario.c,cli,\
	libpcap libcjson,mxgate-scenario))
$(eval $(call test_tool,badpcap_tool,tests/tools/mxgate-badpcap.c,cli,\
	libpcap,mxgate-badpcap))
$(eval $(call test_tool,dpctl,tests/tools/dpctl.c,cli ctl policy core,\
	libcjson,dpctl))
$(eval $(call test_tool,dp_pcap,tests/tools/dp_pcap.c,,libpcap,dp_pcap))
$(eval $(call test_tool,tcpprobe,tests/tools/tcp_probe.c,,,mxg-tcpprobe))
$(eval $(call test_tool,xdp_pass,tests/tools/xdp_pass.c,,libbpf,mxg-xdp-pass))
$(eval $(call test_tool,traffic_tool,tests/tools/traffic_pcap.c,,libpcap,\
	mxg-traffic))
