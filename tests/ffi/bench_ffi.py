"""FFI costs from Python (BENCHMARKS.md, "FFI"): one durable local write (log a followup),
3,000 customers written one by one and in one batch, what importing the bindings costs a process,
listing 1,000 followups, and the peak RSS of a process that opens a store of 50,000 followups and
lists a week. Run by scripts/bench-bindings.

    FIELDREPORT_BINDINGS=DIR python3 tests/ffi/bench_ffi.py [STORE_WITH_50K]
"""

import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.environ["FIELDREPORT_BINDINGS"])
import fieldreport as fr  # noqa: E402


async def write_cost(n=300, memory=False):
    """The median ms of one awaited write (log a followup) from an asyncio event loop."""
    s = fr.FieldStore.open_in_memory() if memory else await fr.FieldStore.open(os.path.join(tempfile.mkdtemp(), "bench.db"))
    await s.init("rep-1", "team-1", "Asia/Shanghai", "monday")
    c = await s.add_customer(fr.NewCustomer(name="上海某某贸易有限公司"))
    times = []
    for i in range(n):
        t = time.perf_counter()
        await s.log_followup(fr.NewFollowup(customer_id=c.id, kind=fr.FollowupKind.VISIT, note=f"拜访记录 {i}：确认报价与交期"))
        times.append(time.perf_counter() - t)
    await s.close_store()
    return statistics.median(times) * 1000


async def batch_cost(n=3000):
    """Seconds to write `n` customers durably one by one, and in one `write_batch`."""
    took = []
    for batched in (False, True):
        s = await fr.FieldStore.open(os.path.join(tempfile.mkdtemp(), "batch.db"))
        await s.init("rep-1", "team-1", "Asia/Shanghai", "monday")
        news = [fr.NewCustomer(name=f"导入客户{i:05d}") for i in range(n)]
        t = time.perf_counter()
        if batched:
            await s.write_batch([fr.BatchWrite.ADD_CUSTOMER(c) for c in news])
        else:
            for c in news:
                await s.add_customer(c)
        took.append(time.perf_counter() - t)
        await s.close_store()
    return took


def import_cost(beside=""):
    """MB of resident memory `import fieldreport` adds to a fresh Python process, with the
    package's bytecode compiled first (as installing a package does; compiling the 14,000-line
    module at import would add about 20 MB more). `beside`: modules the process imported
    before (what an asyncio app has loaded already)."""
    import compileall

    compileall.compile_dir(os.path.join(os.environ["FIELDREPORT_BINDINGS"], "fieldreport"), quiet=1)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        + (f"import {beside}\n" if beside else "")
        + "def rss():\n"
        "    return next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS:'))\n"
        "a = rss()\nimport fieldreport\nprint((rss() - a) / 1024)"
    )
    out = subprocess.run([sys.executable, "-c", code, os.environ["FIELDREPORT_BINDINGS"]], capture_output=True, text=True, check=True)
    return float(out.stdout)


def list_cost(store, n=50):
    """The median ms of reading a page of 1,000 followups (a synchronous bounded read)."""
    options = fr.ListOptions(limit=1000)
    times = []
    for _ in range(n):
        t = time.perf_counter()
        page = store.followups_page(options=options)
        times.append(time.perf_counter() - t)
    assert len(page.rows) == 1000, len(page.rows)
    return statistics.median(times) * 1000


def week_peak(path):
    """The rows of a week and the peak RSS (MB) of a fresh asyncio process that imports the
    bindings, opens the store at `path` (a copy: opening upgrades it) and lists that week."""
    code = (
        "import asyncio, sys; sys.path.insert(0, sys.argv[1])\n"
        "import fieldreport as fr\n"
        "async def main():\n"
        "    s = await fr.FieldStore.open(sys.argv[2])\n"
        # The fixture's clock is 2026-11-23 (a Monday, Asia/Shanghai): its week.
        "    return await s.list_followups('2026-11-23..2026-11-29')\n"
        "rows = asyncio.run(main())\n"
        # VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the forking parent.
        "hwm = next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmHWM:'))\n"
        "print(len(rows), hwm / 1024)"
    )
    copy = os.path.join(tempfile.mkdtemp(), "week.db")
    shutil.copyfile(path, copy)
    out = subprocess.run([sys.executable, "-c", code, os.environ["FIELDREPORT_BINDINGS"], copy], capture_output=True, text=True, check=True)
    rows, peak = out.stdout.split()
    return int(rows), float(peak)


async def main():
    print(f"python: log a followup through the FFI (durable), median of 300: {await write_cost():.3f} ms")
    print(f"python: log a followup through the FFI (in memory), median of 300: {await write_cost(memory=True):.3f} ms")
    one, batch = await batch_cost()
    print(f"python: 3,000 customers written durably one by one: {one:.2f} s; in one write_batch: {batch:.2f} s")
    print(f"python: importing the bindings adds {import_cost():.1f} MB of resident memory to a bare process")
    app = "asyncio, ctypes, dataclasses, enum, typing, datetime"
    print(f"python: ... and {import_cost(app):.1f} MB to an asyncio app (which has {app} loaded)")
    if len(sys.argv) > 1:
        rows, peak = week_peak(sys.argv[1])
        print(f"python: open a store of 50,000 followups and list a week ({rows} rows): peak RSS {peak:.1f} MB")
        s = await fr.FieldStore.open(sys.argv[1])
        print(f"python: list 1,000 followups through the FFI, median of 50: {list_cost(s):.2f} ms")


if __name__ == "__main__":
    asyncio.run(main())
