#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
"""Checks that every #include "..." follows the module graph.

The modules (libraries and programs) and their DEPS come from the
fragments (make writes them to build/modules.txt). A source file may
include headers of its own folder, of include/mxgate/, of generated
skeletons (build/gen/*.skel.h) and of the folders of the libraries its
module depends on; nothing else. Headers in include/mxgate/ include only
each other. Libraries depend only on libraries, and without a cycle.
Exit 1 with one line per violation.
"""
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main(modules_txt):
    mods = {}
    for line in open(modules_txt):
        name, kind, d, deps, srcs = line.rstrip("\n").split("|")
        mods[name] = dict(kind=kind, dir=d, deps=deps.split(),
                          srcs=srcs.split())
    errors = []
    libs = {n for n, m in mods.items() if m["kind"] == "lib"}
    dir_of = {n: m["dir"] for n, m in mods.items()}
    for n, m in mods.items():
        for d in m["deps"]:
            if d not in mods:
                errors.append(f"{n}: depends on unknown module {d}")
            elif d not in libs:
                errors.append(f"{n}: depends on {d}, which is a program")
    # No cycle among libraries.
    state = {}

    def visit(n, path):
        if state.get(n) == 1:
            errors.append("dependency cycle: " + " -> ".join(path + [n]))
            return
        if state.get(n) == 2:
            return
        state[n] = 1
        for d in mods[n]["deps"]:
            if d in mods:
                visit(d, path + [n])
        state[n] = 2

    for n in mods:
        visit(n, [])

    # Which folders each file may include from.
    allowed = {}
    module_dirs = {m["dir"] for m in mods.values()}
    for d in module_dirs:
        # A header belongs to every module of its folder.
        ok = {d}
        for m in mods.values():
            if m["dir"] == d:
                ok |= {dir_of[x] for x in m["deps"] if x in dir_of}
        allowed[("hdr", d)] = ok
    for n, m in mods.items():
        for s in m["srcs"]:
            allowed[("src", s)] = {os.path.dirname(s), m["dir"]} | {
                dir_of[x] for x in m["deps"] if x in dir_of}

    def check(path, ok):
        text = open(path, encoding="utf-8", errors="replace").read()
        for inc in INCLUDE.findall(text):
            if inc.endswith(".skel.h"):
                continue
            if inc.startswith("mxgate/"):
                if not os.path.exists(os.path.join("include", inc)):
                    errors.append(f"{path}: includes missing {inc}")
                continue
            target = os.path.normpath(
                os.path.join(os.path.dirname(path), inc))
            if not os.path.exists(target):
                hits = [d for d in sorted(module_dirs)
                        if os.path.exists(os.path.join(d, inc))]
                if not hits:
                    errors.append(f"{path}: includes {inc}, found nowhere")
                    continue
                target = os.path.join(hits[0], inc)
            tdir = os.path.dirname(target)
            if tdir not in ok:
                errors.append(f"{path}: includes {inc} from {tdir}/, "
                              "which its module does not depend on")

    for n, m in mods.items():
        for s in m["srcs"]:
            if s.endswith(".c"):
                check(s, allowed[("src", s)])
    for d in module_dirs:
        for f in sorted(os.listdir(d)):
            if f.endswith(".h"):
                check(os.path.join(d, f), allowed[("hdr", d)])
    for f in sorted(os.listdir("include/mxgate")):
        p = os.path.join("include/mxgate", f)
        for inc in INCLUDE.findall(open(p).read()):
            if "/" in inc or not os.path.exists(
                    os.path.join("include/mxgate", inc)):
                errors.append(f"{p}: includes {inc}; include/mxgate/ "
                              "headers include only each other")
    for e in errors:
        print("include-check:", e)
    if errors:
        return 1
    n_src = sum(len(m["srcs"]) for m in mods.values())
    print(f"include-check: {len(mods)} modules, {n_src} sources, "
          "every include follows the module graph")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
