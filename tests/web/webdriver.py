"""A minimal W3C WebDriver client on the standard library, for headless Chromium driven by
chromedriver: sessions, navigation, elements, typing, clicking, page source, screenshots."""

import base64
import json
import socket
import subprocess
import time
import urllib.request

ELEMENT = "element-6066-11e4-a52e-4f735466cecf"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Driver:
    def __init__(self, chromedriver, chromium):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [chromedriver, f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(100):
            try:
                self._call("GET", "/status")
                break
            except OSError:
                time.sleep(0.1)
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": chromium,
                        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                                 "--window-size=1200,900", "--lang=zh-CN"],
                    },
                }
            }
        }
        self.session = self._call("POST", "/session", caps)["sessionId"]

    def _call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as resp:
            return json.loads(resp.read() or b"{}").get("value", {})

    def _s(self, method, path, body=None):
        return self._call(method, f"/session/{self.session}{path}", body)

    def get(self, url):
        self._s("POST", "/url", {"url": url})

    def source(self):
        return self._s("GET", "/source")

    def title(self):
        return self._s("GET", "/title")

    def find(self, css):
        found = self._s("POST", "/element", {"using": "css selector", "value": css})
        if ELEMENT not in found:
            raise LookupError(f"no element matches {css}: {found}\n{self.source()}")
        return found[ELEMENT]

    def click(self, css):
        self._s("POST", f"/element/{self.find(css)}/click", {})

    def type(self, css, text):
        self._s("POST", f"/element/{self.find(css)}/value", {"text": text})

    def wait_for(self, what, timeout=15):
        """Polls until `what` (a function of the driver) holds: after a click, the next page may
        still be loading."""
        deadline = time.time() + timeout
        while True:
            try:
                if what(self):
                    return
            except (OSError, KeyError, LookupError):
                pass
            if time.time() > deadline:
                raise AssertionError(f"timed out waiting; the page is {self.title()!r}:\n{self.source()}")
            time.sleep(0.1)

    def size(self, width, height):
        """Sets the window's size (a phone is 375 px wide)."""
        self._s("POST", "/window/rect", {"width": width, "height": height})

    def run(self, script, *args):
        """Runs `script` (a function body) in the page and returns its value."""
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def text(self):
        """The page's visible text."""
        return self.run("return document.body.innerText;")

    def scrolls_sideways(self):
        """Whether the page itself is wider than the window (a table scrolling in its own box
        does not count)."""
        return self.run("return document.documentElement.scrollWidth > window.innerWidth + 1;")

    def screenshot(self, path):
        with open(path, "wb") as f:
            f.write(base64.b64decode(self._s("GET", "/screenshot")))

    def quit(self):
        try:
            self._s("DELETE", "")
        finally:
            self.proc.terminate()
            self.proc.wait(timeout=10)
