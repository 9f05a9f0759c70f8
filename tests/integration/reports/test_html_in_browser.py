"""The HTML reports in a real browser (Debian's headless Chromium) with networking disabled:
the page's script runs, draws the groups, opens them, finds what is searched, leaves no two
labels overlapping, logs no error, and fetches nothing.

The page reports what its script saw on <html>: data-labels, data-label-overlaps (visible
label boxes that intersect, measured by the browser), data-expanded-groups, data-matches.
Outside CI a missing `chromium` skips these tests (`make test` installs it); in CI they fail."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from ci_rules import missing
from html_tree import Element, group_members, parse
from report_samples import HOSTILE_ENDPOINT, hostile_analysis, many_routes_analysis

from analyzer.reports.as_html import render_html
from analyzer.usecases import AnalyzeOptions, analyze_project
from planner.as_html import render_html as render_plan_html
from planner.usecases import build_plan

ROOT = Path(__file__).resolve().parents[3]
OPTIONS = AnalyzeOptions(use_cache=False, show_progress=False)
# legacy_monolith's blueprints, one per business area (written by hand), the app's own
# routes (/healthz and the static files' module: `app`) and the modules no area claims
MONOLITH_GROUPS = {
    "accounts", "admin", "cart", "catalog", "inventory", "notifications", "orders", "payments",
    "promotions", "reviews", "shipping", "storefront", "app", "(shared)",
}  # fmt: skip
BROWSER_INITIATED = "not an origin"  # the net log's initiator of Chromium's own requests


@dataclass(frozen=True)
class Visit:
    dom: Element
    state: dict[str, str]  # <html>'s data-* attributes, set by the page's script
    page_requests: list[str]  # URLs the page asked for
    console: list[str]  # console messages: errors, refused loads


@pytest.fixture(scope="module")
def chromium() -> str:
    path = shutil.which("chromium")
    if path is None:
        missing("`chromium` is not installed (Debian: apt-get install chromium); `make test`")
    assert path is not None
    return path


def visit(chromium: str, page: Path, fragment: str = "") -> Visit:
    """Open `page` headless, with no network, and return the DOM once its scripts ran."""
    work = page.parent / f"browser-{page.stem}{len(fragment)}"
    net_log = work / "net-log.json"
    command = [
        chromium,
        "--headless",
        "--disable-gpu",
        f"--user-data-dir={work / 'profile'}",
        "--no-first-run",
        "--proxy-server=127.0.0.1:9",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        f"--log-net-log={net_log}",
        "--enable-logging=stderr",
        "--window-size=1400,1000",
        "--dump-dom",
        page.as_uri() + fragment,
    ]
    if os.geteuid() == 0:
        command.insert(1, "--no-sandbox")  # Chromium refuses to run as root with it
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    dom = parse(done.stdout)
    html = next(dom.iter("html"))
    return Visit(
        dom=dom,
        state={k[5:]: v for k, v in html.attrs.items() if k.startswith("data-")},
        page_requests=_page_requests(net_log),
        console=[line for line in done.stderr.splitlines() if ":CONSOLE" in line],
    )


def _page_requests(net_log: Path) -> list[str]:
    """The URL requests in the net log not made by the browser itself (updates, time)."""
    log = json.loads(net_log.read_text(encoding="utf-8"))
    start = log["constants"]["logEventTypes"]["URL_REQUEST_START_JOB"]
    return [
        event["params"]["url"]
        for event in log["events"]
        if event["type"] == start
        and event.get("params", {}).get("initiator", BROWSER_INITIATED) != BROWSER_INITIATED
    ]


@pytest.fixture(scope="module")
def monolith_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    page = tmp_path_factory.mktemp("reports") / "analysis.html"
    page.write_text(render_html(analyze_project(ROOT / "legacy_monolith", OPTIONS)), "utf-8")
    return page


def test_the_net_log_catches_a_page_that_fetches(chromium: str, tmp_path: Path) -> None:
    """The check below is real: a page loading an image shows up as a page request."""
    page = tmp_path / "fetches.html"
    page.write_text('<img src="http://example.com/pixel.png">', "utf-8")
    assert visit(chromium, page).page_requests == ["http://example.com/pixel.png"]


def test_the_analysis_renders_collapsed_and_fetches_nothing(
    chromium: str, monolith_report: Path
) -> None:
    seen = visit(chromium, monolith_report)
    assert seen.page_requests == []
    assert seen.console == []  # no script error, no refused load
    assert set(group_members(seen.dom)) == MONOLITH_GROUPS
    assert seen.state["expanded-groups"] == "0"
    assert seen.state["labels"] == str(len(MONOLITH_GROUPS))  # one title per group
    assert seen.state["label-overlaps"] == "0"
    assert int(seen.state["edges"]) > 0  # crossing edges between the groups
    assert [g for g in seen.dom.iter("g") if "expanded" in g.classes()] == []


def test_every_group_opens_and_no_labels_overlap(chromium: str, monolith_report: Path) -> None:
    seen = visit(chromium, monolith_report, "#expand=all")
    members = group_members(seen.dom)
    opened = [g for g in seen.dom.iter("g") if "expanded" in g.classes()]
    assert len(opened) == len(MONOLITH_GROUPS) == int(seen.state["expanded-groups"])
    nodes = sum(len(m) for m in members.values())
    assert int(seen.state["labels"]) > nodes  # every node's label, plus titles and headings
    assert seen.state["label-overlaps"] == "0"
    assert seen.console == []


def test_search_opens_the_group_of_what_it_finds(chromium: str, monolith_report: Path) -> None:
    seen = visit(chromium, monolith_report, "#search=orders.checkout")
    [found] = [g for g in seen.dom.iter("g") if "match" in g.classes()]
    assert found.attrs["data-node"] == "route:orders.checkout"
    opened = [g.attrs["data-group"] for g in seen.dom.iter("g") if "expanded" in g.classes()]
    assert opened == ["orders"]
    assert seen.state["matches"] == "1"
    assert seen.state["label-overlaps"] == "0"


def test_300_nodes_open_without_overlapping_labels(chromium: str, tmp_path: Path) -> None:
    analysis = many_routes_analysis()
    page = tmp_path / "big.html"
    page.write_text(render_html(analysis), "utf-8")
    seen = visit(chromium, page, "#expand=all")
    nodes = sum(len(m) for m in group_members(seen.dom).values())
    assert nodes >= 300
    assert int(seen.state["labels"]) > nodes
    assert seen.state["label-overlaps"] == "0"
    assert seen.page_requests == []


def test_the_plan_renders_its_services(chromium: str, tmp_path: Path) -> None:
    analysis = analyze_project(ROOT / "legacy_monolith", OPTIONS)
    plan = build_plan(analysis)
    page = tmp_path / "plan.html"
    page.write_text(render_plan_html(plan, analysis), "utf-8")
    seen = visit(chromium, page, "#expand=all")
    assert {c.name for c in plan.candidates} <= set(group_members(seen.dom))
    assert seen.state["label-overlaps"] == "0"
    assert seen.page_requests == []
    assert seen.console == []


def test_hostile_names_stay_text_in_the_browser(chromium: str, tmp_path: Path) -> None:
    page = tmp_path / "hostile.html"
    page.write_text(render_html(hostile_analysis()), "utf-8")
    seen = visit(chromium, page, "#expand=all")
    assert not [e for e in seen.dom.iter() if e.tag == "img"]
    assert len(list(seen.dom.iter("script"))) == 2  # the graph's data and its script
    assert seen.console == []  # no script error, no refused load
    node = next(g for g in seen.dom.iter("g") if g.attrs.get("data-node", "").startswith("route"))
    assert node.attrs["data-node"] == f"route:{HOSTILE_ENDPOINT}"
