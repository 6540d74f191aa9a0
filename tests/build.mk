# `make check`: every unit test, integration script and fuzz target.
# Integration scripts (tests/integration/test_*.sh) exit 77 to report a
# skip; they find the binaries through MXG_BIN, MXG_TOOLS, MXG_BUILD.
INTEGRATION_TESTS := $(sort $(wildcard tests/integration/test_*.sh))

# test_dp_af_packet.sh: ping, nc, and ethtool to turn veth tx checksum
# offload off (frames crossing an AF_PACKET socket need full checksums),
# sysctl (procps) to turn IPv6 off in its namespaces.
# test_dp_control.sh: groupadd and groupdel (passwd).
DEB_PACKAGES += ethtool iputils-ping netcat-openbsd procps passwd

export FUZZ_SECONDS
check: all include-check
	@tests/run-tests.sh $(UNIT_BINS) $(INTEGRATION_TESTS) $(FUZZ_TESTS)
