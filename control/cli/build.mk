# libmxgate_cli: what every binary's command line shares (cli.h): exit
# codes and one-line errors, option tables that give both getopt_long and
# --help, integer and size options with ranges, and loading a policy file
# or a compiled image (cli_policy.h).
cli_DIR := control/cli
cli_SRCS := $(wildcard $(cli_DIR)/*.c)
cli_DEPS := policy core
cli_PKGS :=
LIBRARIES += cli
