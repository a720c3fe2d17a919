#!/usr/bin/env python3
"""Times mcp-tls-audit against ast-grep and semgrep, and compares their hits on five checks.

Run through scripts/bench.sh, which sets up BENCH_DIR first. Standard library only.
Writes BENCH_DIR/results.json and prints a Markdown table for the README.
"""

import argparse
import hashlib
import json
import os
import re
import shutil
import stat
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES = REPO / "bench" / "rules"
JS_EXTS = {".js", ".mjs", ".cjs", ".jsx", ".ts", ".tsx", ".mts", ".cts"}
SOURCE_EXTS = JS_EXTS | {".rs"}
CHECKS = [
    "reject-unauthorized-false",
    "node-tls-reject-unauthorized-0",
    "request-cert-without-ca",
    "noop-check-server-identity",
    "danger-accept-invalid-certs",
]
# Our rule id and the file's language -> the check it answers (other findings are not compared).
OUR_CHECKS = {
    ("tls-verify-disabled", "js"): "reject-unauthorized-false",
    ("env-tls-verify-disabled", "js"): "node-tls-reject-unauthorized-0",
    ("ca-not-pinned", "js"): "request-cert-without-ca",
    ("hostname-verification-disabled", "js"): "noop-check-server-identity",
    ("tls-verify-disabled", "rs"): "danger-accept-invalid-certs",
}
# Certificate findings depend on the date (an expired certificate's message counts the days): a
# fixed --now keeps reports of runs made at different times, and on different days, byte-identical.
NOW = "2026-11-26"
OUR_MAX_FILE_SIZE = 4 * 1024 * 1024  # ours' default --max-file-size; semgrep is given the same
SG_NO_IGNORE = [a for kind in ("hidden", "dot", "exclude", "global", "parent", "vcs") for a in ("--no-ignore", kind)]
SEMGREP_ENV = {"SEMGREP_ENABLE_VERSION_CHECK": "0", "SEMGREP_SEND_METRICS": "off"}


# ---------------------------------------------------------------- measuring


def measure(cmd, cwd, log, env=None, ok=(0,)):
    """Runs cmd = (argv, stdout file or None) once; returns wall time, and user+sys CPU time and
    peak RSS of the child and its waited-for children."""
    argv, stdout = [str(a) for a in cmd[0]], cmd[1]
    with open(log, "wb") as err, open(stdout or os.devnull, "wb") as sink:
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd, stdout=sink, stderr=err, env={**os.environ, **(env or {})})
        # wait4, not proc.wait: it also returns the child's rusage (semgrep's includes semgrep-core's).
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
    proc.returncode = code = os.waitstatus_to_exitcode(status)
    if code not in ok:
        sys.exit(f"error: {shown(cmd)} exited with {code}; see {log}")
    return {"wall_s": wall, "cpu_s": usage.ru_utime + usage.ru_stime, "peak_rss_mb": usage.ru_maxrss / 1024}


