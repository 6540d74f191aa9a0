// SPDX-License-Identifier: BSD-3-Clause
/*
 * Bad policies, table-driven: each row is {description, policy text,
 * expected error lines}, and one cmocka test. Every expected line is
 * exact: file, line:col, JSON path and message. A row expecting several
 * lines expects exactly those, in that order.
 *
 * In the policy texts ' stands for " and ` for ', so the JSON stays
 * readable; columns are unchanged by the substitution. Set files named by
 * the rows are in tests/policy/.
 *
 * The 'schema' column says whether control/policy/policy.schema.json can reject
 * the row too (tests/integration/test_policy_schema.sh checks both ways):
 * run with --dump DIR to write the rows out as JSON files for it.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "policy_compile.h"

enum schema_says {
	SCHEMA_REJECTS = 1, /* the schema rejects it too */
	SCHEMA_ACCEPTS = 2, /* beyond the schema: CIDR values, references,
			     * names across rules, files, reachability */
	SCHEMA_NA = 3,	    /* not JSON a validator can load, or keys twice */
};

#define BAD_WANT_MAX 10

struct bad_row {
	const char *desc;
	const char *text;
	enum schema_says schema;
	const char *want[BAD_WANT_MAX + 1];
};

#define RULE  "{'name':'r','src':'192.0.2.0/24','action':'deny'}"
#define RULES "'rules':[" RULE "]"

