"""Times two builds of scalemodel against each other with the same benchmark scripts.

    python benchmarks/compare_versions.py --before /path/to/old/python --after python \
        benchmarks/bench_sim.py benchmarks/bench_cache.py --rounds 3

Each round runs every script once per build, alternating (before, after, before, ...), so
drift of this shared machine hits both alike. ``--before installed`` uses the scalemodel
installed in the environment instead of a source tree. Every line a script prints as
``name: ours X/s, peer Y/s, Zx`` becomes a row: the median of ours over the rounds for each
build, and after / before (1.0 = no change). The peer's rate is printed too, as a check
that the machine's speed held between builds.
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


def run(script: str, path: str) -> dict[str, tuple[float, float]]:
    env = dict(os.environ)
    if path != "installed":
        env["PYTHONPATH"] = os.path.abspath(path)
    else:
        env.pop("PYTHONPATH", None)
    out = subprocess.run(
        [sys.executable, os.path.abspath(script)],
        env=env,
        capture_output=True,
        text=True,
        cwd="/",
        check=True,
    ).stdout
    rows = {}
    for line in out.splitlines():
        m = LINE.match(line.strip())
        if m:
            rows[m["name"]] = (float(m["ours"].replace(",", "")), float(m["peer"].replace(",", "")))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("scripts", nargs="+")
    parser.add_argument("--before", required=True, help="source tree's python/ folder, or 'installed'")
    parser.add_argument("--after", required=True, help="source tree's python/ folder, or 'installed'")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    for script in args.scripts:
        seen: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(lambda: defaultdict(list))
        for _ in range(args.rounds):
            for label, path in (("before", args.before), ("after", args.after)):
                for name, rates in run(script, path).items():
                    seen[name][label].append(rates)
        print(f"{os.path.basename(script)} ({args.rounds} alternating rounds, medians):")
        for name, by in seen.items():
            b = statistics.median(r[0] for r in by["before"])
            a = statistics.median(r[0] for r in by["after"])
            pb = statistics.median(r[1] for r in by["before"])
            pa = statistics.median(r[1] for r in by["after"])
            print(
                f"  {name}: before {b:,.0f}/s, after {a:,.0f}/s, {a / b:.2f}x (peer {pb:,.0f}/s and {pa:,.0f}/s)"
            )


if __name__ == "__main__":
    main()
