"""Trainer speed: autolr's compiled chunks vs a minimal hand-written loop, same backend.

For each model scale it trains Adam for a fixed number of steps (the target is set out of
reach) several times and reports:
  - steps/s of autolr's later trials, and of a hand-written ceiling loop
    (TensorFlow: raw tf.nn ops in one tf.function; JAX: jit + lax.scan; data on the device);
  - first-trial overhead (build + compile) and later-trial overhead (share of wall time
    spent outside training steps). Targets: ratio >= 0.80, later overhead <= 5%.
Trials of autolr and of the ceiling alternate, so machine noise hits both alike.

    python scripts/bench_trainer.py --data ../shared/data/mnist.npz [--scales 1,0.25]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np

from autolr.config import DataSpec, ModelSpec, TrainSettings
from autolr.data import load_dataset
from autolr.trainer import Trainer
from autolr.trainer.backend import backend_name

BATCH, CHUNK = 100, 50


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="path to mnist.npz")
    parser.add_argument("--scales", default="1,0.25")
    parser.add_argument("--steps", type=int, default=0, help="steps per trial (0: by backend)")
    parser.add_argument("--trials", type=int, default=4)
    parser.add_argument("--out", default="bench-results/bench_trainer.json")
    args = parser.parse_args()
    backend = backend_name()
    steps = args.steps or (500 if backend != "jax" or _on_accelerator() else 100)
    rows = [
        measure(backend, float(scale), steps, args.trials, args.data)
        for scale in args.scales.split(",")
    ]
    print_table(backend, steps, rows)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    report = {"backend": backend, "machine": machine(), "steps_per_trial": steps, "rows": rows}
    out.write_text(json.dumps(report, indent=2))
    print(f"wrote {out}")


def measure(backend: str, scale: float, steps: int, trials: int, path: str) -> dict:
    settings = TrainSettings(target=1.0, max_steps=steps, max_seconds=1e9)
    trainer = Trainer(ModelSpec(scale=scale), DataSpec(path=path), settings)
    ceiling = make_ceiling(backend, scale, load_dataset(DataSpec(path=path)))
    autolr_runs, ceiling_rates = [], []
    for _ in range(trials):
        autolr_runs.append(trainer.train("adam", 1e-3))
        ceiling_rates.append(ceiling(steps))
    first, later = autolr_runs[0], autolr_runs[1:]
    autolr_rate = statistics.median(r.steps / r.train_seconds for r in later)
    ceiling_rate = statistics.median(ceiling_rates[1:])
    overhead = [(r.total_seconds - r.train_seconds) / r.total_seconds for r in later]
    return {
        "scale": scale,
        "weights": first.weight_count,
        "autolr_steps_per_s": autolr_rate,
        "ceiling_steps_per_s": ceiling_rate,
        "ratio": autolr_rate / ceiling_rate,
        "first_trial_overhead_s": first.total_seconds - first.train_seconds,
        "later_trial_overhead_s": statistics.median(
            r.total_seconds - r.train_seconds for r in later
        ),
        "later_trial_overhead_share": statistics.median(overhead),
    }


def make_ceiling(backend: str, scale: float, data) -> callable:
    c1, c2 = max(1, round(32 * scale)), max(1, round(64 * scale))
    hidden = max(1, round(1024 * scale))
    if backend == "tensorflow":
        return tensorflow_ceiling(c1, c2, hidden, data)
    if backend == "jax":
        return jax_ceiling(c1, c2, hidden, data)
    raise SystemExit(f"no hand-written ceiling for backend {backend}")


def _glorot(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    fan_in = int(np.prod(shape[:-1]))
    limit = np.sqrt(6.0 / (fan_in + shape[-1]))
    return rng.uniform(-limit, limit, size=shape).astype(np.float32)


def _initial_weights(c1: int, c2: int, hidden: int) -> list[np.ndarray]:
    rng = np.random.default_rng(0)
    shapes = [
        (5, 5, 1, c1),
        (c1,),
        (5, 5, c1, c2),
        (c2,),
        (7 * 7 * c2, hidden),
        (hidden,),
        (hidden, 10),
        (10,),
    ]
    return [_glorot(rng, s) if len(s) > 1 else np.zeros(s, np.float32) for s in shapes]


def tensorflow_ceiling(c1: int, c2: int, hidden: int, data) -> callable:
    import tensorflow as tf

    weights = [tf.Variable(w) for w in _initial_weights(c1, c2, hidden)]
    first_moments = [tf.Variable(tf.zeros_like(w)) for w in weights]
    second_moments = [tf.Variable(tf.zeros_like(w)) for w in weights]
    t = tf.Variable(0.0)
    x, y = tf.constant(data.x_train), tf.constant(data.y_train)

    def forward(images: tf.Tensor) -> tf.Tensor:
        h = tf.nn.relu(tf.nn.conv2d(images, weights[0], 1, "SAME") + weights[1])
        h = tf.nn.max_pool2d(h, 2, 2, "VALID")
        h = tf.nn.relu(tf.nn.conv2d(h, weights[2], 1, "SAME") + weights[3])
        h = tf.nn.max_pool2d(h, 2, 2, "VALID")
        h = tf.nn.relu(tf.reshape(h, (-1, 7 * 7 * c2)) @ weights[4] + weights[5])
        return tf.nn.dropout(h, 0.4) @ weights[6] + weights[7]

    @tf.function(input_signature=[tf.TensorSpec([None, BATCH], tf.int32)])
    def chunk(indices: tf.Tensor) -> tf.Tensor:
        losses = tf.TensorArray(tf.float32, size=tf.shape(indices)[0])
        for i in tf.range(tf.shape(indices)[0]):
            xb, yb = tf.gather(x, indices[i]), tf.gather(y, indices[i])
            with tf.GradientTape() as tape:
                logits = forward(xb)
                loss = tf.reduce_mean(
                    tf.nn.sparse_softmax_cross_entropy_with_logits(labels=yb, logits=logits)
                )
            grads = tape.gradient(loss, weights)
            t.assign_add(1.0)
            step = 1e-3 * tf.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            for w, m, v, g in zip(weights, first_moments, second_moments, grads, strict=True):
                m.assign(0.9 * m + 0.1 * g)
                v.assign(0.999 * v + 0.001 * g * g)
                w.assign_sub(step * m / (tf.sqrt(v) + 1e-8))
            losses = losses.write(i, loss)
        return losses.stack()

    rng = np.random.default_rng(0)
    chunk(rng.integers(0, len(data.x_train), (CHUNK, BATCH), dtype=np.int32)).numpy()

    def run(steps: int) -> float:
        batches = [
            rng.integers(0, len(data.x_train), (CHUNK, BATCH), dtype=np.int32)
            for _ in range(steps // CHUNK)
        ]
        tick = time.perf_counter()
        for indices in batches:
            chunk(indices).numpy()
        return steps / (time.perf_counter() - tick)

    return run


def jax_ceiling(c1: int, c2: int, hidden: int, data) -> callable:
    import jax
    import jax.numpy as jnp

    params = [jnp.asarray(w) for w in _initial_weights(c1, c2, hidden)]
    x, y = jnp.asarray(data.x_train), jnp.asarray(data.y_train)
    dims = ("NHWC", "HWIO", "NHWC")

    def forward(p: list, images: jax.Array, key: jax.Array) -> jax.Array:
        h = jax.lax.conv_general_dilated(images, p[0], (1, 1), "SAME", dimension_numbers=dims)
        h = jax.lax.reduce_window(
            jax.nn.relu(h + p[1]), -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID"
        )
        h = jax.lax.conv_general_dilated(h, p[2], (1, 1), "SAME", dimension_numbers=dims)
        h = jax.lax.reduce_window(
            jax.nn.relu(h + p[3]), -jnp.inf, jax.lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID"
        )
        h = jax.nn.relu(h.reshape(h.shape[0], -1) @ p[4] + p[5])
        keep = jax.random.bernoulli(key, 0.6, h.shape)
        return jnp.where(keep, h / 0.6, 0.0) @ p[6] + p[7]

    def loss_fn(p: list, xb: jax.Array, yb: jax.Array, key: jax.Array) -> jax.Array:
        logits = forward(p, xb, key)
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(logits), yb[:, None], 1))

    @jax.jit
    def chunk(state: tuple, indices: jax.Array) -> tuple:
        def step(carry: tuple, idx: jax.Array) -> tuple:
            p, m, v, t, key = carry
            key, sub = jax.random.split(key)
            loss, g = jax.value_and_grad(loss_fn)(p, x[idx], y[idx], sub)
            t = t + 1
            m = [0.9 * a + 0.1 * b for a, b in zip(m, g, strict=True)]
            v = [0.999 * a + 0.001 * b * b for a, b in zip(v, g, strict=True)]
            lr = 1e-3 * jnp.sqrt(1 - 0.999**t) / (1 - 0.9**t)
            p = [w - lr * a / (jnp.sqrt(b) + 1e-8) for w, a, b in zip(p, m, v, strict=True)]
            return (p, m, v, t, key), loss

        return jax.lax.scan(step, state, indices)

    zeros = [jnp.zeros_like(w) for w in params]
    state = [(params, zeros, zeros, 0.0, jax.random.PRNGKey(0))]
    rng = np.random.default_rng(0)
    warm = rng.integers(0, len(data.x_train), (CHUNK, BATCH), dtype=np.int32)
    state[0], losses = chunk(state[0], warm)
    np.asarray(losses)

    def run(steps: int) -> float:
        batches = [
            rng.integers(0, len(data.x_train), (CHUNK, BATCH), dtype=np.int32)
            for _ in range(steps // CHUNK)
        ]
        tick = time.perf_counter()
        for indices in batches:
            state[0], losses = chunk(state[0], indices)
            np.asarray(losses)
        return steps / (time.perf_counter() - tick)

    return run


def _on_accelerator() -> bool:
    import jax

    return jax.default_backend() != "cpu"


def machine() -> dict:
    return {
        "platform": platform.platform(),
        "processor": platform.processor(),
        "python": sys.version.split()[0],
        "cpus": __import__("os").cpu_count(),
    }


def print_table(backend: str, steps: int, rows: list[dict]) -> None:
    print(f"\nbackend={backend}  steps/trial={steps}  optimizer=adam  batch={BATCH}")
    header = (
        f"{'scale':>6} {'weights':>10} {'autolr st/s':>12} {'ceiling st/s':>13} "
        f"{'ratio':>6} {'1st ovh s':>10} {'later ovh s':>12} {'later ovh %':>12}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        print(
            f"{r['scale']:>6g} {r['weights']:>10,} {r['autolr_steps_per_s']:>12.1f} "
            f"{r['ceiling_steps_per_s']:>13.1f} {r['ratio']:>6.2f} "
            f"{r['first_trial_overhead_s']:>10.2f} {r['later_trial_overhead_s']:>12.3f} "
            f"{100 * r['later_trial_overhead_share']:>11.2f}%"
        )


if __name__ == "__main__":
    main()
