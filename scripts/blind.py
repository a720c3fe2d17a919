#!/usr/bin/env python3
"""Scores the scanner on bench/blind-multifile: projects written for this measurement by someone who had not read
the rules or fixtures, labelled in LABELS.tsv (a `yes` row must be reported there, a `no` row must not).

    cargo build --release && python3 scripts/blind.py [--verbose]

Each project is scanned as a whole, then with --single-file. A finding matches a label of the same file and rule
whose line is the nearest within 8 lines (findings point at a property, labels at the call that creates the
server or client). Findings no label matches are listed with --verbose: most are the same mistake reported where
the options are defined rather than where they are used.
"""
import csv, json, os, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "target", "release", "mcp-tls-audit")
CORPUS = os.path.join(ROOT, "bench", "blind-multifile")
TOLERANCE = 8


def scan(project, extra):
    out = subprocess.run([BIN, "scan", project, "--no-config", "--format", "json", "--now", "2026-11-26", *extra],
                         capture_output=True, text=True, cwd=CORPUS)
    return [(f["path"][len(project) + 1:], f["start"]["line"], f["rule"]) for f in json.loads(out.stdout)["findings"]]


def main():
    verbose = "--verbose" in sys.argv
    with open(os.path.join(CORPUS, "LABELS.tsv")) as f:
        labels = list(csv.DictReader(f, delimiter="\t"))
    for mode in ([], ["--single-file"]):
        hits = misses = alarms = 0
        notes = []
        for project in sorted({l["project"] for l in labels}):
            found = scan(project, mode)
            mine = [l for l in labels if l["project"] == project]
            used = set()
            for i, (path, line, rule) in enumerate(found):
                near = [l for l in mine if l["path"] == path and l["rule"] == rule
                        and abs(int(l["line"]) - line) <= TOLERANCE]
                if near:
                    used.add(id(min(near, key=lambda l: abs(int(l["line"]) - line))))
                else:
                    notes.append(f"  unlabelled {project}/{path}:{line} {rule}")
            for l in mine:
                where = f"{project}/{l['path']}:{l['line']} {l['rule']}"
                if l["expect"] == "yes" and id(l) in used:
                    hits += 1
                elif l["expect"] == "yes":
                    misses += 1
                    notes.append(f"  missed     {where}")
                elif id(l) in used:
                    alarms += 1
                    notes.append(f"  false      {where}")
        name = " ".join(mode) or "across modules"
        print(f"{name}: {hits}/{hits + misses} expected findings at their line, {alarms} look-alikes reported")
        if verbose:
            print("\n".join(notes))


main()
