# `make soak` (not part of make test): mxgate-dp on virtual devices for
# SOAK_SECONDS (default 600) under a spoofed flood, legitimate and
# hostile traffic, a reload every second and a control client coming and
# going; tests/soak/soak.sh says what it checks and reports.
SOAK_SECONDS ?= 600
.PHONY: soak
soak: binaries
	SOAK_SECONDS=$(SOAK_SECONDS) BUILD=$(abspath $(BUILD)) tests/soak/soak.sh