static const struct bad_row rows[] = {
	/* --- JSON syntax --- */
	{ "empty file",
	  "",
	  SCHEMA_NA,
	  { "policy.json:1:1: (root): empty file, expected a JSON object" } },
	{ "only white space",
	  "  \n\t\n",
	  SCHEMA_NA,
	  { "policy.json:3:1: (root): empty file, expected a JSON object" } },
	{ "top level is a list",
	  "[1]",
	  SCHEMA_REJECTS,
	  { "policy.json:1:1: (root): expected a JSON object {\"version\": 1, ...}, got a list" } },
	{ "missing comma between members",
	  "{'version':1\n 'mode':'enforce'}",
	  SCHEMA_NA,
	  { "policy.json:2:2: version: expected ',' or '}' after an object member, got '\"'" } },
	{ "trailing comma in a list",
	  "{'version':1,'smtp_ports':[25,]," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:30: smtp_ports[0]: trailing comma before ']' (not allowed in JSON)" } },
	{ "comment",
	  "{'version':1, // the version\n" RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:15: version: comments are not allowed in JSON" } },
	{ "single-quoted string",
	  "{'version':1,'mode':`monitor`," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:21: mode: strings take double quotes, not single" } },
	{ "unterminated string",
	  "{'version':1,'mode':'monitor,\n" RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:21: mode: unterminated string (no closing '\"' on this line)" } },
	{ "truncated file",
	  "{'version':1,'rules':[{'name':'r',",
	  SCHEMA_NA,
	  { "policy.json:1:35: rules[0]: unexpected end of file, expected a \"key\" in double quotes" } },
	{ "bad literal",
	  "{'version':1,'mode':tru," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:21: mode: expected a value, got 't'" } },
	{ "leading zero",
	  "{'version':01," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:12: version: numbers cannot have leading zeros" } },
	{ "raw tab in a string",
	  "{'version':1,'mode':'mon\titor'," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:25: mode: control character 0x09 in a string" } },
	{ "invalid UTF-8",
	  "{'version':1,'mode':'mon\xff'," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:25: mode: invalid UTF-8 in a string" } },
	{ "lone UTF-16 surrogate",
	  "{'version':1,'mode':'\\ud800'," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:22: mode: bad \\u escape: high surrogate without a low one" } },
	{ "NUL escape",
	  "{'version':1,'mode':'enforce\\u0000x'," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:29: mode: \\u0000 is not allowed in a string" } },
	{ "nesting too deep",
	  "{'version':1,'x':[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	  SCHEMA_NA,
	  { "policy.json:1:49: x[0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0][0]: nesting deeper than 32 levels" } },
	{ "text after the object",
	  "{'version':1," RULES "} {}",
	  SCHEMA_NA,
	  { "policy.json:1:75: (root): unexpected text after the end of the JSON value" } },

	/* --- keys --- */
	{ "duplicate top-level key",
	  "{'version':1,'mode':'monitor','version':1," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:31: version: duplicate key \"version\" (first at 1:2)" } },
	{ "duplicate key in a rule",
	  "{'version':1,'rules':[{'name':'a','action':'deny','src':'192.0.2.0/24','name':'b'}]}",
	  SCHEMA_NA,
	  { "policy.json:1:72: rules[0].name: duplicate key \"name\" (first at 1:24)" } },
	{ "duplicate set name",
	  "{'version':1,'sets':{'a':['192.0.2.0/24'],'a':[]}," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:43: sets.a: duplicate key \"a\" (first at 1:22)" } },
	{ "unknown top-level key, close to a known one",
	  "{'version':1,'rule':[]," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:14: rule: unknown key \"rule\"; did you mean \"rules\"?" } },
	{ "unknown rule key",
	  "{'version':1,'rules':[{'name':'r','action':'deny','src':'192.0.2.0/24','comment':'x'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:72: rules[0].comment: unknown key \"comment\" (expected one of: name, src, dst, dst_port, family, action, limit, over)" } },
	{ "unknown limit key (typo)",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','brust':5,'burst':5}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:57: rules[0].limit.brust: unknown key \"brust\"; did you mean \"burst\"?" } },
	{ "unknown key in a set file spec",
	  "{'version':1,'sets':{'d':{'file':'ok.drop','format':'spamhaus-drop','gzip':true}}," RULES
	  "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:69: sets.d.gzip: unknown key \"gzip\" (expected one of: file, format)" } },

	/* --- top-level fields --- */
	{ "missing version",
	  "{" RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:1: version: missing: add \"version\": 1 (the policy format version)" } },
	{ "version 2",
	  "{'version':2," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:12: version: unsupported policy version 2 (this mxgate reads version 1)" } },
	{ "version as a string",
	  "{'version':'1'," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:12: version: expected the integer 1, got \"1\"" } },
	{ "version 1.0",
	  "{'version':1.0," RULES "}",
	  SCHEMA_NA,
	  { "policy.json:1:12: version: expected the integer 1, got 1.0" } },
	{ "unknown mode",
	  "{'version':1,'mode':'enforcing'," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:21: mode: expected \"enforce\" or \"monitor\", got \"enforcing\"" } },
	{ "mode of the wrong type",
	  "{'version':1,'mode':true," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:21: mode: expected \"enforce\" or \"monitor\", got true" } },
	{ "smtp_ports not a list",
	  "{'version':1,'smtp_ports':25," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: smtp_ports: expected a list of ports, e.g. [25], got 25" } },
	{ "smtp_ports empty",
	  "{'version':1,'smtp_ports':[]," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: smtp_ports: empty list: give at least one port" } },
	{ "smtp port 0 and 65536",
	  "{'version':1,'smtp_ports':[0,25,65536]," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:28: smtp_ports[0]: port 0 out of range (1..65535)",
	    "policy.json:1:33: smtp_ports[2]: port 65536 out of range (1..65535)" } },
	{ "smtp port listed twice",
	  "{'version':1,'smtp_ports':[25,587,25]," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:35: smtp_ports[2]: port 25 is listed twice" } },
	{ "more than 16 smtp ports",
	  "{'version':1,'smtp_ports':[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17]," RULES
	  "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:67: smtp_ports[16]: too many ports: at most 16" } },
	{ "smtp port not an integer",
	  "{'version':1,'smtp_ports':[25.5]," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:28: smtp_ports[0]: expected an integer port from 1 to 65535, got 25.5" } },
	{ "ecmp_share 0",
	  "{'version':1,'ecmp_share':0," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: ecmp_share: ecmp_share 0 out of range (1..64)" } },
	{ "ecmp_share negative",
	  "{'version':1,'ecmp_share':-2," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: ecmp_share: ecmp_share -2 out of range (1..64)" } },
	{ "ecmp_share not an integer",
	  "{'version':1,'ecmp_share':2.5," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: ecmp_share: expected an integer ecmp_share from 1 to 64, got 2.5" } },
	{ "ecmp_share as a string",
	  "{'version':1,'ecmp_share':'4'," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: ecmp_share: expected an integer ecmp_share from 1 to 64, got \"4\"" } },
	{ "ecmp_share huge",
	  "{'version':1,'ecmp_share':100000000000000000000," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: ecmp_share: ecmp_share 100000000000000000000 out of range (1..64)" } },
	{ "auto_block not an object",
	  "{'version':1,'auto_block':5," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: auto_block: expected an object, e.g. {\"drops\": \"60/min\", \"for\": \"2m\"}, got 5" } },
	{ "auto_block without drops and for",
	  "{'version':1,'auto_block':{}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:27: auto_block.drops: missing: the drop rate that makes an offender, e.g. \"60/min\"",
	    "policy.json:1:27: auto_block.for: missing: how long the drops must last, e.g. \"2m\"" } },
	{ "auto_block drops not a rate",
	  "{'version':1,'auto_block':{'drops':'5/fortnight','for':'2m'}," RULES
	  "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:36: auto_block.drops: expected \"N/s\", \"N/min\" or \"N/h\", got \"5/fortnight\"" } },
	{ "auto_block drops zero",
	  "{'version':1,'auto_block':{'drops':0,'for':'2m'}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:36: auto_block.drops: expected a positive whole number of connections per second, or \"N/s\", \"N/min\" or \"N/h\", got 0" } },
	{ "auto_block for in weeks",
	  "{'version':1,'auto_block':{'drops':'60/min','for':'2w'}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: auto_block.for: expected a duration: seconds, or \"Ns\", \"Nm\", \"Nh\" or \"Nd\" (e.g. \"2m\"), got \"2w\"" } },
	{ "auto_block for zero",
	  "{'version':1,'auto_block':{'drops':'60/min','for':0}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: auto_block.for: for 0 out of range (1s..1d)" } },
	{ "auto_block for a fraction",
	  "{'version':1,'auto_block':{'drops':'60/min','for':1.5}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: auto_block.for: expected a duration: seconds, or \"Ns\", \"Nm\", \"Nh\" or \"Nd\" (e.g. \"2m\"), got 1.5" } },
	{ "auto_block for over a day",
	  "{'version':1,'auto_block':{'drops':'60/min','for':'25h'}," RULES "}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:51: auto_block.for: for \"25h\" out of range (1s..1d)" } },
	{ "auto_block ttl over 30 days",
	  "{'version':1,'auto_block':{'drops':'60/min','for':'2m','ttl':'31d'}," RULES
	  "}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:62: auto_block.ttl: ttl \"31d\" out of range (1s..30d)" } },
	{ "auto_block ipv4_prefix too short",
	  "{'version':1,'auto_block':{'drops':'60/min','for':'2m','ipv4_prefix':4}," RULES
	  "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:70: auto_block.ipv4_prefix: ipv4_prefix 4 out of range (8..32)" } },
	{ "auto_block ipv6_prefix too long",
	  "{'version':1,'auto_block':{'drops':'60/min','for':'2m','ipv6_prefix':129}," RULES
	  "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:70: auto_block.ipv6_prefix: ipv6_prefix 129 out of range (16..128)" } },
	{ "auto_block unknown key",
	  "{'version':1,'auto_block':{'drops':'60/min','for':'2m','after':'1m'}," RULES
	  "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:56: auto_block.after: unknown key \"after\" (expected one of: drops, for, ttl, ipv4_prefix, ipv6_prefix)" } },
	{ "rules missing",
	  "{'version':1}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:1: rules: missing: a policy needs a \"rules\" list" } },
	{ "rules empty",
	  "{'version':1,'rules':[]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:22: rules: empty list: a policy needs at least one rule" } },
	{ "rules not a list",
	  "{'version':1,'rules':" RULE "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:22: rules: expected a list of rules, got an object" } },
	{ "65 rules",
	  "{'version':1,'rules':["
	  "{'name':'r0','src':'192.0.2.0/24','action':'deny'},{'name':'r1','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r2','src':'192.0.2.0/24','action':'deny'},{'name':'r3','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r4','src':'192.0.2.0/24','action':'deny'},{'name':'r5','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r6','src':'192.0.2.0/24','action':'deny'},{'name':'r7','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r8','src':'192.0.2.0/24','action':'deny'},{'name':'r9','src':'192.0.2.0/24','action':'deny'},\n"
	  "{'name':'r10','src':'192.0.2.0/24','action':'deny'},{'name':'r11','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r12','src':'192.0.2.0/24','action':'deny'},{'name':'r13','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r14','src':'192.0.2.0/24','action':'deny'},{'name':'r15','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r16','src':'192.0.2.0/24','action':'deny'},{'name':'r17','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r18','src':'192.0.2.0/24','action':'deny'},{'name':'r19','src':'192.0.2.0/24','action':'deny'},\n"
	  "{'name':'r20','src':'192.0.2.0/24','action':'deny'},{'name':'r21','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r22','src':'192.0.2.0/24','action':'deny'},{'name':'r23','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r24','src':'192.0.2.0/24','action':'deny'},{'name':'r25','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r26','src':'192.0.2.0/24','action':'deny'},{'name':'r27','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r28','src':'192.0.2.0/24','action':'deny'},{'name':'r29','src':'192.0.2.0/24','action':'deny'},\n"
	  "{'name':'r30','src':'192.0.2.0/24','action':'deny'},{'name':'r31','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r32','src':'192.0.2.0/24','action':'deny'},{'name':'r33','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r34','src':'192.0.2.0/24','action':'deny'},{'name':'r35','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r36','src':'192.0.2.0/24','action':'deny'},{'name':'r37','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r38','src':'192.0.2.0/24','action':'deny'},{'name':'r39','src':'192.0.2.0/24','action':'deny'},\n"
	  "{'name':'r40','src':'192.0.2.0/24','action':'deny'},{'name':'r41','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r42','src':'192.0.2.0/24','action':'deny'},{'name':'r43','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r44','src':'192.0.2.0/24','action':'deny'},{'name':'r45','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r46','src':'192.0.2.0/24','action':'deny'},{'name':'r47','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r48','src':'192.0.2.0/24','action':'deny'},{'name':'r49','src':'192.0.2.0/24','action':'deny'},\n"
	  "{'name':'r50','src':'192.0.2.0/24','action':'deny'},{'name':'r51','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r52','src':'192.0.2.0/24','action':'deny'},{'name':'r53','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r54','src':'192.0.2.0/24','action':'deny'},{'name':'r55','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r56','src':'192.0.2.0/24','action':'deny'},{'name':'r57','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r58','src':'192.0.2.0/24','action':'deny'},{'name':'r59','src':'192.0.2.0/24','action':'deny'},\n"
	  "{'name':'r60','src':'192.0.2.0/24','action':'deny'},{'name':'r61','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r62','src':'192.0.2.0/24','action':'deny'},{'name':'r63','src':'192.0.2.0/24','action':'deny'},"
	  "{'name':'r64','src':'192.0.2.0/24','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:7:209: rules[64]: too many rules: at most 64" } },
	{ "protected with host bits set",
	  "{'version':1,'protected':['198.51.100.0/24','2001:db8:25::1/48']," RULES
	  "}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:45: protected[1]: bad CIDR \"2001:db8:25::1/48\": host bits set: ::1 is past the /48; did you mean 2001:db8:25::/48?" } },

	/* --- rules: names --- */
	{ "rule not an object",
	  "{'version':1,'rules':['deny-all']}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:23: rules[0]: expected a rule object, got \"deny-all\"" } },
	{ "rule without a name",
	  "{'version':1,'rules':[{'src':'192.0.2.0/24','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:23: rules[0].name: missing: every rule needs a unique \"name\"" } },
	{ "empty rule name",
	  "{'version':1,'rules':[{'name':'','src':'192.0.2.0/24','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:31: rules[0].name: rule names are 1 to 63 bytes long, this one is 0" } },
	{ "rule name of 64 bytes",
	  "{'version':1,'rules':[{'name':'0123456789012345678901234567890123456789012345678901234567890123','src':'192.0.2.0/24','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:31: rules[0].name: rule names are 1 to 63 bytes long, this one is 64" } },
	{ "rule name not a string",
	  "{'version':1,'rules':[{'name':7,'src':'192.0.2.0/24','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:31: rules[0].name: expected a rule name string, got 7" } },
	{ "control character in a rule name",
	  "{'version':1,'rules':[{'name':'a\\nb','src':'192.0.2.0/24','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:31: rules[0].name: control character 0x0a in a rule name" } },
	{ "duplicate rule names",
	  "{'version':1,'rules':[\n"
	  " {'name':'per-host','limit':{'rate':'1/s','burst':1}},\n"
	  " {'name':'per-host','limit':{'rate':'2/s','burst':1}}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:3:10: rules[1].name: duplicate rule name \"per-host\" (first at rules[0], 2:10)" } },

	/* --- rules: match fields --- */
	{ "src garbage",
	  "{'version':1,'rules':[{'name':'r','src':'mail.example.com','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:41: rules[0].src: bad CIDR \"mail.example.com\": not an IPv4 or IPv6 address or CIDR" } },
	{ "src IPv4 host bits set",
	  "{'version':1,'rules':[{'name':'r','src':'192.0.2.1/24','action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:41: rules[0].src: bad CIDR \"192.0.2.1/24\": host bits set: 0.0.0.1 is past the /24; did you mean 192.0.2.0/24?" } },
	{ "src IPv6 host bits set in a list",
	  "{'version':1,'rules':[{'name':'r','src':['192.0.2.0/24','2001:db8::1:0/96'],'action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:57: rules[0].src[1]: bad CIDR \"2001:db8::1:0/96\": host bits set: ::1:0 is past the /96; did you mean 2001:db8::/96?" } },
	{ "src with a zone index",
	  "{'version':1,'rules':[{'name':'r','src':'fe80::1%eth0','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:41: rules[0].src: bad CIDR \"fe80::1%eth0\": zone index \"%eth0\" is not allowed: a prefix names addresses, not an interface" } },
	{ "IPv4 prefix length 33",
	  "{'version':1,'rules':[{'name':'r','src':'192.0.2.0/33','action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:41: rules[0].src: bad CIDR \"192.0.2.0/33\": prefix length 33 out of range for IPv4 (0..32)" } },
	{ "IPv6 prefix length 129",
	  "{'version':1,'rules':[{'name':'r','dst':'2001:db8::/129','action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:41: rules[0].dst: bad CIDR \"2001:db8::/129\": prefix length 129 out of range for IPv6 (0..128)" } },
	{ "prefix length missing",
	  "{'version':1,'rules':[{'name':'r','src':'192.0.2.0/','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:41: rules[0].src: bad CIDR \"192.0.2.0/\": missing prefix length after '/'" } },
	{ "IPv4 octet out of range",
	  "{'version':1,'rules':[{'name':'r','src':'192.0.2.256','action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:41: rules[0].src: bad CIDR \"192.0.2.256\": 192.0.2.256 is not a valid IPv4 address" } },
	{ "src empty list",
	  "{'version':1,'rules':[{'name':'r','src':[],'action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:41: rules[0].src: empty list would match nothing; give at least one CIDR" } },
	{ "set reference inside a list",
	  "{'version':1,'sets':{'p':['192.0.2.0/24']},'rules':[{'name':'r','src':['@p'],'action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:72: rules[0].src[0]: a list holds CIDRs only; to use the set \"@p\", give it alone, not in a list" } },
	{ "src of the wrong type",
	  "{'version':1,'rules':[{'name':'r','src':{'cidr':'192.0.2.0/24'},'action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:41: rules[0].src: expected a CIDR, a list of CIDRs or \"@set\", got an object" } },
	{ "undefined set, close to a defined one",
	  "{'version':1,'sets':{'partners':['192.0.2.0/24']},'rules':[{'name':'r','src':'@partnrs','action':'allow'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:78: rules[0].src: undefined set \"@partnrs\"; did you mean \"@partners\"?" } },
	{ "undefined set, no sets",
	  "{'version':1,'rules':[{'name':'r','dst':'@mx','action':'allow'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:41: rules[0].dst: undefined set \"@mx\" (the policy has no \"sets\")" } },
	{ "bad set reference",
	  "{'version':1,'rules':[{'name':'r','src':'@','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:41: rules[0].src: bad set reference \"@\": set names cannot be empty" } },
	{ "dst_port not a list",
	  "{'version':1,'rules':[{'name':'r','dst_port':25,'action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:46: rules[0].dst_port: expected a list of ports, e.g. [25], got 25" } },
	{ "dst_port out of range",
	  "{'version':1,'rules':[{'name':'r','dst_port':[25,-1],'action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:50: rules[0].dst_port[1]: port -1 out of range (1..65535)" } },
	{ "unknown family",
	  "{'version':1,'rules':[{'name':'r','family':'ip4','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:44: rules[0].family: expected \"ipv4\" or \"ipv6\", got \"ip4\"" } },
	{ "family ipv4 with IPv6-only src",
	  "{'version':1,'rules':[{'name':'r','family':'ipv4','src':'2001:db8::/32','action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:44: rules[0].family: family \"ipv4\" but src has no IPv4 prefix: the rule can never match" } },
	{ "IPv4-only src with IPv6-only dst",
	  "{'version':1,'rules':[{'name':'r','src':'192.0.2.0/24','dst':['2001:db8::/32'],'action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:62: rules[0].dst: src has only IPv4 prefixes and dst only IPv6: the rule can never match" } },

	/* --- rules: action, limit, over --- */
	{ "unknown action",
	  "{'version':1,'rules':[{'name':'r','src':'192.0.2.0/24','action':'drop'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:65: rules[0].action: expected \"allow\", \"deny\" or \"limit\", got \"drop\"" } },
	{ "allow with a limit",
	  "{'version':1,'rules':[{'name':'r','action':'allow','limit':{'rate':'1/s','burst':1}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:52: rules[0].limit: action \"allow\" takes no limit (remove \"limit\", or use action \"limit\")" } },
	{ "deny with over",
	  "{'version':1,'rules':[{'name':'r','src':'192.0.2.0/24','action':'deny','over':'reset'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:72: rules[0].over: \"over\" belongs to limit rules; action \"deny\" takes none" } },
	{ "action limit without a limit",
	  "{'version':1,'rules':[{'name':'r','action':'limit'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:44: rules[0].action: action \"limit\" needs a \"limit\" object, e.g. {\"rate\": \"20/min\", \"burst\": 10}" } },
	{ "neither action nor limit",
	  "{'version':1,'rules':[{'name':'r','src':'192.0.2.0/24'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:23: rules[0]: a rule needs an \"action\" (allow, deny, limit) or a \"limit\"" } },
	{ "over without a limit",
	  "{'version':1,'rules':[{'name':'r','over':'reset'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:23: rules[0]: a rule needs an \"action\" (allow, deny, limit) or a \"limit\"" } },
	{ "limit not an object",
	  "{'version':1,'rules':[{'name':'r','limit':'20/min'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:43: rules[0].limit: expected an object, e.g. {\"rate\": \"20/min\", \"burst\": 10}, got \"20/min\"" } },
	{ "rate with a bad unit (DESIGN's example)",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'20/mn','burst':10}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: rules[0].limit.rate: expected \"N/s\", \"N/min\" or \"N/h\", got \"20/mn\"" } },
	{ "rate as a numeric string",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'20','burst':10}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: rules[0].limit.rate: expected \"N/s\", \"N/min\" or \"N/h\", got \"20\"" } },
	{ "rate 0",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':0,'burst':10}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: rules[0].limit.rate: expected a positive whole number of connections per second, or \"N/s\", \"N/min\" or \"N/h\", got 0" } },
	{ "negative rate",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':-5,'burst':10}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: rules[0].limit.rate: expected a positive whole number of connections per second, or \"N/s\", \"N/min\" or \"N/h\", got -5" } },
	{ "fractional rate",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':2.5,'burst':10}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: rules[0].limit.rate: expected a positive whole number of connections per second, or \"N/s\", \"N/min\" or \"N/h\", got 2.5" } },
	{ "rate 0/s",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'0/s','burst':10}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:51: rules[0].limit.rate: rate must be at least 1 per period, got \"0/s\"" } },
	{ "rate above 10^9/s",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'2000000000/s','burst':10}}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:51: rules[0].limit.rate: rate 2000000000 per second with burst 10 is out of range (rates from 1/h to 1000000000/s)" } },
	{ "rate count over 32 bits",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'5000000000/h','burst':10}}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:51: rules[0].limit.rate: rate count 5000000000 is too large; write the rate with a shorter unit" } },
	{ "burst 0",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':0}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:65: rules[0].limit.burst: burst 0 out of range (1..100000)" } },
	{ "burst 100001",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':100001}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:65: rules[0].limit.burst: burst 100001 out of range (1..100000)" } },
	{ "burst as a string",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':'10'}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:65: rules[0].limit.burst: expected an integer burst from 1 to 100000, got \"10\"" } },
	{ "burst in exponent form",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':1e3}}]}",
	  SCHEMA_NA, /* 1e3 is the integer 1000 to a JSON Schema validator */
	  { "policy.json:1:65: rules[0].limit.burst: expected an integer burst from 1 to 100000, got 1e3" } },
	{ "limit without rate and burst",
	  "{'version':1,'rules':[{'name':'r','limit':{'per':'host'}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:43: rules[0].limit.rate: missing: a limit needs a rate, e.g. \"20/min\"",
	    "policy.json:1:43: rules[0].limit.burst: missing: a limit needs a burst (the bucket size), e.g. 10" } },
	{ "unknown per",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':1,'per':'source'}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:73: rules[0].limit.per: expected \"host\", \"prefix\", \"dst\" or \"global\", got \"source\"" } },
	{ "ipv4_prefix 33",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':1,'per':'prefix','ipv4_prefix':33}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:96: rules[0].limit.ipv4_prefix: ipv4_prefix 33 out of range (0..32)" } },
	{ "ipv6_prefix 129",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':1,'ipv6_prefix':129}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:81: rules[0].limit.ipv6_prefix: ipv6_prefix 129 out of range (0..128)" } },
	{ "key prefix on a global limit",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':1,'per':'global','ipv4_prefix':24}}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:82: rules[0].limit.ipv4_prefix: ipv4_prefix does not apply to per \"global\" (one bucket for the whole rule)" } },
	{ "unknown over",
	  "{'version':1,'rules':[{'name':'r','limit':{'rate':'1/s','burst':1},'over':'rst'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:75: rules[0].over: expected \"drop\" or \"reset\", got \"rst\"" } },

	/* --- reachability --- */
	{ "rules after a catch-all deny",
	  "{'version':1,'rules':[\n"
	  " {'name':'block-all','action':'deny'},\n"
	  " {'name':'per-host','limit':{'rate':'1/s','burst':1}},\n"
	  " {'name':'partners','src':'192.0.2.0/24','action':'allow'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:3:2: rules[1]: unreachable: rules[0] \"block-all\" denies every connection attempt before this rule (it has no src, dst, dst_port or family)",
	    "policy.json:4:2: rules[2]: unreachable: rules[0] \"block-all\" denies every connection attempt before this rule (it has no src, dst, dst_port or family)" } },
	{ "rule after a catch-all allow",
	  "{'version':1,'rules':[{'name':'pass','action':'allow'},{'name':'x','src':'192.0.2.0/24','action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:56: rules[1]: unreachable: rules[0] \"pass\" allows every connection attempt before this rule (it has no src, dst, dst_port or family)" } },

	/* --- sets and set files --- */
	{ "set of the wrong type",
	  "{'version':1,'sets':{'a':'192.0.2.0/24'}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:26: sets.a: expected a list of CIDRs or {\"file\": ..., \"format\": ...}, got \"192.0.2.0/24\"" } },
	{ "bad set name",
	  "{'version':1,'sets':{'my set':['192.0.2.0/24']}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:22: sets[\"my set\"]: bad set name \"my set\": set names use only letters, digits, '_', '-' and '.'" } },
	{ "a set name with a tab, and a reference close to it",
	  "{'version':1,'sets':{'pa\\tners':['192.0.2.0/24']},'rules':[{'name':'r','src':'@partners','action':'deny'}]}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:22: sets[\"pa\\x09ners\"]: bad set name \"pa\\x09ners\": set names use only letters, digits, '_', '-' and '.'",
	    "policy.json:1:78: rules[0].src: undefined set \"@partners\"; did you mean \"@pa\\x09ners\"?" } },
	{ "set file without a format",
	  "{'version':1,'sets':{'d':{'file':'ok.drop'}}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:26: sets.d.format: missing: the set file's format, \"spamhaus-drop\" or \"plain\"" } },
	{ "set file of an unknown format",
	  "{'version':1,'sets':{'d':{'file':'ok.drop','format':'drop'}}," RULES
	  "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:53: sets.d.format: expected \"spamhaus-drop\" or \"plain\", got \"drop\"" } },
	{ "unreadable set file",
	  "{'version':1,'sets':{'d':{'file':'no-such.drop','format':'spamhaus-drop'}}," RULES
	  "}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:34: sets.d.file: cannot read set file \"tests/policy/no-such.drop\": No such file or directory" } },
	{ "set file is a directory",
	  "{'version':1,'sets':{'d':{'file':'a-directory','format':'plain'}}," RULES
	  "}",
	  SCHEMA_ACCEPTS,
	  { "policy.json:1:34: sets.d.file: cannot read set file \"tests/policy/a-directory\": Is a directory" } },
	{ "blocklist lines that do not parse",
	  "{'version':1,'sets':{'d':{'file':'bad-line.drop','format':'spamhaus-drop'}},"
	  "'rules':[{'name':'r','src':'@d','action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "tests/policy/bad-line.drop:4: sets.d: bad CIDR \"203.0.113.0/33\": prefix length 33 out of range for IPv4 (0..32)",
	    "tests/policy/bad-line.drop:5: sets.d: bad CIDR \"not-a-cidr\": not an IPv4 or IPv6 address or CIDR" } },
	{ "plain list with CRLF, host bits and extra text",
	  "{'version':1,'sets':{'p':{'file':'crlf-hostbits.txt','format':'plain'}},"
	  "'rules':[{'name':'r','src':'@p','action':'deny'}]}",
	  SCHEMA_ACCEPTS,
	  { "tests/policy/crlf-hostbits.txt:3: sets.p: bad CIDR \"198.51.100.1/24\": host bits set: 0.0.0.1 is past the /24; did you mean 198.51.100.0/24?",
	    "tests/policy/crlf-hostbits.txt:4: sets.p: expected one CIDR per line, got \"203.0.113.0/24 extra\"" } },
	{ "a spamhaus list read as plain",
	  "{'version':1,'sets':{'d':{'file':'ok.drop','format':'plain'}}," RULES
	  "}",
	  SCHEMA_ACCEPTS,
	  { "tests/policy/ok.drop:1: sets.d: expected one CIDR per line, got \"192.0.2.0/24 ; SBL1\"",
	    "tests/policy/ok.drop:2: sets.d: bad CIDR \"2001:db8:1::/48;SBL2\": not an IPv4 or IPv6 address or CIDR" } },
	{ "33 named sets",
	  "{'version':1,'sets':{'s0':[],'s1':[],'s2':[],'s3':[],'s4':[],'s5':[],'s6':[],'s7':[],'s8':[],'s9':[],"
	  "'s10':[],'s11':[],'s12':[],'s13':[],'s14':[],'s15':[],'s16':[],'s17':[],'s18':[],'s19':[],"
	  "'s20':[],'s21':[],'s22':[],'s23':[],'s24':[],'s25':[],'s26':[],'s27':[],'s28':[],'s29':[],"
	  "'s30':[],'s31':[],'s32':[]}," RULES "}",
	  SCHEMA_REJECTS,
	  { "policy.json:1:300: sets.s32: too many sets: at most 32" } },

	/* --- all errors, not the first --- */
	{ "several errors, reported in file order",
	  "{\n"
	  "  'version': 1,\n"
	  "  'mode': 'monitoring',\n"
	  "  'sets': {'drop': {'file': 'bad-line.drop', 'format': 'spamhaus-drop'}},\n"
	  "  'rules': [\n"
	  "    {'name': 'a', 'src': '@drop', 'action': 'deny'},\n"
	  "    {'name': 'a', 'src': '@dorp', 'action': 'deny'},\n"
	  "    {'name': 'b', 'limit': {'rate': '20/mn', 'burst': 0}, 'ovr': 'reset'}\n"
	  "  ]\n"
	  "}\n",
	  SCHEMA_REJECTS,
	  { "policy.json:3:11: mode: expected \"enforce\" or \"monitor\", got \"monitoring\"",
	    "tests/policy/bad-line.drop:4: sets.drop: bad CIDR \"203.0.113.0/33\": prefix length 33 out of range for IPv4 (0..32)",
	    "tests/policy/bad-line.drop:5: sets.drop: bad CIDR \"not-a-cidr\": not an IPv4 or IPv6 address or CIDR",
	    "policy.json:7:14: rules[1].name: duplicate rule name \"a\" (first at rules[0], 6:14)",
	    "policy.json:7:26: rules[1].src: undefined set \"@dorp\"; did you mean \"@drop\"?",
	    "policy.json:8:37: rules[2].limit.rate: expected \"N/s\", \"N/min\" or \"N/h\", got \"20/mn\"",
	    "policy.json:8:55: rules[2].limit.burst: burst 0 out of range (1..100000)",
	    "policy.json:8:59: rules[2].ovr: unknown key \"ovr\"; did you mean \"over\"?" } },
};

