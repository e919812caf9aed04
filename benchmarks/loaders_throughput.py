"""Records per second of `iter_records` for each records format, and peak memory.

    python benchmarks/generate.py --out /tmp/bench --records 100000
    python benchmarks/loaders_throughput.py /tmp/bench/records.jsonl /tmp/bench/records.csv

Each file is read once, fully, in a fresh interpreter per file so peak memory
(`ru_maxrss`) belongs to that file alone.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))


def measure(path: str) -> dict:
    from shuangsuiji_core.loading import iter_records

    start = time.perf_counter()
    cpu = time.process_time()
    n = sum(1 for _ in iter_records(path))
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu  # CPU time is steadier than wall time on a shared machine
    return {"file": path, "records": n, "seconds": round(seconds, 2), "records_per_second": round(n / seconds),
            "records_per_cpu_second": round(n / cpu),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main(argv: list[str]) -> int:
    if argv[:1] == ["--one"]:
        print(json.dumps(measure(argv[1])))
        return 0
    for path in argv:
        out = subprocess.run([sys.executable, __file__, "--one", path], capture_output=True, text=True)
        if out.returncode:
            print(f"{path}: failed\n{out.stderr.strip()[-2000:]}", file=sys.stderr)
            return 1
        print(out.stdout.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