def busy_cpu_s():
    """CPU seconds the whole machine has been busy since boot (Linux /proc/stat)."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except OSError:
        return 0.0
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def repeat(name, cmd, cwd, runs, logs, **kw):
    """Runs a command several times; the median of each measure is taken on its own."""
    samples = []
    for i in range(runs):
        busy = busy_cpu_s()
        s = measure(cmd, cwd, logs / f"{name}.{i}.log", **kw)
        # Other work on the machine skews the times: keep how much CPU it took meanwhile.
        s["others_cpu_s"] = max(0.0, busy_cpu_s() - busy - s["cpu_s"])
        print(
            f"  {name} run {i + 1}/{runs}: {s['wall_s']:.1f} s wall, {s['cpu_s']:.1f} s CPU, "
            f"{s['peak_rss_mb']:.0f} MB peak RSS; other processes: {s['others_cpu_s']:.1f} s CPU"
        )
        samples.append(s)
    median = {k: statistics.median(s[k] for s in samples) for k in samples[0]}
    return {"runs": samples, "median": median}


# ---------------------------------------------------------------- corpus


def regular_files(root):
    """Sorted relative paths and sizes of the regular files under root (symlinks are not followed)."""
    out = []
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = os.path.join(dirpath, n)
            st = os.lstat(p)
            if stat.S_ISREG(st.st_mode):
                out.append((os.path.relpath(p, root), st.st_size))
    return sorted(out)


def stats(files):
    """Totals and JS/TS/Rust counts per extension (MB = 10^6 bytes)."""
    by_ext = defaultdict(lambda: [0, 0])
    for path, size in files:
        ext = os.path.splitext(path)[1]
        if ext in SOURCE_EXTS:
            by_ext[ext][0] += 1
            by_ext[ext][1] += size
    src = [f for f in files if os.path.splitext(f[0])[1] in SOURCE_EXTS]
    return {
        "files": len(files),
        "mb": sum(s for _, s in files) / 1e6,
        "source_files": len(src),
        "source_mb": sum(s for _, s in src) / 1e6,
        "by_ext": {e: {"files": n, "mb": b / 1e6} for e, (n, b) in sorted(by_ext.items())},
    }


def subset(bench, corpus, files, every):
    """Hardlinks every `every`-th file of the sorted list into BENCH_DIR/subset-NN (kept when unchanged)."""
    picked = files[::every]
    dest = bench / f"subset-{100 // every}"
    key = hashlib.sha256("".join(f"{p}\t{s}\n" for p, s in picked).encode()).hexdigest()
    stamp = bench / "stamps" / dest.name
    if stamp.exists() and stamp.read_text() == key and dest.is_dir():
        return dest, picked
    shutil.rmtree(dest, ignore_errors=True)
    for path, _ in picked:
        (dest / path).parent.mkdir(parents=True, exist_ok=True)
        os.link(corpus / path, dest / path)
    stamp.parent.mkdir(exist_ok=True)
    stamp.write_text(key)
    return dest, picked


# ---------------------------------------------------------------- hits


def lang(path):
    ext = os.path.splitext(path)[1]
    return "rs" if ext == ".rs" else "js" if ext in JS_EXTS else None


def rel(cwd, path, root):
    return os.path.relpath(os.path.join(cwd, path), root)


def ours_hits(report, cwd, root):
    """(check, path, line, line) for each of our findings that answers one of the checks."""
    hits = set()
    for f in json.loads(Path(report).read_text())["findings"]:
        loc = f.get("location", f)  # `location` is the newer report shape
        check = OUR_CHECKS.get((f["rule"], lang(loc["path"])))
        if check:
            line = loc["start"]["line"]
            hits.add((check, rel(cwd, loc["path"], root), line, line))
    return hits


def check_of(rule_id):
    """Peer rule ids carry a language suffix (ast-grep) or a config prefix (semgrep)."""
    return next((c for c in CHECKS if c in rule_id), None)


def ast_grep_hits(stream, cwd, root):
    hits = set()
    for line in Path(stream).read_text().splitlines():
        m = json.loads(line)
        check = check_of(m["ruleId"])  # also skips ast-grep's own unused-suppression notes
        if check:
            r = m["range"]  # 0-based lines
            hits.add((check, rel(cwd, m["file"], root), r["start"]["line"] + 1, r["end"]["line"] + 1))
    return hits


def semgrep_hits(report, cwd, root):
    data = json.loads(Path(report).read_text())
    hits = {
        (check_of(r["check_id"]), rel(cwd, r["path"], root), r["start"]["line"], r["end"]["line"])
        for r in data["results"]
    }
    return hits, len(data.get("errors", []))


def covered(hit, others):
    """Whether `others` has a hit of the same check and file on the lines of `hit` (tools anchor
    a match at different nodes: the object, the property, the start of a call chain)."""
    check, path, start, end = hit
    return any(c == check and p == path and s <= end and start <= e for c, p, s, e in others)


def compare(ours, peers):
    """Per check: counts per tool, peer hits we lack, and our hits no peer has."""
    table, missing = {}, {}
    for check in CHECKS:
        mine = {h for h in ours if h[0] == check}
        row = {"ours": len(mine)}
        for name, hits in peers.items():
            theirs = sorted(h for h in hits if h[0] == check)
            row[name] = len(theirs)
            lacking = [h for h in theirs if not covered(h, mine)]
            row[f"only-{name}"] = len(lacking)
            missing.setdefault(name, []).extend(lacking)
        row["only-ours"] = sum(1 for h in mine if not any(covered(h, hits) for hits in peers.values()))
        table[check] = row
    return table, missing


def source_line(root, path, line):
    try:
        with open(root / path, errors="replace") as f:
            for i, text in enumerate(f, 1):
                if i == line:
                    return text.strip()[:160]
    except OSError:
        pass
    return ""


# ---------------------------------------------------------------- peers' rules


def expected_hits(testdata):
    """The `expect: CHECK` markers of bench/rules/testdata, as (check, file, line)."""
    want = set()
    for f in sorted(testdata.iterdir()):
        for i, text in enumerate(f.read_text().splitlines(), 1):
            m = re.search(r"expect: (" + "|".join(CHECKS) + ")", text)
            if m:
                want.add((m.group(1), f.name, i))
    return want


def check_peer_rules(cmds, scratch):
    """Both peers must hit exactly the marked lines of the test snippets, or the comparison is moot."""
    testdata = RULES / "testdata"
    want = expected_hits(testdata)
    for name, (cmd, parse) in cmds.items():
        out = scratch / f"selftest-{name}.json"
        measure(cmd(testdata, out), testdata, scratch / f"selftest-{name}.log", env=SEMGREP_ENV)
        hit, extra = set(), []
        for c, p, s, e in parse(out, testdata, testdata):
            marked = {(c, p, line) for line in range(s, e + 1)} & want
            hit |= marked
            if not marked:
                extra.append((c, p, s))
        if hit != want or extra:
            sys.exit(f"error: {name}'s rules miss {sorted(want - hit)} and over-match {sorted(extra)}")
        print(f"  {name}: all {len(want)} marked lines hit, nothing else")


# ---------------------------------------------------------------- commands


def semgrep_jobs(semgrep):
    """semgrep's default --jobs on this machine, as its help prints it (bold text has backspaces)."""
    text = subprocess.run([semgrep, "scan", "--help"], capture_output=True, text=True, env={**os.environ, **SEMGREP_ENV}).stdout
    m = re.search(r"--jobs=VALUE \(absent=(\d+)\)", re.sub(r".\x08", "", text))
    return int(m.group(1)) if m else None