#define N_ROWS (sizeof(rows) / sizeof(rows[0]))

/* ' -> ", ` -> ': the row's text as the policy file holds it. */
static char *row_text(const struct bad_row *row)
{
	size_t i, n = strlen(row->text);
	char *t = malloc(n + 1);

	assert_non_null(t);
	for (i = 0; i <= n; i++)
		t[i] = row->text[i] == '\'' ? '"' :
		       row->text[i] == '`'  ? '\'' :
					      row->text[i];
	return t;
}

static void check_row(void **state)
{
	const struct bad_row *row = *state;
	struct mxg_policy_header *image = (void *)1;
	struct mxg_diag diag;
	char *text = row_text(row);
	unsigned int n_want = 0, i;
	int rc;

	while (n_want < BAD_WANT_MAX && row->want[n_want])
		n_want++;
	mxg_diag_init(&diag);
	rc = mxg_policy_compile_buffer("policy.json", text, strlen(text),
				       "tests/policy", &image, &diag);
	for (i = 0; i < diag.stored; i++)
		print_message("  got:  %s\n", diag.lines[i]);
	assert_int_equal(rc, -EINVAL);
	assert_null(image);
	for (i = 0; i < n_want && i < diag.stored; i++)
		assert_string_equal(diag.lines[i], row->want[i]);
	assert_int_equal(diag.count, n_want);
	assert_int_equal(diag.stored, n_want);
	mxg_diag_free(&diag);
	free(text);
}

