"""How long does a PBT checkpoint take to write and read, in the database and in a folder?

Trains the reference CNN for one step with Adam (so the checkpoint holds real weights and
real optimizer slots), then saves and loads it with autolr's own checkpoint code
(`checkpoints.save` / `checkpoints.load`: npz encoding plus the store) several times:
to the PostgreSQL artifact store (a local server with fsync on, as a real one has it)
and to a folder store on the local disk.

    python scripts/bench_checkpoints.py --data ../shared/data/mnist.npz [--scale 1]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

from optuna.artifacts import FileSystemArtifactStore

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autolr.config import DataSpec, ModelSpec, TrainSettings  # noqa: E402
from autolr.store import checkpoints  # noqa: E402
from autolr.store.artifacts_db import ArtifactStore, DatabaseArtifactStore  # noqa: E402
from autolr.store.storage import open_storage  # noqa: E402
from autolr.trainer import Trainer, TrainingState  # noqa: E402
from tests import pg_server  # noqa: E402


def real_state(data: str, scale: float) -> tuple[TrainingState, int]:
    trainer = Trainer(
        ModelSpec(scale=scale), DataSpec(path=data, train_size=1000), TrainSettings(check_every=1)
    )
    result = trainer.train("adam", 1e-3, max_steps=1, keep_state=True)
    assert result.state is not None
    return result.state, result.weight_count


def timings(store: ArtifactStore, state: TrainingState, repeats: int) -> dict:
    writes, reads = [], []
    name = f"bench-{uuid.uuid4().hex[:6]}"
    for number in range(repeats):
        started = time.perf_counter()
        artifact = checkpoints.save(store, name, number, state)
        writes.append(time.perf_counter() - started)
        started = time.perf_counter()
        checkpoints.load(store, artifact)
        reads.append(time.perf_counter() - started)
    with store.open_reader(artifact) as reader:
        size = len(reader.read())
    return {
        "bytes": size,
        "write_median_s": statistics.median(writes),
        "write_range_s": [min(writes), max(writes)],
        "read_median_s": statistics.median(reads),
        "read_range_s": [min(reads), max(reads)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--storage", help="a PostgreSQL URL [start a local server]")
    parser.add_argument("--out", default="bench-results/bench_checkpoints.json")
    args = parser.parse_args()
    state, weights = real_state(args.data, args.scale)
    server = None
    url = args.storage
    if url is None:
        server = Path(tempfile.mkdtemp(prefix="autolr-bench-pg-"))
        url = pg_server.start(server, fsync=True)
    folder = Path(tempfile.mkdtemp(prefix="autolr-bench-ckpt-"))
    try:
        rows = {
            "database": timings(
                DatabaseArtifactStore(open_storage(url).engine), state, args.repeats
            ),
            "folder": timings(FileSystemArtifactStore(folder), state, args.repeats),
        }
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if server is not None:
            pg_server.stop(server)
            shutil.rmtree(server, ignore_errors=True)
    print(f"reference CNN x{args.scale:g}: {weights:,} weights, Adam; {args.repeats} repeats")
    print(
        "| store | checkpoint | write (median, range) | read (median, range) |\n|---|---|---|---|"
    )
    for store, r in rows.items():
        print(
            f"| {store} | {r['bytes'] / 1e6:.1f} MB | {r['write_median_s']:.2f} s "
            f"({r['write_range_s'][0]:.2f}-{r['write_range_s'][1]:.2f}) | "
            f"{r['read_median_s']:.2f} s ({r['read_range_s'][0]:.2f}-{r['read_range_s'][1]:.2f}) |"
        )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    machine = {"cpus": os.cpu_count(), "python": platform.python_version()}
    record = {"machine": machine, "scale": args.scale, "weights": weights, "stores": rows}
    out.write_text(json.dumps(record, indent=2))


if __name__ == "__main__":
    main()
