"""What the Python binding tests share: the generated `fieldreport` package, a real server,
enrolled stores, small PNGs, listeners and HTTP clients that record or slow down."""

import asyncio
import os
import struct
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.environ["FIELDREPORT_BINDINGS"])
sys.path.insert(0, os.path.dirname(__file__))

import fieldreport as fr  # noqa: E402
from server import Server  # noqa: E402,F401


def new_path(name="phone.db"):
    return os.path.join(tempfile.mkdtemp(prefix="fieldreport-py-"), name)


async def enrolled_store(server, code, name="phone.db", device_name=None, client=None):
    """A store on a new file, enrolled with `code`: (store, Enrolled)."""
    store = await fr.FieldStore.open(new_path(name))
    store.set_http_client(client or fr.UrllibHttpClient())
    enrolled = await store.enroll(server.url, code, device_name)
    return store, enrolled


def png(width, height, seed):
    """A small PNG of `width` x `height` pixels of a colour from `seed`."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes([seed % 256, 80, 160]) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class Progress(fr.SyncListener):
    """Records each progress call and the thread it came on."""

    def __init__(self, on_first=None):
        self.calls = []
        self.threads = set()
        self.on_first = on_first

    def on_progress(self, progress):
        self.calls.append(progress)
        self.threads.add(threading.get_ident())
        if self.on_first and len(self.calls) == 1:
            self.on_first()


class Changes(fr.ChangeListener):
    """Records what changed, flattened to (kind, id) pairs per call."""

    def __init__(self):
        self.calls = []

    def on_change(self, changes):
        self.calls.append([(c.kind, i) for c in changes for i in c.ids])

    def ids(self):
        return {i for call in self.calls for (_, i) in call}


class RecordingClient(fr.UrllibHttpClient):
    """urllib, recording the threads it is called on; `delay` seconds before each request."""

    def __init__(self, delay=0.0):
        super().__init__()
        self.delay = delay
        self.threads = set()

    def post(self, request):
        self.threads.add(threading.get_ident())
        if self.delay:
            time.sleep(self.delay)
        return super().post(request)