/* Over MXG_POLICY_FILE_MAX: rejected before it is read. */
static void oversize_policy(void **state)
{
	size_t len = MXG_POLICY_FILE_MAX + 1;
	struct mxg_policy_header *image;
	struct mxg_diag diag;
	char *text = malloc(len);

	(void)state;
	assert_non_null(text);
	memset(text, ' ', len);
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_buffer("policy.json", text, len,
						   NULL, &image, &diag),
			 -EINVAL);
	assert_null(image);
	assert_int_equal(diag.count, 1);
	assert_string_equal(
		diag.lines[0],
		"policy.json:1:1: (root): the policy is larger than 1048576 bytes");
	mxg_diag_free(&diag);
	free(text);
}

/* More errors than MXG_DIAG_MAX: all counted, the first by position kept. */
static void error_cap(void **state)
{
	const unsigned int n = MXG_DIAG_MAX + 50;
	struct mxg_policy_header *image;
	struct mxg_diag diag;
	size_t cap = 64 + 16 * n, len = 0;
	char *text = malloc(cap), want[192];
	unsigned int i;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "{\"version\":1,\n");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "\"k%u\":0,\n",
					i);
	len += (size_t)snprintf(
		text + len, cap - len,
		"\"rules\":[{\"name\":\"r\",\"action\":\"deny\",\"dst_port\":[25]}]}");
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_buffer("policy.json", text, len,
						   NULL, &image, &diag),
			 -EINVAL);
	assert_int_equal(diag.count, n);
	assert_int_equal(diag.stored, MXG_DIAG_MAX);
	for (i = 0; i < MXG_DIAG_MAX; i++) {
		snprintf(
			want, sizeof(want),
			"policy.json:%u:1: k%u: unknown key \"k%u\" (expected one of: version, mode, parser_limit, smtp_ports, ecmp_share, auto_block, protected, sets, rules)",
			i + 2, i, i);
		assert_string_equal(diag.lines[i], want);
	}
	mxg_diag_free(&diag);
	free(text);
}

