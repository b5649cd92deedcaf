"""How long an app's event loop is blocked while it awaits a bootstrap of 10,000 documents
(BENCHMARKS.md, "FFI"): the CPU time the loop's own thread spends during `await store.sync()`,
and the longest gap a 1 ms heartbeat sees meanwhile; and how long the app's own writes wait
while a bootstrap commits its pages (an awaited write every 5 ms: p50, p99, max).
Run by scripts/bench-bindings.

    FIELDREPORT_BINDINGS=DIR FIELDREPORT_SERVER=path/to/fieldreport-server python3 tests/ffi/bench_bootstrap.py
"""

import asyncio
import os
import sys
import tempfile
import time

sys.path.insert(0, os.environ["FIELDREPORT_BINDINGS"])
sys.path.insert(0, os.path.dirname(__file__))
import fieldreport as fr  # noqa: E402
from server import Server  # noqa: E402

DOCS = 10_000


async def store(server, code, name):
    s = await fr.FieldStore.open(os.path.join(tempfile.mkdtemp(prefix="fieldreport-bench-"), name))
    s.set_http_client(fr.UrllibHttpClient())
    await s.enroll(server.url, code)
    return s


async def main():
    server = Server(os.environ["FIELDREPORT_SERVER"])
    try:
        rep, code = server.add_rep("小王")
        seed = await store(server, code, "seed.db")
        await seed.write_batch([fr.BatchWrite.ADD_CUSTOMER(fr.NewCustomer(name=f"客户{i:05d}")) for i in range(DOCS)])
        await seed.sync()

        # The loop thread's own CPU time while it awaits the whole bootstrap.
        tablet = await store(server, server.code(rep), "tablet.db")

        async def quiet():
            cpu, wall = time.thread_time(), time.perf_counter()
            stats = await tablet.sync()
            return stats, (time.thread_time() - cpu) * 1000, time.perf_counter() - wall

        stats, cpu_ms, wall = await quiet()
        assert stats.pulled >= DOCS, stats.pulled
        print(
            f"python: bootstrap of {stats.pulled} documents awaited in asyncio: the loop's thread used "
            f"{cpu_ms:.1f} ms of CPU in {wall:.1f} s ({stats.round_trips} round trips)"
        )

        # A heartbeat every 1 ms during a second bootstrap: the longest it waited.
        phone = await store(server, server.code(rep), "phone.db")

        async def beating():
            gaps, done = [], asyncio.Event()

            async def heartbeat():
                last = time.perf_counter()
                while not done.is_set():
                    await asyncio.sleep(0.001)
                    now = time.perf_counter()
                    gaps.append(now - last)
                    last = now

            beat = asyncio.create_task(heartbeat())
            await phone.sync()
            done.set()
            await beat
            return gaps

        gaps = await beating()
        late = sorted(gaps)
        print(
            f"python: a 1 ms heartbeat during the same bootstrap: longest gap {late[-1] * 1000:.1f} ms, "
            f"p99 {late[int(len(late) * 0.99)] * 1000:.1f} ms over {len(gaps)} beats"
        )

        # The app writes (a visit's customer every 5 ms, awaited on the same event loop) while a
        # third device bootstraps: how long each awaited write takes.
        laptop = await store(server, server.code(rep), "laptop.db")
        took, done = [], asyncio.Event()

        async def writer():
            i = 0
            while not done.is_set():
                t = time.perf_counter()
                await laptop.add_customer(fr.NewCustomer(name=f"现场客户{i}"))
                took.append(time.perf_counter() - t)
                i += 1
                await asyncio.sleep(0.005)

        w = asyncio.create_task(writer())
        stats = await laptop.sync()
        done.set()
        await w
        took.sort()
        print(
            f"python: the app's writes during a bootstrap of {stats.pulled} documents: "
            f"p50 {took[len(took) // 2] * 1000:.1f} ms, p99 {took[int(len(took) * 0.99)] * 1000:.1f} ms, "
            f"max {took[-1] * 1000:.1f} ms over {len(took)} writes"
        )
    finally:
        server.stop()


if __name__ == "__main__":
    asyncio.run(main())