def version(cmd):
    out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, **SEMGREP_ENV}).stdout
    return out.strip().splitlines()[0] if out.strip() else "?"


def commands(args, bench):
    """Per tool: (target, report file) -> (argv, file for stdout or None)."""
    tools = bench / "tools"

    def ours(target, out, threads=None):
        argv = [args.tool_path, "scan", target, "--include-vendored", "--no-config", "--now", NOW, "--format", "json", "-o", out]
        return argv + (["--threads", threads] if threads else []), None

    def ast_grep(target, out):
        sg = tools / "npm" / "node_modules" / ".bin" / "ast-grep"
        return [sg, "scan", "-c", RULES / "ast-grep" / "sgconfig.yml", "--json=stream", *SG_NO_IGNORE, target], out

    def semgrep(target, out):
        # --x-ignore-semgrepignore-files also drops semgrep's built-in ignore list (node_modules,
        # tests, ...); --max-target-bytes is ours' --max-file-size, so both skip the same files.
        argv = [tools / "venv" / "bin" / "semgrep", "scan", "--metrics=off", "--config", RULES / "semgrep.yml", "--json", "-o", out]
        return argv + ["--no-git-ignore", "--x-ignore-semgrepignore-files", "--max-target-bytes", OUR_MAX_FILE_SIZE, "--timeout", "0", target], None

    return {"ours": ours, "ast-grep": ast_grep, "semgrep": semgrep}


def shown(cmd):
    """A command as a reader would type it."""
    argv, stdout = cmd
    return " ".join(map(str, argv)) + (f" > {stdout}" if stdout else "")


# ---------------------------------------------------------------- report


def fmt_mb(mb):
    return f"{mb:,.0f} MB"