/*
 * 140,000 errors on one 1 MB line (the same key again and again): each
 * column costs O(1) and hints stop past the cap, so this takes well under
 * a second; it took minutes when columns were counted per error.
 */
static void many_errors_one_line(void **state)
{
	const unsigned int n = 140000;
	struct mxg_policy_header *image;
	struct mxg_diag diag;
	size_t cap = 64 + 8 * (size_t)n + 128, len = 0;
	char *text = malloc(cap);
	unsigned int i;

	(void)state;
	assert_non_null(text);
	len += (size_t)snprintf(text + len, cap - len, "{\"version\":1,");
	for (i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "\"kk\":0,");
	len += (size_t)snprintf(
		text + len, cap - len,
		"\"rules\":[{\"name\":\"r\",\"action\":\"deny\",\"dst_port\":[25]}]}");
	assert_true(len < MXG_POLICY_FILE_MAX);
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_buffer("policy.json", text, len,
						   NULL, &image, &diag),
			 -EINVAL);
	/* One unknown key, then n - 1 duplicates of it. */
	assert_int_equal(diag.count, n);
	assert_string_equal(
		diag.lines[0],
		"policy.json:1:14: kk: unknown key \"kk\" (expected one of: version, mode, parser_limit, smtp_ports, ecmp_share, auto_block, protected, sets, rules)");
	assert_string_equal(
		diag.lines[1],
		"policy.json:1:21: kk: duplicate key \"kk\" (first at 1:14)");
	mxg_diag_free(&diag);
	free(text);
}

