"""FFI costs from Python (BENCHMARKS.md, "FFI"): one durable local write (log a followup),
listing 1,000 followups, and the peak RSS of a process that opens a store of 50,000 followups and
lists a week. Run by scripts/bench-bindings.

    FIELDREPORT_BINDINGS=DIR python3 tests/ffi/bench_ffi.py [STORE_WITH_50K]
"""

import os
import resource
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.environ["FIELDREPORT_BINDINGS"])
import fieldreport as fr  # noqa: E402


def write_cost(n=300, memory=False):
    s = fr.FieldStore.open_in_memory() if memory else fr.FieldStore.open(os.path.join(tempfile.mkdtemp(), "bench.db"))
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday")
    c = s.add_customer(fr.NewCustomer(name="上海某某贸易有限公司"))
    times = []
    for i in range(n):
        t = time.perf_counter()
        s.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note=f"拜访记录 {i}：确认报价与交期"))
        times.append(time.perf_counter() - t)
    s.close_store()
    return statistics.median(times) * 1000


def list_cost(store, n=50):
    options = fr.ListOptions(limit=1000)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        rows = store.list_followups(options=options)
        times.append(time.perf_counter() - t)
    assert len(rows) == 1000, len(rows)
    return statistics.median(times) * 1000


if __name__ == "__main__":
    print(f"python: log a followup through the FFI (durable), median of 300: {write_cost():.3f} ms")
    print(f"python: log a followup through the FFI (in memory), median of 300: {write_cost(memory=True):.3f} ms")
    if len(sys.argv) > 1:
        s = fr.FieldStore.open(sys.argv[1])
        # The fixture's clock is 2026-11-23 (a Monday, Asia/Shanghai): its week.
        rows = s.list_followups("2026-11-23..2026-11-29")
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"python: open a store of 50,000 followups and list a week ({len(rows)} rows): peak RSS {peak:.1f} MB")
        print(f"python: list 1,000 followups through the FFI, median of 50: {list_cost(s):.2f} ms")