def markdown(results):
    c, med = results["corpus"], {k: v["median"] for k, v in results["tools"].items()}
    lines = [
        f"Corpus: {c['files']:,} files, {fmt_mb(c['mb'])} ({c['source_files']:,} JS/TS/Rust files, {fmt_mb(c['source_mb'])}), "
        "pinned by bench/corpus/npm/package-lock.json and bench/corpus/cargo/Cargo.lock; "
        + ", ".join(results["versions"].values())
        + f"; {os.cpu_count()} cores; median of {results['runs']} runs (semgrep: {results['semgrep_runs']}).",
        "",
        "| tool | wall (median) | CPU (user+sys) | peak RSS | files/s | MB/s | ratio vs ours |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for name, m in med.items():
        ratio = m["wall_s"] / med["ours"]["wall_s"]
        lines.append(
            f"| {name} | {m['wall_s']:.1f} s | {m['cpu_s']:.1f} s | {m['peak_rss_mb']:.0f} MB | "
            f"{c['files'] / m['wall_s']:,.0f} | {c['mb'] / m['wall_s']:.1f} | {ratio:.2f}× |"
        )
    busy = ", ".join(f"{name} {m['others_cpu_s']:.0f} s" for name, m in med.items())
    lines += ["", f"CPU time other processes took during the runs (median): {busy}. Far from 0, the machine was busy and the times are skewed."]
    lines += ["", "Commands (run in BENCH_DIR):", ""] + [f"- {k}: `{v}`" for k, v in results["commands"].items()]
    return "\n".join(lines)


def print_hits(table, missing, root, sizes):
    peers = list(missing)
    cols = ["ours", *peers, *[f"only-{p}" for p in peers], "only-ours"]
    print("\n| check | " + " | ".join(cols) + " |\n| --- |" + " ---: |" * len(cols))
    for check, row in table.items():
        print(f"| {check} | " + " | ".join(str(row[c]) for c in cols) + " |")
    for name, hits in missing.items():
        print(f"\nHits of {name} that ours lacks ({len(hits)}, first 20):")
        for check, path, start, _ in hits[:20]:
            note = " [over ours' size limit]" if sizes.get(path, 0) > OUR_MAX_FILE_SIZE else ""
            print(f"  {check}  {path}:{start}{note}\n      {source_line(root, path, start)}")


# ---------------------------------------------------------------- main


def snapshot(tool, bench):
    """A private copy of our binary: a rebuild during the (long) run must not change what is timed."""
    copy = bench / "bin" / tool.name
    copy.parent.mkdir(exist_ok=True)
    shutil.copy2(tool, copy)
    return copy, hashlib.sha256(copy.read_bytes()).hexdigest()


def describe_corpus(corpus):
    files = regular_files(corpus)
    c = stats(files)
    print(f"corpus: {c['files']:,} files, {fmt_mb(c['mb'])}; JS/TS/Rust: {c['source_files']:,} files, {fmt_mb(c['source_mb'])}")
    print("  " + ", ".join(f"{e} {v['files']:,} ({fmt_mb(v['mb'])})" for e, v in c["by_ext"].items()))
    return files, c


def versions(args, bench, peers):
    tools = bench / "tools"
    v = {"mcp-tls-audit": version([args.tool_path, "--version"]), "ast-grep": version([tools / "npm/node_modules/.bin/ast-grep", "--version"])}
    if "semgrep" in peers:
        semgrep = tools / "venv/bin/semgrep"
        v["semgrep"] = f"semgrep {version([semgrep, '--version'])} (-j default: {semgrep_jobs(semgrep)})"
    return v


def time_tools(args, bench, cmds, peers, outputs, results):
    print(f"timing ({args.runs} runs each; semgrep {args.semgrep_runs}):")
    logs = bench / "logs"
    # Exit code 1 is ours' "there are findings".
    results["tools"]["ours"] = repeat("ours", cmds["ours"]("corpus", outputs["ours"]), bench, args.runs, logs, ok=(0, 1))
    check_determinism(bench, cmds, outputs["ours"], results)
    for name in peers:
        runs = args.semgrep_runs if name == "semgrep" else args.runs
        results["tools"][name] = repeat(name, cmds[name]("corpus", outputs[name]), bench, runs, logs, env=SEMGREP_ENV)
    results["commands"] = {k: shown(cmds[k]("corpus", outputs[k].relative_to(bench))) for k in results["tools"]}
    if "semgrep" in results["commands"]:
        env = " ".join(f"{k}={v}" for k, v in SEMGREP_ENV.items())
        results["commands"]["semgrep"] = f"{env} {results['commands']['semgrep']}"


def check_determinism(bench, cmds, report, results):
    """One worker thread must give the very same report as the default thread count."""
    single = bench / "out" / "ours-t1.json"
    measure(cmds["ours"]("corpus", single, threads=1), bench, bench / "logs" / "ours-t1.log", ok=(0, 1))
    same = single.read_bytes() == report.read_bytes()
    results["threads_1_identical"] = same
    print(f"ours --threads 1 vs default: {'IDENTICAL' if same else 'DIFFERENT'}")
    summary = json.loads(report.read_text())["summary"]
    results["ours_summary"] = summary
    parsed, scanned = summary.get("files_parsed"), summary["files_scanned"]
    print(f"ours: {scanned:,} files scanned, parsed fraction: " + (f"{parsed / scanned:.1%} ({parsed:,})" if parsed is not None else "n/a"))


def scaling(args, bench, cmds, files, results):
    """Ours on a quarter, a half and all of the corpus: seconds per MB should stay flat."""
    print("scaling (ours):")
    rows = []
    for every in (4, 2, 1):
        pct = 100 // every
        if every == 1:
            picked, m = files, results["tools"]["ours"]["median"]
        else:
            target, picked = subset(bench, bench / "corpus", files, every)
            cmd = cmds["ours"](target, bench / "out" / f"ours-{pct}.json")
            m = repeat(f"ours-{pct}", cmd, bench, args.runs, bench / "logs", ok=(0, 1))["median"]
        st = stats(picked)
        rows.append({"percent": pct, "files": len(picked), "mb": st["mb"], "source_mb": st["source_mb"], **m, "s_per_mb": m["wall_s"] / st["mb"]})
    # Per source MB too: the subsets need not hold the same share of JS/TS/Rust as the corpus.
    print("\n| corpus | files | MB | JS/TS/Rust MB | wall (median) | ms/MB | ms/source MB |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['percent']}% | {r['files']:,} | {r['mb']:,.0f} | {r['source_mb']:,.0f} | {r['wall_s']:.1f} s | "
            f"{1000 * r['s_per_mb']:.1f} | {1000 * r['wall_s'] / r['source_mb']:.1f} |"
        )
    results["scaling"] = rows


def compare_hits(bench, peers, outputs, files, results):
    corpus = bench / "corpus"
    ours = ours_hits(outputs["ours"], bench, corpus)
    peer_hits = {n: PARSERS[n](outputs[n], bench, corpus) for n in peers}
    if "semgrep" in peers:
        results["semgrep_errors"] = semgrep_hits(outputs["semgrep"], bench, corpus)[1]
    table, missing = compare(ours, peer_hits)
    print_hits(table, missing, corpus, dict(files))
    results["hits"] = table
    results["peer_only"] = {n: [dict(zip(("check", "path", "start", "end"), h)) for h in hs] for n, hs in missing.items()}
    results["ours_only"] = [
        dict(zip(("check", "path", "line"), h[:3])) for h in sorted(ours) if not any(covered(h, hs) for hs in peer_hits.values())
    ]


PARSERS = {"ast-grep": ast_grep_hits, "semgrep": lambda *a: semgrep_hits(*a)[0]}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--bench-dir", type=Path, default=Path(os.environ.get("BENCH_DIR", REPO / "target" / "bench")))
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--semgrep-runs", type=int, default=1, help="semgrep is slow: one run unless told")
    ap.add_argument("--skip-semgrep", action="store_true")
    ap.add_argument("--tool-path", type=Path, default=REPO / "target" / "release" / "mcp-tls-audit")
    args = ap.parse_args()
    if not args.tool_path.is_file():
        sys.exit(f"error: {args.tool_path} does not exist; build it or pass --tool-path")
    bench = args.bench_dir.resolve()
    for d in ("out", "logs"):
        (bench / d).mkdir(exist_ok=True)
    original = args.tool_path.resolve()
    args.tool_path, tool_sha256 = snapshot(original, bench)
    cmds = commands(args, bench)
    peers = ["ast-grep"] + ([] if args.skip_semgrep else ["semgrep"])
    outputs = {"ours": bench / "out/ours.json", "ast-grep": bench / "out/ast-grep.jsonl", "semgrep": bench / "out/semgrep.json"}

    files, corpus = describe_corpus(bench / "corpus")
    print("peer rules on bench/rules/testdata:")
    check_peer_rules({n: (cmds[n], PARSERS[n]) for n in peers}, bench / "out")
    results = {"corpus": corpus, "versions": versions(args, bench, peers), "ours_binary": str(original), "ours_sha256": tool_sha256}
    results |= {"runs": args.runs, "semgrep_runs": args.semgrep_runs, "tools": {}}
    time_tools(args, bench, cmds, peers, outputs, results)
    scaling(args, bench, cmds, files, results)
    compare_hits(bench, peers, outputs, files, results)

    print("\n" + markdown(results))
    (bench / "results.json").write_text(json.dumps(results, indent=2) + "\n")
    print(f"\nraw numbers: {bench / 'results.json'}")


if __name__ == "__main__":
    main()
