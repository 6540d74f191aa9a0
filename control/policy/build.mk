# libmxgate_policy: JSON policy -> checked, compiled image (cJSON).
policy_DIR := control/policy
policy_SRCS := $(wildcard $(policy_DIR)/*.c)
policy_DEPS :=
policy_PKGS := libcjson
LIBRARIES += policy
