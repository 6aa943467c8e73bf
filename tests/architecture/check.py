#!/usr/bin/python3
"""The house's rules, checked on the source tree (docs/design.md §2, §7):

- each room of agent/ includes only the rooms below it, and inventory/,
  drivers/ and encoding/ nothing of what sits above them;
- no file includes itself through others (no include cycle);
- only the jobs' StatusWriter writes a request's status in the agent;
- code, help texts, examples and docs cite docs/design.md, not a document
  outside the repository.

Run by CTest (tests/CMakeLists.txt) as: check.py SOURCE_DIR
Prints every violation, one per line, and exits 1 when there is any.
"""

import os
import re
import sys

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)

# What each room may include, besides itself: the arrows of design.md §2.
ROOMS = {
    "core": {"core"},
    "engine": {"engine", "core"},
    "jobs": {"jobs", "engine", "core"},
    "ui": {"ui", "core"},
    "http": {"http", "jobs", "engine", "ui", "core"},
    "cli": {"cli", "http", "jobs", "engine", "ui", "core"},
}
# The libraries under the agent: which of colo/<lib>/ each may include.
LIBRARIES = {
    "encoding": {"encoding"},
    "inventory": {"inventory", "encoding"},
    "drivers": {"drivers", "encoding"},
}


def sources(top):
    for base, _, files in os.walk(os.path.join(ROOT, top)):
        for f in files:
            if f.endswith((".h", ".cpp", ".in")):
                yield os.path.join(base, f)


def text_files():
    """Every file of the tree but build output, local state and this check."""
    skip = {".git", "var", "node_modules", "__pycache__"}
    for base, dirs, files in os.walk(ROOT):
        dirs[:] = [d for d in dirs if d not in skip and not d.startswith("build")]
        for f in files:
            path = os.path.join(base, f)
            if os.path.abspath(path) != os.path.abspath(__file__) and not f.endswith(".png"):
                yield path


def rel(path):
    return os.path.relpath(path, ROOT)


def main():
    problems = []
    graph = {}  # agent file -> agent files it includes
    for path in sources("agent"):
        parts = rel(path).split(os.sep)
        room = parts[1] if len(parts) > 2 else None  # agent/main.cpp has no room
        text = open(path, encoding="utf-8").read()
        graph[rel(path)] = []
        for inc in INCLUDE.findall(text):
            first = inc.split("/")[0]
            if first in ROOMS:
                graph[rel(path)].append(os.path.join("agent", inc))
                if room and first not in ROOMS[room]:
                    problems.append("%s: agent/%s/ may not include %s (the arrows point the "
                                    "other way: design.md §2)" % (rel(path), room, inc))
    for lib, allowed in LIBRARIES.items():
        for path in sources(lib):
            for inc in INCLUDE.findall(open(path, encoding="utf-8").read()):
                m = re.match(r"colo/([a-z_]+)/", inc)
                if (m and m.group(1) not in allowed) or inc.split("/")[0] in ROOMS:
                    problems.append("%s: %s/ may not include %s (design.md §2)" % (rel(path), lib, inc))

    # Include cycles among the agent's files.
    state = {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in graph.get(node, []):
            if state.get(nxt) == "open":
                problems.append("include cycle: " + " -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                visit(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            visit(node, [])

    # One writer of statuses.
    writer = os.path.join("agent", "jobs", "status_writer.cpp")
    status_write = re.compile(r"requests\(\)\s*\.\s*(transition|insert)\s*\(")
    for path in sources("agent"):
        if rel(path) == writer:
            continue
        text = open(path, encoding="utf-8").read()
        for m in status_write.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            problems.append("%s:%d: writes a request's status; only %s does (design.md §7)"
                            % (rel(path), line, writer))

    # Citations stay inside the repository.
    for path in text_files():
        if "SPEC §" in open(path, encoding="utf-8", errors="replace").read():
            problems.append("%s: cites 'SPEC §', a document outside the repository; cite "
                            "docs/design.md" % rel(path))

    for p in problems:
        print(p)
    if problems:
        print("%d problem(s)" % len(problems))
        return 1
    print("the house holds: %d agent files, rooms and arrows as design.md §2 says" % len(graph))
    return 0


if __name__ == "__main__":
    sys.exit(main())
