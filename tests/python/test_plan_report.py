"""The plan's report as a reader sees it: every section, units in the headers, money with
thousands separators, no NaN, an infeasible plan headed INFEASIBLE without totals, and the
HTML in a real headless browser (Debian's chromium, when installed): no horizontal overflow
at 1280 px, every image loaded, no console errors.

Oracles: the section list and the formats are the report's documented contract; the
browser measures the page itself (document width against the window, each image's
natural size, the console log)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from scalemodel.cli import main
from scalemodel.plan import plan_file

EXAMPLES = Path(__file__).parents[2] / "examples"
SECTIONS = (
    "Traffic, data and cost",
    "Tiers in year 1: sizes",
    "Tiers in year 1: latency and headroom at peak",
    "Year by year",
    "Cost by item",
    "Availability",
    "Availability per tier",
    "Sensitivity (one input changed at a time)",
    "Inputs and assumptions",
    "Definitions",
    "Plots",
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("twitter")
    code = main(
        [
            "plan",
            str(EXAMPLES / "twitter.toml"),
            "--out",
            str(out),
            "--sensitivity",
            "traffic,cpu_time,hit_ratio",
        ]
    )
    assert code == 0
    return out


def test_every_section_is_in_both_reports(report: Path) -> None:
    md, html = (report / "report.md").read_text(), (report / "report.html").read_text()
    for title in SECTIONS:
        assert f"## {title}\n" in md, title
        assert f"<h2>{title}</h2>" in html.replace("&#x27;", "'"), title
    for term in ("headroom", "limited by", "nodes for peak, spares, nodes to run", "availability"):
        assert f"**{term}**" in md
    # the sensitivity table has every input and both directions
    for row in ("traffic -20%", "traffic +20%", "cpu_time -20%", "hit_ratio +20%"):
        assert row in md


def test_headers_carry_units_and_money_has_separators(report: Path) -> None:
    md = (report / "report.md").read_text()
    for header in (
        "USD per month (spares incl.)",
        "p99 at peak (ms)",
        "p99 target (ms)",
        "headroom (x peak)",
        "peak (req/s)",
        "bill (USD per month)",
        "database data, replicated (TB)",
    ):
        assert header in md, header
    assert "requests/s" in md and "cache reads/s" in md and "writes/s" in md and "reads/s" in md
    plan = plan_file(EXAMPLES / "twitter.toml")
    assert f"${plan.usd_per_month:,.0f}" in md
    assert not re.search(r"\d\.\d+e[+-]\d", md), "a number in exponent notation"


def test_no_nan_or_none_in_the_html(report: Path) -> None:
    cells = re.findall(r"<td>(.*?)</td>", (report / "report.html").read_text())
    assert cells
    for cell in cells:
        assert cell.strip().lower() not in {"nan", "none", "inf", "<na>"}, cell


def test_inputs_say_where_each_value_came_from(report: Path) -> None:
    md = (report / "report.md").read_text()
    assert "| app.cpu_time | 20 | ms | scenario |" in md
    assert "| app.max_utilization | 0.8 | fraction | default |" in md
    assert "| reliability.node_availability | 0.999 | fraction | default |" in md


def test_infeasible_report_has_no_totals(tmp_path: Path) -> None:
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        (EXAMPLES / "startup.toml").read_text().replace('slo_p99 = "400 ms"', 'slo_p99 = "100 ms"')
    )
    assert main(["plan", str(scenario), "--out", str(tmp_path / "out")]) == 1
    md = (tmp_path / "out" / "report.md").read_text()
    assert md.startswith("# Capacity plan: startup (INFEASIBLE)")
    assert "## Why it is infeasible" in md and "184 ms" in md
    assert "| total | - (infeasible) |" in md
    assert (
        "$"
        not in md.split("## Cost by item")[1].split("## Availability")[0].split("| total |")[1].split("\n")[0]
    )


def test_json_output_for_scripts(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plan", str(EXAMPLES / "startup.toml"), "--out", str(tmp_path), "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    plan = plan_file(EXAMPLES / "startup.toml")
    assert data["feasible"] is True
    assert data["usd_per_month"] == pytest.approx(plan.usd_per_month)
    assert [t["nodes"] for t in data["tiers"]] == [t.nodes for t in plan.tiers]
    assert len(data["years"]) == 3


def test_set_overrides_a_value(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--set app.cpu_time=80ms plans what plan_file with that override plans (more app
    servers than the file's 40 ms); a bare number is refused (exit 2, the key named)."""
    args = ["plan", str(EXAMPLES / "startup.toml"), "--out", str(tmp_path), "--format", "json"]
    assert main([*args, "--set", "app.cpu_time=80ms", "--sensitivity", "0"]) == 0
    slow = json.loads(capsys.readouterr().out)
    expected = plan_file(EXAMPLES / "startup.toml", overrides={"app.cpu_time": "80 ms"})
    assert slow["tiers"][0]["service"]["mean_s"] == pytest.approx(0.080)
    assert (
        slow["tiers"][0]["count"]
        == expected.tiers[0].count
        > plan_file(EXAMPLES / "startup.toml").tiers[0].count
    )
    assert main([*args, "--set", "app.cpu_time=80"]) == 2
    assert "app.cpu_time needs a unit" in capsys.readouterr().err