/*
 * Two rule names with the same key id (FNV-1a 32 collides, rarely): the
 * compiler refuses rather than letting them share buckets. The pair is
 * found by brute force over "r<N>" names with the same limit.
 */
struct named_id {
	uint32_t id;
	uint32_t n;
};

static int cmp_id(const void *a, const void *b)
{
	const struct named_id *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

/* The i-th of a fixed sequence of 10-letter names. */
static void random_name(uint32_t i, char *out)
{
	uint64_t x = 0x9e3779b97f4a7c15ULL * (i + 1);
	int k;

	for (k = 0; k < 10; k++) {
		x ^= x >> 29;
		x *= 0xbf58476d1ce4e5b9ULL;
		x ^= x >> 32;
		out[k] = (char)('a' + x % 26);
	}
	out[10] = '\0';
}

static void key_id_collision(void **state)
{
	const uint32_t n = 300000;
	struct named_id *ids = malloc(n * sizeof(*ids));
	struct mxg_policy_header *image;
	struct mxg_rule r;
	struct mxg_diag diag;
	uint32_t i, a = 0, b = 0;
	char text[512], want[256], na[16], nb[16];
	int found = 0;

	(void)state;
	assert_non_null(ids);
	memset(&r, 0, sizeof(r));
	r.key_kind = MXG_KEY_HOST;
	r.ipv4_prefix = 32;
	r.ipv6_prefix = 64;
	assert_int_equal(mxg_bucket_params_init(&r.bucket, 1, 1, 1), 0);
	for (i = 0; i < n; i++) {
		random_name(i, r.name);
		ids[i].id = mxg_rule_key_id(&r);
		ids[i].n = i;
	}
	qsort(ids, n, sizeof(*ids), cmp_id);
	for (i = 1; i < n && !found; i++) {
		if (ids[i].id == ids[i - 1].id) {
			a = ids[i - 1].n < ids[i].n ? ids[i - 1].n : ids[i].n;
			b = ids[i - 1].n < ids[i].n ? ids[i].n : ids[i - 1].n;
			found = 1;
		}
	}
	free(ids);
	assert_true(found);
	random_name(a, na);
	random_name(b, nb);
	snprintf(r.name, sizeof(r.name), "%s", na);
	snprintf(text, sizeof(text),
		 "{\"version\":1,\"rules\":[\n"
		 "{\"name\":\"%s\",\"limit\":{\"rate\":1,\"burst\":1}},\n"
		 "{\"name\":\"%s\",\"limit\":{\"rate\":1,\"burst\":1}}]}",
		 na, nb);
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_buffer("policy.json", text,
						   strlen(text), NULL, &image,
						   &diag),
			 -EINVAL);
	assert_int_equal(diag.count, 1);
	snprintf(
		want, sizeof(want),
		"policy.json:3:9: rules[1].name: rule key id 0x%08x collides with rules[0] (\"%s\"); rename one of them, or their buckets would be shared",
		mxg_rule_key_id(&r), na);
	assert_string_equal(diag.lines[0], want);
	mxg_diag_free(&diag);
}

