"""Counters as samples, summed over worker files, shown as Prometheus text and /stats JSON."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from proxy_fakes import MemoryMonolith, MemoryRpc, memory_backends, write_routes
from werkzeug.test import Client

from strangler_proxy.admin import AdminAccess
from strangler_proxy.app import create_app
from strangler_proxy.backends import Backends
from strangler_proxy.prometheus import CONTENT_TYPE, escape_label_value, render
from strangler_proxy.route_table import Settings
from strangler_proxy.routes_file import RoutesFile
from strangler_proxy.stats import BREAKER_OPEN, ProxyStats, breaker_samples, stats_view
from strangler_proxy.worker_metrics import WorkerMetrics, sum_worker_files

ROUTES = """
[[route]]
path = "/items/<int:item_id>"
target = "shop.item"
mode = "service"
"""


def test_an_answer_counts_its_status_class_and_lands_in_every_bucket_above_its_time() -> None:
    stats = ProxyStats()
    stats.answered("/a", "service", 404, 0.02)
    text = render(stats.samples())
    labels = 'route="/a",backend="service"'
    assert f'strangler_proxy_requests_total{{{labels},status_class="4xx"}} 1' in text
    assert f'strangler_proxy_request_duration_seconds_bucket{{{labels},le="0.01"}} 0' not in text
    assert f'strangler_proxy_request_duration_seconds_bucket{{{labels},le="0.025"}} 1' in text
    assert f'strangler_proxy_request_duration_seconds_bucket{{{labels},le="+Inf"}} 1' in text
    assert f"strangler_proxy_request_duration_seconds_sum{{{labels}}} 0.02" in text
    assert f"strangler_proxy_request_duration_seconds_count{{{labels}}} 1" in text


def test_every_family_has_help_and_type_before_its_samples_and_series_stay_together() -> None:
    stats = ProxyStats()
    stats.answered("/b", "monolith", 200, 3.0)
    stats.answered("/a", "service", 200, 0.001)
    stats.fell_back("/a", "timeout")
    stats.shadowed("/a", "different", ("price",))
    lines = render(stats.samples()).splitlines()
    families = [line.split()[2] for line in lines if line.startswith("# TYPE")]
    assert families == [
        "strangler_proxy_requests_total",
        "strangler_proxy_request_duration_seconds",
        "strangler_proxy_fallbacks_total",
        "strangler_proxy_shadow_comparisons_total",
        "strangler_proxy_breaker_open",
    ]
    for family in families:
        first = lines.index(next(line for line in lines if line.startswith(f"# HELP {family} ")))
        assert lines[first + 1].startswith(f"# TYPE {family} ")
    histogram = [line for line in lines if line.startswith("strangler_proxy_request_duration")]
    series = [re.findall(r'route="([^"]*)"', line) for line in histogram]
    assert series == sorted(series)  # /a's buckets, sum and count, then /b's
    assert histogram[11].startswith("strangler_proxy_request_duration_seconds_bucket") and (
        'le="+Inf"' in histogram[11]
    )
    assert histogram[12].startswith("strangler_proxy_request_duration_seconds_sum")
    assert 'strangler_proxy_fallbacks_total{route="/a",reason="timeout"} 1' in lines
    assert 'strangler_proxy_shadow_comparisons_total{route="/a",outcome="different"} 1' in lines
    assert not any("price" in line for line in lines)  # field paths stay in /stats


def test_label_values_are_escaped() -> None:
    assert escape_label_value('a\\b"c\nd') == 'a\\\\b\\"c\\nd'
    stats = ProxyStats()
    stats.fell_back('/odd/"quoted"', "timeout")
    assert 'route="/odd/\\"quoted\\""' in render(stats.samples())


def test_the_files_of_several_workers_add_up_and_a_stopped_workers_counts_stay(
    tmp_path: Path,
) -> None:
    one, two = ProxyStats(), ProxyStats()
    first, second = WorkerMetrics(tmp_path, one), WorkerMetrics(tmp_path, two)
    one.answered("/a", "service", 200, 0.01)
    one.shadowed("/a", "different", ("price",))
    two.answered("/a", "service", 200, 0.02)
    two.answered(None, "monolith", 502, 0.2)
    first.publish()
    second.publish()
    del first  # a worker that exited leaves its file
    total = second.gather()
    view = stats_view(total)["routes"]
    assert view["/a"]["backends"] == {"service": 2}
    assert view["/a"]["shadow_differing_fields"] == {"price": 1}
    assert view["(no route)"]["backends"] == {"monolith": 1}
    text = render(total)
    assert 'route="/a",backend="service",status_class="2xx"} 2' in text
    assert 'strangler_proxy_request_duration_seconds_count{route="/a",backend="service"} 2' in text


def test_an_unreadable_worker_file_is_skipped(tmp_path: Path) -> None:
    stats = ProxyStats()
    stats.answered("/a", "service", 200, 0.01)
    WorkerMetrics(tmp_path, stats).publish()
    (tmp_path / "worker-1-broken.json").write_text("[[1, 2]")
    assert stats_view(sum_worker_files(tmp_path))["routes"]["/a"]["backends"] == {"service": 1}


def test_the_background_thread_writes_the_workers_file(tmp_path: Path) -> None:
    stats = ProxyStats()
    worker = WorkerMetrics(tmp_path, stats, interval=0.01)
    worker.start()
    stats.answered("/a", "service", 200, 0.01)
    worker.stop()
    assert stats_view(sum_worker_files(tmp_path))["routes"]["/a"]["backends"] == {"service": 1}


def test_the_admin_metrics_endpoint_sums_the_metrics_directory(tmp_path: Path) -> None:
    other = ProxyStats()
    other.answered("/items/<int:item_id>", "service", 200, 0.01)
    (tmp_path / "metrics").mkdir()
    WorkerMetrics(tmp_path / "metrics", other).publish()  # another worker's counts
    app = create_app(
        RoutesFile(write_routes(tmp_path, ROUTES)),
        admin=AdminAccess(port=9090),
        backend_factory=memory_backends(MemoryMonolith(), MemoryRpc({"x": 1})),
        metrics_dir=tmp_path / "metrics",
    )
    client = Client(app)
    client.get("/items/1")
    answer = client.get("/_strangler/metrics", environ_overrides={"SERVER_PORT": "9090"})
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == CONTENT_TYPE
    wanted = 'route="/items/<int:item_id>",backend="service",status_class="2xx"} 2'
    assert wanted in answer.get_data(as_text=True)
    stats = client.get("/_strangler/stats", environ_overrides={"SERVER_PORT": "9090"}).get_json()
    assert stats["routes"]["/items/<int:item_id>"]["backends"] == {"service": 2}


def test_a_breaker_that_is_not_closed_counts_one_per_running_worker(tmp_path: Path) -> None:
    first, second = WorkerMetrics(tmp_path, ProxyStats()), WorkerMetrics(tmp_path, ProxyStats())
    first.gauges = lambda: breaker_samples({"monolith": "open", "services": {"shop": "closed"}})
    second.gauges = lambda: breaker_samples({"monolith": "half-open", "services": {}})
    first.publish()
    second.publish()
    gone = tmp_path / "worker-99999999-dead.json"  # a worker that exited: no such pid
    gone.write_text('[["strangler_proxy_breaker_open", [["backend", "shop"]], 1]]')

    total = sum_worker_files(tmp_path)

    assert total[(BREAKER_OPEN, (("backend", "monolith"),))] == 2
    assert total[(BREAKER_OPEN, (("backend", "shop"),))] == 0  # the dead worker's 1 left out
    assert 'strangler_proxy_breaker_open{backend="monolith"} 2' in render(total)


def test_a_worker_rewrites_its_file_when_only_a_breaker_changed(tmp_path: Path) -> None:
    worker = WorkerMetrics(tmp_path, ProxyStats())
    state = {"monolith": "closed"}
    worker.gauges = lambda: breaker_samples(state)
    worker.publish()
    state["monolith"] = "open"  # no request counted since
    worker.publish()
    assert sum_worker_files(tmp_path)[(BREAKER_OPEN, (("backend", "monolith"),))] == 1


def test_the_metrics_endpoint_shows_the_breakers_of_the_worker(tmp_path: Path) -> None:
    plain = memory_backends(MemoryMonolith(), MemoryRpc({"x": 1}))

    def with_breakers(settings: Settings) -> Backends:
        backends = plain(settings)
        states = {"monolith": "closed", "services": {"shop": "open"}}
        return replace(backends, breakers=lambda: states)

    (tmp_path / "metrics").mkdir()
    app = create_app(
        RoutesFile(write_routes(tmp_path, ROUTES)),
        admin=AdminAccess(port=9090),
        backend_factory=with_breakers,
        metrics_dir=tmp_path / "metrics",
    )
    client = Client(app)
    client.get("/items/1")
    text = client.get("/_strangler/metrics", environ_overrides={"SERVER_PORT": "9090"}).get_data(
        as_text=True
    )
    assert 'strangler_proxy_breaker_open{backend="shop"} 1' in text
    assert 'strangler_proxy_breaker_open{backend="monolith"} 0' in text
