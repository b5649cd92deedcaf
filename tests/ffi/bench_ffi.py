"""Cost of one durable local write (log a followup) through the FFI from Python, and peak RSS of a
process that opens a store of 50,000 followups and lists a week. Run by scripts/bench-bindings.

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


def write_cost(n=300):
    path = os.path.join(tempfile.mkdtemp(), "bench.db")
    s = fr.FieldStore.open(path)
    s.init("rep-1", "team-1", "Asia/Shanghai", "monday")
    c = s.add_customer(fr.NewCustomer(name="上海某某贸易有限公司"))
    times = []
    for i in range(n):
        t = time.perf_counter()
        s.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note=f"拜访记录 {i}：确认报价与交期"))
        times.append(time.perf_counter() - t)
    s.close_store()
    return statistics.median(times) * 1000


if __name__ == "__main__":
    print(f"python: log a followup through the FFI (durable), median of 300: {write_cost():.2f} ms")
    if len(sys.argv) > 1:
        s = fr.FieldStore.open(sys.argv[1])
        # The fixture's clock is 2026-11-23 (a Monday, Asia/Shanghai): its week.
        rows = s.list_followups("2026-11-23..2026-11-29", None)
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"python: open a store of 50,000 followups and list a week ({len(rows)} rows): peak RSS {peak:.1f} MB")