/* Unreadable and oversize policy files, through the file API. */
static void policy_file_errors(void **state)
{
	struct mxg_policy_header *image;
	struct mxg_diag diag;

	(void)state;
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file("tests/policy/none.json",
						 &image, &diag),
			 -ENOENT);
	assert_null(image);
	assert_int_equal(diag.count, 1);
	assert_string_equal(
		diag.lines[0],
		"tests/policy/none.json:1:1: (root): cannot read the policy: No such file or directory");
	mxg_diag_free(&diag);
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file("tests/policy/a-directory",
						 &image, &diag),
			 -EISDIR);
	assert_int_equal(diag.count, 1);
	mxg_diag_free(&diag);
}

/* A file one byte over MXG_POLICY_FILE_MAX; a FIFO as the policy and as a
 * set file (refused, never waited on). */
static void policy_file_limits(void **state)
{
	char dir[] = "/tmp/mxg_policy_XXXXXX", path[128], set[128], text[256];
	struct mxg_policy_header *image;
	struct mxg_diag diag;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/big.json", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fseek(f, MXG_POLICY_FILE_MAX, SEEK_SET), 0);
	fputc(' ', f);
	fclose(f);
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file(path, &image, &diag), -EINVAL);
	assert_int_equal(diag.count, 1);
	assert_non_null(strstr(
		diag.lines[0],
		":1:1: (root): the policy is larger than 1048576 bytes"));
	mxg_diag_free(&diag);
	unlink(path);

	snprintf(path, sizeof(path), "%s/fifo.json", dir);
	assert_int_equal(mkfifo(path, 0600), 0);
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file(path, &image, &diag), -EINVAL);
	assert_non_null(strstr(diag.lines[0], "not a regular file"));
	mxg_diag_free(&diag);

	snprintf(set, sizeof(set), "%s/p.json", dir);
	snprintf(
		text, sizeof(text),
		"{\"version\":1,\"sets\":{\"f\":{\"file\":\"fifo.json\",\"format\":\"plain\"}},"
		"\"rules\":[{\"name\":\"r\",\"src\":\"@f\",\"action\":\"deny\"}]}");
	f = fopen(set, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file(set, &image, &diag), -EINVAL);
	assert_int_equal(diag.count, 1);
	assert_non_null(
		strstr(diag.lines[0], ":1:34: sets.f.file: set file \""));
	assert_non_null(strstr(diag.lines[0], "\" is not a regular file"));
	mxg_diag_free(&diag);
	unlink(set);
	unlink(path);
	rmdir(dir);
}

/* Write text to dir/name; returns the path in buf. */
static const char *write_file(const char *dir, const char *name,
			      const char *text, char *buf, size_t len)
{
	FILE *f;

	snprintf(buf, len, "%s/%s", dir, name);
	f = fopen(buf, "w");
	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
	return buf;
}

/* A set file of n lines "::" (the shortest CIDR: 3 bytes a line). */
static void write_prefix_lines(const char *path, size_t n)
{
	size_t len = 3 * n, i;
	char *buf = malloc(len);
	FILE *f;

	assert_non_null(buf);
	for (i = 0; i < n; i++)
		memcpy(buf + 3 * i, "::\n", 3);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	free(buf);
}

