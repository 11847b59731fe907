"""The capacity page's arithmetic (bench/capacity.py): derived from a run's
per-core figures, and refused for a run whose figures are not per core."""

import pytest

from bench import capacity


def run(*, pinned: bool = True) -> dict:
    return {
        "when": "2026-11-25T00:00:00Z",
        "database": "PostgreSQL",
        "pinning": {"server cores": ["0"] if pinned else [], "load cores": ["1"] if pinned else []},
        "me": {"service": {"rps": 1000.0}},
        "peak_rss_mb_one_worker": {"after `me`": 100.0, "after logins": 500.0},
        "login": {"logins_per_s_ours": 5.0, "logins_per_s_keycloak_params": 50.0},
        "provider": {"token endpoint, code exchange": {"rps": 200.0}, "introspection": {"rps": 500.0}},
        "factors": {"verifyMfa (TOTP)": {"rps": 200.0}},
    }


def test_a_run_whose_server_was_not_pinned_is_refused():
    with pytest.raises(SystemExit, match="not per core"):
        capacity.per_core(run(pinned=False))


def test_the_load_and_the_cores_it_needs_follow_the_model():
    rates = capacity.per_core(run())
    plan = capacity.plan(1_000_000, rates)
    # 400,000 active users, 20% of their logins in the peak hour, a burst of 2.
    assert plan["peak"]["password login"] == pytest.approx(400_000 * 0.2 / 3600 * 2)
    assert plan["cores"]["password logins"] == pytest.approx(plan["peak"]["password login"] / 5.0)
    # A third online at peak, one call a minute each, a burst of 2.
    assert plan["peak"]["token check"] == pytest.approx(400_000 / 3 / 60 * 2)
    busy = sum(plan["cores"].values()) / capacity.TARGET_UTILISATION
    assert plan["instances"] == -(-busy // capacity.INSTANCE_VCPUS)
    assert capacity.plan(1_000_000, rates, keycloak=True)["instances"] < plan["instances"]


def test_memory_is_the_workers_measured_size_and_one_hash_per_thread():
    plan = capacity.plan(100_000, capacity.per_core(run()))
    threads = capacity.INSTANCE_VCPUS * capacity.THREADS_PER_CORE
    assert plan["memory_mib_per_instance"] == 100.0 * capacity.INSTANCE_VCPUS + capacity.ARGON2_MIB * threads


def test_a_small_deployment_still_runs_two_instances():
    assert capacity.plan(10, capacity.per_core(run()))["instances"] == 2


def test_the_table_has_a_column_per_size():
    table = capacity.table(run())
    assert "| 10,000 users | 100,000 users | 1,000,000 users |" in table
