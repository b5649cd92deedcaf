#!/usr/bin/env python3
"""What one scan of a month of followups costs in SQLite, on the benchmark's 50,000-followup
fixture (built by `cargo bench -p fieldreport-core --bench store`): the floor under a member's
figures on the device (BENCHMARKS.md, "A member's figures on the device")."""
import sqlite3
import sys
import time

path = sys.argv[1] if len(sys.argv) > 1 else "target/bench-fixtures/followups-50k-v3.db"
db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
# November 2026 in Shanghai (the fixture's "now" is 2026-11-23).
lo, hi = 1_793_462_400_000, 1_793_462_400_000 + 30 * 86_400_000
q = "SELECT COUNT(*) FROM followups t WHERE t.deleted = 0 AND t.owner = ? AND t.occurred_at >= ? AND t.occurred_at < ?"
args = ("rep-1", lo, hi)
for _ in range(5):
    db.execute(q, args).fetchall()
n = 300
start = time.perf_counter()
for _ in range(n):
    rows = db.execute(q, args).fetchone()[0]
per = (time.perf_counter() - start) / n
print(f"{rows} followups in the month: {per * 1e3:.2f} ms a scan, {per / max(rows, 1) * 1e9:.0f} ns a row")
