# mxgate-replay: a capture through the engine (or the XDP program), with
# the default policy compiled in at build time.
mxgate_replay_DIR := dataplane/replay
mxgate_replay_SRCS := $(wildcard $(mxgate_replay_DIR)/*.c) \
	$(mxgate_replay_DIR)/replay_default_policy.S
mxgate_replay_DEPS := cli xdp policy core
mxgate_replay_PKGS := libpcap
mxgate_replay_LIBS := cli xdp policy core
mxgate_replay_BIN := $(BIN)/mxgate-replay
PROGRAMS += mxgate_replay
SAN_PROGRAMS += mxgate_replay

DEFAULT_POLICY := control/examples/default.json

$(BUILD)/gen/default_policy.bin: $(DEFAULT_POLICY) \
		$(wildcard control/examples/*) $(BIN)/mxgatectl
	@mkdir -p $(@D)
	$(BIN)/mxgatectl compile $(DEFAULT_POLICY) -o $@

$(BUILD)/obj/dataplane/replay/replay_default_policy.o: \
		dataplane/replay/replay_default_policy.S \
		$(BUILD)/gen/default_policy.bin
	@mkdir -p $(@D)
	$(CC) -c -DMXG_DEFAULT_POLICY_BIN='"$(BUILD)/gen/default_policy.bin"' \
		$< -o $@

# ---------------------------------------------------------------------
# make demo: generate the demo capture, replay it through the built-in
# default policy, explain what was dropped and why, write the report.

DEMO := $(BUILD)/demo

.PHONY: demo demo-run
demo: deps
	@$(MAKE) --no-print-directory demo-run

demo-run: $(BIN)/mxgate-replay $(TOOLS)/mxgate-scenario
	@mkdir -p $(DEMO)
	@$(TOOLS)/mxgate-scenario demo $(DEMO)/demo.pcap
	@echo
	@$(BIN)/mxgate-replay --explain --top 10 --report $(DEMO)/report.html \
		--verdicts $(DEMO)/verdicts.jsonl --drop $(DEMO)/dropped.pcap \
		--reset $(DEMO)/resets.pcap $(DEMO)/demo.pcap \
		> $(DEMO)/summary.json
	@echo
	@echo "summary JSON:      $(DEMO)/summary.json"
	@echo "per-attempt log:   $(DEMO)/verdicts.jsonl"
	@echo "dropped frames:    $(DEMO)/dropped.pcap (RSTs sent: $(DEMO)/resets.pcap)"
	@echo "evidence report:   $(DEMO)/report.html"
