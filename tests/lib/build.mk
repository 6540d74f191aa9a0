# libmxgate_testlib: what the tests share (frame, image and prefix
# builders, the error-format checker, the traffic mix, the parser fixture
# rows) and the capture generators of tests/tools/, so that unit tests run
# them in-process under the sanitizers.
testlib_DIR := tests/lib
testlib_SRCS := $(wildcard $(testlib_DIR)/*.c) \
	tests/unit/pkt_rows.c tests/tools/scenario.c \
	tests/tools/capture_writer.c tests/tools/badpcap.c
testlib_DEPS := cli policy core
testlib_PKGS := libpcap libcjson cmocka
LIBRARIES += testlib
