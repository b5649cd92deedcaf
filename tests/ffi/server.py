"""A real fieldreport-server for the binding tests: a temporary data directory (or, with
FIELDREPORT_BINDINGS_BACKEND=postgres, a new database on the test cluster that
FIELDREPORT_TEST_DATABASE_URL names), a team, users, and `serve` on a free loopback port. Also used
by the Kotlin test (python3 tests/ffi/server.py)."""

import json
import os
import re
import subprocess
import sys
import tempfile
import uuid


def new_database():
    """A new, empty database on the test cluster; its URL."""
    admin = os.environ["FIELDREPORT_TEST_DATABASE_URL"]
    name = "fr_py_" + uuid.uuid4().hex
    psql = os.path.join(os.environ.get("PG_BIN", "/usr/lib/postgresql/15/bin"), "psql")
    subprocess.run([psql, admin, "-q", "-c", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return admin.rsplit("/", 1)[0] + "/" + name


class Server:
    def __init__(self, binary):
        self.binary = binary
        self.dir = tempfile.mkdtemp(prefix="fieldreport-ffi-")
        self.data = os.path.join(self.dir, "data")
        self.where = ["--data", self.data]
        if os.environ.get("FIELDREPORT_BINDINGS_BACKEND") == "postgres":
            self.where = ["--database", new_database(), "--blobs", os.path.join(self.dir, "blobs")]
        out = self.admin("init", "--team-name", "华东销售一组", "--admin-name", "王经理")
        self.admin_id = out["admin_id"]
        self.admin_code = out["enrollment_code"]
        self.proc = subprocess.Popen(
            [binary, *self.where, "serve", "--listen", "127.0.0.1:0"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for line in self.proc.stderr:
            m = re.search(r"listening on (http://\S+)", line)
            if m:
                self.url = m.group(1)
                break
        else:
            raise RuntimeError("fieldreport-server did not start")

    def admin(self, *args):
        out = subprocess.run(
            [self.binary, *self.where, "--json", *args], check=True, capture_output=True, text=True
        )
        return json.loads(out.stdout)

    def add_rep(self, name):
        """A rep reporting to the admin: (user id, enrollment code)."""
        out = self.admin("user", "add", "--name", name, "--role", "rep", "--manager", self.admin_id)
        return out["id"], out["enrollment_code"]

    def apply_example_config(self):
        """Applies docs/team-config.example.toml (which holds the team template `weekly-east`)."""
        example = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "team-config.example.toml")
        return self.admin("config", "apply", example)

    def admin_code_fresh(self):
        """A new enrollment code of the admin (the reps' manager)."""
        return self.code(self.admin_id)

    def code(self, user_id):
        return self.admin("enroll-code", user_id)["enrollment_code"]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


if __name__ == "__main__":
    # For the Kotlin test: start a server with the example configuration (its team template) and
    # print its URL, a rep's id and three of the rep's codes as JSON; stop it when stdin closes.
    s = Server(sys.argv[1])
    s.apply_example_config()
    rep, code = s.add_rep("小王")
    print(json.dumps({"url": s.url, "rep": rep, "codes": [code, s.code(rep), s.code(rep)], "admin": s.admin_id}), flush=True)
    sys.stdin.read()
    s.stop()
