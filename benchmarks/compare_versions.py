"""Times two versions of scalemodel against each other with their own benchmark scripts.

    python benchmarks/compare_versions.py --before /tmp/old-checkout --before-package installed \
        --after . bench_sim.py bench_cache.py --rounds 3

Each version is a source checkout: its ``benchmarks/<script>`` runs with its ``python/``
folder first on the path (a build linked there), or with the scalemodel installed in the
environment (``--before-package installed``). Each round runs every script once per
version, alternating, so drift of this shared machine hits both alike. Every line a script
prints as ``name: ours X/s, peer Y/s, Zx`` becomes a row: the median of ours over the rounds
for each version and after / before (1.00 = no change), with the peer's medians as a check
that the machine's speed held.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from collections import defaultdict

LINE = re.compile(r"^(?P<name>.+?): ours (?P<ours>[\d,.]+)/s, peer (?P<peer>[\d,.]+)/s")


def run(tree: str, package: str, script: str) -> dict[str, tuple[float, float]]:
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    if package != "installed":
        env["PYTHONPATH"] = os.path.join(os.path.abspath(tree), "python")
    path = os.path.join(os.path.abspath(tree), "benchmarks", script)
    # A script exits 1 when it misses its own speed targets (likely on a busy machine); its
    # timings still count. Only a script that printed no comparison line failed.
    done = subprocess.run([sys.executable, path], env=env, capture_output=True, text=True, cwd="/")
    rows = {}
    for line in done.stdout.splitlines():
        m = LINE.match(line.strip())
        if m:
            rows[m["name"]] = (float(m["ours"].replace(",", "")), float(m["peer"].replace(",", "")))
    if not rows:
        raise RuntimeError(f"{path} printed no comparison line (exit {done.returncode}):\n{done.stderr}")
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scripts", nargs="+", help="file names in each tree's benchmarks/")
    parser.add_argument("--before", required=True, help="source checkout of the old version")
    parser.add_argument("--after", required=True, help="source checkout of the new version")
    parser.add_argument("--before-package", default="tree", choices=["tree", "installed"])
    parser.add_argument("--after-package", default="tree", choices=["tree", "installed"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    versions = (("before", args.before, args.before_package), ("after", args.after, args.after_package))
    for script in args.scripts:
        seen: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
        for _ in range(args.rounds):
            for label, tree, package in versions:
                for name, rates in run(tree, package, script).items():
                    seen[name][label].append(rates)
        print(f"{script} ({args.rounds} alternating rounds, medians):")
        for name, by in seen.items():
            if not (by["before"] and by["after"]):
                continue
            b, a = (statistics.median(r[0] for r in by[k]) for k in ("before", "after"))
            pb, pa = (statistics.median(r[1] for r in by[k]) for k in ("before", "after"))
            print(
                f"  {name}: before {b:,.0f}/s, after {a:,.0f}/s, {a / b:.2f}x (peer {pb:,.0f}/s, {pa:,.0f}/s)"
            )


if __name__ == "__main__":
    main()