/*
 * The limits on set files: a file one byte over MXG_SET_FILE_MAX (sparse)
 * is refused before it is read; MXG_PREFIXES_MAX counts the prefixes of
 * all sets as given, and the one past it is reported at its file line.
 */
static void set_file_limits(void **state)
{
	char dir[] = "/tmp/mxg_sets_XXXXXX", big[128], many[128], pol[128];
	char want[512];
	struct mxg_policy_header *image;
	struct mxg_diag diag;
	int fd;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(big, sizeof(big), "%s/big.txt", dir);
	fd = open(big, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)MXG_SET_FILE_MAX + 1), 0);
	close(fd);
	write_file(
		dir, "p.json",
		"{\"version\":1,\"sets\":{\"f\":{\"file\":\"big.txt\",\"format\":\"plain\"}},\n"
		"\"rules\":[{\"name\":\"r\",\"src\":\"@f\",\"action\":\"deny\"}]}",
		pol, sizeof(pol));
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file(pol, &image, &diag), -EINVAL);
	assert_null(image);
	assert_int_equal(diag.count, 1);
	snprintf(
		want, sizeof(want),
		"%s:1:34: sets.f.file: set file \"%s\" is larger than 268435456 bytes",
		pol, big);
	assert_string_equal(diag.lines[0], want);
	mxg_diag_free(&diag);
	/* At the limit (MXG_SET_FILE_MAX) the file is read: its NULs are
	 * one bad line. */
	fd = open(big, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)MXG_SET_FILE_MAX), 0);
	close(fd);
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file(pol, &image, &diag), -EINVAL);
	assert_int_equal(diag.count, 1);
	snprintf(want, sizeof(want), "%s:1: sets.f: bad CIDR \"\\x00\\x00",
		 big);
	assert_memory_equal(diag.lines[0], want, strlen(want));
	assert_non_null(strstr(diag.lines[0], "...\": too long for a CIDR"));
	mxg_diag_free(&diag);
	unlink(big);

	/* Exactly MXG_PREFIXES_MAX prefixes, all in one file: accepted. */
	snprintf(many, sizeof(many), "%s/many.txt", dir);
	write_prefix_lines(many, MXG_PREFIXES_MAX);
	write_file(
		dir, "p.json",
		"{\"version\":1,\"sets\":{\"f\":{\"file\":\"many.txt\",\"format\":\"plain\"}},\n"
		"\"rules\":[{\"name\":\"r\",\"src\":\"@f\",\"action\":\"deny\"}]}",
		pol, sizeof(pol));
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file(pol, &image, &diag), 0);
	assert_int_equal(diag.count, 0);
	assert_int_equal(mxg_policy_sets(image)[0].n_prefixes,
			 MXG_PREFIXES_MAX);
	assert_int_equal(image->n_v6, 1); /* all "::", deduplicated */
	mxg_diag_free(&diag);
	free(image);
	/* One more, inline in an earlier set: the file's last line is the
	 * one past the limit. */
	write_file(
		dir, "p.json",
		"{\"version\":1,\"sets\":{\"a\":[\"192.0.2.0/24\"],\n"
		"\"f\":{\"file\":\"many.txt\",\"format\":\"plain\"}},\n"
		"\"rules\":[{\"name\":\"r\",\"src\":\"@f\",\"action\":\"deny\"}]}",
		pol, sizeof(pol));
	mxg_diag_init(&diag);
	assert_int_equal(mxg_policy_compile_file(pol, &image, &diag), -EINVAL);
	assert_null(image);
	assert_int_equal(diag.count, 1);
	snprintf(want, sizeof(want),
		 "%s:4194304: sets.f: more than 4194304 prefixes in all sets",
		 many);
	assert_string_equal(diag.lines[0], want);
	mxg_diag_free(&diag);
	unlink(many);
	unlink(pol);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * --dump DIR: write each row as DIR/bad-NNN-<schema>.json, and its
 * expected error lines as DIR/bad-NNN-<schema>.want. The rows' set files
 * are named relative to tests/policy/, so the schema test copies those
 * into DIR.
 */
static int dump_rows(const char *dir)
{
	static const char *const says[] = { "", "rejects", "accepts", "na" };
	char path[4096];
	size_t i, k;

	mkdir(dir, 0755);
	for (i = 0; i < N_ROWS; i++) {
		char *t = row_text(&rows[i]);
		FILE *f;

		snprintf(path, sizeof(path), "%s/bad-%03zu-%s.json", dir, i,
			 says[rows[i].schema]);
		f = fopen(path, "w");
		if (!f) {
			free(t);
			return 1;
		}
		fputs(t, f);
		fclose(f);
		free(t);
		snprintf(path, sizeof(path), "%s/bad-%03zu-%s.want", dir, i,
			 says[rows[i].schema]);
		f = fopen(path, "w");
		if (!f)
			return 1;
		for (k = 0; k < BAD_WANT_MAX && rows[i].want[k]; k++)
			fprintf(f, "%s\n", rows[i].want[k]);
		if (fclose(f))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct CMUnitTest *tests;
	size_t i, n = N_ROWS + 8;
	int rc;

	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump_rows(argv[2]);
	tests = calloc(n, sizeof(*tests));
	if (!tests)
		return 1;
	for (i = 0; i < N_ROWS; i++) {
		tests[i].name = rows[i].desc;
		tests[i].test_func = check_row;
		tests[i].initial_state = (void *)&rows[i];
	}
	tests[i].name = "policy over the size limit";
	tests[i++].test_func = oversize_policy;
	tests[i].name = "errors over MXG_DIAG_MAX are counted";
	tests[i++].test_func = error_cap;
	tests[i].name = "140,000 errors on one line";
	tests[i++].test_func = many_errors_one_line;
	tests[i].name = "rule key id collision";
	tests[i++].test_func = key_id_collision;
	tests[i].name = "unreadable policy files";
	tests[i++].test_func = policy_file_errors;
	tests[i].name = "oversize policy file, FIFOs";
	tests[i++].test_func = policy_file_limits;
	tests[i].name = "oversize set file, prefixes over MXG_PREFIXES_MAX";
	tests[i++].test_func = set_file_limits;
	n = i;
	rc = _cmocka_run_group_tests("bad policies", tests, n, NULL, NULL);
	free(tests);
	return rc;
}