PROBE = """<script>
window.addEventListener('load', () => {
  const imgs = Array.from(document.images);
  const r = {overflow: document.documentElement.scrollWidth - window.innerWidth, width: window.innerWidth,
             images: imgs.length, broken: imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.getAttribute('src'))};
  const pre = document.createElement('pre'); pre.id = 'probe'; pre.textContent = JSON.stringify(r);
  document.body.appendChild(pre);
});
</script></body>"""


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed")
def test_report_in_a_headless_browser(report: Path, tmp_path: Path) -> None:
    """The page at 1280 px: nothing wider than the window, every plot loaded, no console error.
    A copy of the report gets a probe script that writes its measurements into the DOM."""
    for f in report.iterdir():
        shutil.copy(f, tmp_path / f.name)
    page = tmp_path / "report.html"
    page.write_text(page.read_text().replace("</body>", PROBE))
    run = subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--window-size=1280,2000",
            "--virtual-time-budget=5000",
            "--enable-logging=stderr",
            "--v=0",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    found = re.search(r'<pre id="probe">(.*?)</pre>', run.stdout)
    assert found, run.stderr[-2000:]
    probe = json.loads(found.group(1).replace("&quot;", '"'))
    assert probe["width"] == 1280
    assert probe["overflow"] <= 0, probe
    assert probe["images"] == 5 and probe["broken"] == [], probe
    console = [line for line in run.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console


def test_examples_ship_in_the_package_and_the_cli_copies_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bundled scenarios live inside the package (scalemodel/data/examples; the repository's
    examples/ points there), so sm.plan.example_path works from any folder; `scalemodel
    examples` lists them and copies them without overwriting."""
    import scalemodel

    found = scalemodel.plan.examples()
    assert set(found) == {"startup", "twitter", "instagram"}
    package = Path(scalemodel.__file__).parent
    assert all(p.parent == package / "data" / "examples" for p in found.values())
    assert (EXAMPLES / "twitter.toml").read_bytes() == found["twitter"].read_bytes()
    assert plan_file(scalemodel.plan.example_path("startup")).feasible
    with pytest.raises(ValueError, match="no bundled example 'nope'"):
        scalemodel.plan.example_path("nope")
    assert main(["examples"]) == 0
    listed = capsys.readouterr().out
    assert all(name in listed for name in found)
    assert main(["examples", "startup", "--to", str(tmp_path)]) == 0
    assert (tmp_path / "startup.toml").read_text() == found["startup"].read_text()
    assert main(["examples", "startup", "--to", str(tmp_path)]) == 2
    assert "not overwriting" in capsys.readouterr().err
