"""What the bench counts per core, in process (the floors' scripts import it)."""

import time


def per_second(work, seconds: float = 2.0) -> float:
    """Runs of `work` per second of this process's CPU time (its threads
    included): per core, whatever else the machine runs."""
    work()
    runs, started = 0, time.process_time()
    while time.process_time() - started < seconds:
        work()
        runs += 1
    return runs / (time.process_time() - started)
