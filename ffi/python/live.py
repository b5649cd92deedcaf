"""Live queries, changes and the sync status as asyncio async iterators.

The library calls its listeners on the thread that made the change (the store's thread, a sync's
thread). These hand every delivery to the event loop that created the iterator, in order and
none dropped (a list's diffs apply one after the other), so the app's code runs on the loop it
chose:

    async with fr.live(store.watch_customers, search="华") as pages:
        async for page, diff in pages:
            view.apply(page, diff)

    async with fr.statuses(store) as updates:
        async for status in updates:
            bar.show(status)

The watch starts at once (its first page is the first item) and ends when the `async with`
block ends or `close()` is called.
"""

import asyncio

from . import fieldreport as _fr


class _Relay(
    _fr.CustomerListListener,
    _fr.FollowupListListener,
    _fr.ReportListListener,
    _fr.DealListListener,
    _fr.ContractListListener,
    _fr.PaymentListListener,
    _fr.PlanListListener,
    _fr.SyncStatusListener,
    _fr.ChangeListener,
):
    """Every listener the library calls, handing each call's value to one loop's queue."""

    def __init__(self, loop, queue):
        self._loop = loop
        self._queue = queue

    def _put(self, item):
        try:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, item)
        except RuntimeError:
            pass  # the loop is closed: nobody iterates any more

    def on_list(self, page, diff):
        self._put((page, diff))

    def on_status(self, status):
        self._put(status)

    def on_change(self, changes):
        self._put(changes)


class Live:
    """What a subscription delivers, as an async iterator on the running loop (also an async
    context manager that ends the subscription)."""

    def __init__(self, subscribe):
        loop = asyncio.get_running_loop()  # a RuntimeError outside a running loop, on purpose
        self._queue = asyncio.Queue()
        self._subscription = subscribe(_Relay(loop, self._queue))

    def __aiter__(self):
        return self

    async def __anext__(self):
        if self._subscription is None and self._queue.empty():
            raise StopAsyncIteration
        return await self._queue.get()

    def close(self):
        """Ends the subscription (what was delivered already can still be read)."""
        if self._subscription is not None:
            self._subscription.cancel()
            self._subscription = None

    async def __aenter__(self):
        return self

    async def __aexit__(self, *exc):
        self.close()


def live(watch, *args, **kwargs):
    """`(page, diff)` pairs of `watch` — a store's `watch_customers`, `watch_followups`,
    `watch_reports`, `watch_deals`, `watch_contracts`, `watch_payments` or `watch_plans`, given
    its other arguments — on the running event loop."""
    return Live(lambda relay: watch(relay, *args, **kwargs))


def statuses(store):
    """The store's sync status now, then each change, on the running event loop."""
    return Live(store.observe_sync_status)


def changes(store, kinds=(), ids=()):
    """Which records changed (`[Changes]`), as `store.subscribe` tells, on the running loop."""
    return Live(lambda relay: store.subscribe(relay, list(kinds), list(ids)))
