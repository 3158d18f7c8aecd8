"""Train the question adapter (``assistant.query_adapter``) on the CPU in minutes.

Every question and every passage of ``qa_groups.jsonl`` (``policy-assistant train-data``) is
embedded once with the project's embedder (``assistant.embedder.cached_vectors``: kept by text
under ``cache/`` beside the data, so a rerun skips that), and the adapter learns, with the
clause vectors fixed:

- a softmax over the group's answering passage and its negatives from the same document (the
  platform-scoped search a named service gets), plus
- half of a softmax over the batch's other answering passages (the unscoped search); passages
  of groups with the same ToS;DR case or OPP-115 type are masked out, since they may answer too.

With ``--exclude-fold K`` the platforms of fold K are left out and the figures in
``training.json`` are measured on them: for each left-out group, the rank of its answering
passage among every training passage of its platform (other answers to the same case or type
set aside), before and after the adapter.

    python -m assistant.adapter_train --data TRAIN/qa_groups.jsonl --out assistant/models/query
"""

from __future__ import annotations

import argparse
import json
import os
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from assistant import train_loop
from assistant import trained_weights as tw
from assistant.qa_train import read_groups

SEED = 0
HIDDEN = 768
SCALE = 20.0  # cosine x 20: the temperature of sentence-transformers' ranking loss


def group_key(g: dict[str, Any]) -> str:
    meta = g.get("meta") or {}
    return f"{g.get('src')}|{meta.get('type') or meta.get('case') or g['q']}"


def build_module(dim: int, hidden: int = HIDDEN) -> Any:
    import torch

    class Adapter(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.a = torch.nn.Linear(dim, hidden)
            self.b = torch.nn.Linear(hidden, dim)
            torch.nn.init.zeros_(self.b.weight)  # starts as the identity
            torch.nn.init.zeros_(self.b.bias)

        def forward(self, q: Any) -> Any:
            return torch.nn.functional.normalize(q + self.b(torch.relu(self.a(q))), dim=-1)

    return Adapter()


class Data:
    """Groups as indexes into one question matrix and one passage matrix."""

    def __init__(self, groups: list[dict[str, Any]]):
        self.questions: dict[str, int] = {}
        self.passages: dict[str, int] = {}
        keys: dict[str, int] = {}
        self.items: list[dict[str, Any]] = []
        for g in groups:
            self.items.append({
                "q": self.questions.setdefault(g["q"], len(self.questions)),
                "c": [self.passages.setdefault(p, len(self.passages))
                      for p in (g["pos"], *g["negs"])],
                "key": keys.setdefault(group_key(g), len(keys)),
                "platform": f"{g.get('src')}:{g.get('group')}"})


def fit(module: Any, items: list[dict[str, Any]], Q: Any, P: Any, *, epochs: int, lr: float,
        per_batch: int, seed: int, log: Callable[[str], None] = print) -> dict[str, Any]:
    import torch
    import torch.nn.functional as F

    opt = torch.optim.Adam(module.parameters(), lr=lr)
    rng = np.random.RandomState(seed)
    t0 = time.time()
    losses: dict[str, float] = {}
    for epoch in range(epochs):
        order = rng.permutation(len(items))
        sums: defaultdict[str, float] = defaultdict(float)
        steps = 0
        for b in range(0, len(items), per_batch):
            batch = [items[i] for i in order[b:b + per_batch]]
            q = module(Q[[it["q"] for it in batch]])
            width = max(len(it["c"]) for it in batch)
            cands = torch.full((len(batch), width), -1, dtype=torch.long)
            for i, it in enumerate(batch):
                cands[i, : len(it["c"])] = torch.tensor(it["c"])
            vecs = P[cands.clamp(min=0)]
            own = (torch.einsum("bd,bsd->bs", q, vecs) * SCALE).masked_fill(cands < 0, -1e4)
            scoped = F.cross_entropy(own, torch.zeros(len(batch), dtype=torch.long))
            keys = torch.tensor([it["key"] for it in batch])
            same = keys[:, None] == keys[None, :]
            same.fill_diagonal_(False)
            every = ((q @ vecs[:, 0].T) * SCALE).masked_fill(same, -1e4)
            unscoped = F.cross_entropy(every, torch.arange(len(batch)))
            loss = scoped + 0.5 * unscoped + 0.01 * (module.b.weight ** 2).sum()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sums["scoped"] += scoped.item()
            sums["unscoped"] += unscoped.item()
            steps += 1
        losses = {k: round(v / steps, 4) for k, v in sums.items()}
        log(f"epoch {epoch + 1}/{epochs} {time.time() - t0:.0f}s "
            + " ".join(f"{k} {v:.3f}" for k, v in losses.items()))
    return {"epochs": epochs, "per_batch": per_batch, "lr": lr, "seconds":
            round(time.time() - t0, 1), "final_losses": losses}


def platform_ranks(items: list[dict[str, Any]], qvecs: np.ndarray, P: np.ndarray
                   ) -> dict[str, float]:
    """R@1, R@5 and MRR of each group's answering passage among all passages of its platform,
    other answers to the same case or type set aside."""
    pool: dict[str, set[int]] = defaultdict(set)
    answers: dict[tuple[str, int], set[int]] = defaultdict(set)
    for it in items:
        pool[it["platform"]].update(it["c"])
        answers[(it["platform"], it["key"])].add(it["c"][0])
    r1 = r5 = mrr = 0.0
    for it, q in zip(items, qvecs, strict=True):
        pos = it["c"][0]
        other = answers[(it["platform"], it["key"])] - {pos}
        cands = [p for p in pool[it["platform"]] if p not in other]
        scores = P[cands] @ q
        rank = 1 + int((scores > float(P[pos] @ q)).sum())
        r1 += rank == 1
        r5 += rank <= 5
        mrr += 1 / rank
    n = max(1, len(items))
    return {"groups": len(items), "r@1": round(r1 / n, 4), "r@5": round(r5 / n, 4),
            "mrr": round(mrr / n, 4)}


def train(groups: list[dict[str, Any]], held_out: list[dict[str, Any]], out: Path,
          embedder: Any, *, epochs: int = 5, lr: float = 1e-3, per_batch: int = 256,
          seed: int = SEED, cache_dir: Path, log: Callable[[str], None] = print,
          meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fit on ``groups``, measure on ``held_out`` (may be empty), write ``out``. Question and
    passage vectors come from the embedder's text-hash cache under ``cache_dir``."""
    import torch
    from tqdm import tqdm

    from assistant.embedder import cached_vectors

    train_loop.seed_all(seed)
    data = Data(groups + held_out)
    n_train = len(groups)
    texts = [*data.questions, *data.passages]
    with tqdm(unit="text", desc="embedding texts not cached") as bar:
        vecs = cached_vectors(texts, embedder, cache_dir, bar.update)
    Q, P = vecs[: len(data.questions)], vecs[len(data.questions):]
    module = build_module(Q.shape[1])
    card = fit(module, data.items[:n_train], torch.from_numpy(Q), torch.from_numpy(P),
               epochs=epochs, lr=lr, per_batch=per_batch, seed=seed, log=log)
    card.update({"groups": n_train, "seed": seed, "hidden": HIDDEN, "embedder": embedder.name,
                 **(meta or {})})
    test = data.items[n_train:]
    if test:
        plain = Q[[it["q"] for it in test]]
        with torch.no_grad():
            adapted = module(torch.from_numpy(plain)).numpy()
        card["held_out"] = {"before": platform_ranks(test, plain, P),
                            "after": platform_ranks(test, adapted, P)}
        log(f"held-out groups: {json.dumps(card['held_out'])}")
    tw.write_model(module, out, {"embedder": embedder.name, "hidden": str(HIDDEN)}, card)
    return card


def main(argv: list[str] | None = None) -> int:
    from assistant.embedder_factory import make_embedder

    p = argparse.ArgumentParser(prog="python -m assistant.adapter_train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="qa_groups.jsonl (train-data)")
    p.add_argument("--out", type=Path, required=True, help="folder for weights + training.json")
    p.add_argument("--exclude-fold", type=int, choices=(0, 1),
                   help="leave out the platforms of this fold and measure on them")
    p.add_argument("--epochs", type=int, default=5)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--batch", type=int, default=256, help="groups per step (default 256)")
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--limit", type=int, help="only the first N groups (smoke runs)")
    p.add_argument("--embedder", choices=("minilm", "hash"), default="minilm",
                   help="the embedder whose vectors the adapter maps (hash: tests only)")
    p.add_argument("--cache-dir", type=Path,
                   help="where vectors (by text) and the converted embedder are kept "
                   "(default: cache/ beside --data)")
    p.add_argument("--threads", type=int, default=0, help="model threads (0: every core)")
    a = p.parse_args(argv)
    import torch

    threads = a.threads or os.cpu_count() or 1
    torch.set_num_threads(threads)
    groups = read_groups(a.data)[: a.limit]
    held_out = [g for g in groups if g["fold"] == a.exclude_fold]
    train_groups = [g for g in groups if g["fold"] != a.exclude_fold]
    cache_dir = a.cache_dir or a.data.parent / "cache"
    embedder = make_embedder(a.embedder, threads=threads, cache_dir=cache_dir)
    card = train(train_groups, held_out, a.out, embedder, epochs=a.epochs, lr=a.lr,
                 per_batch=a.batch, seed=a.seed, cache_dir=cache_dir,
                 meta={"data": a.data.name, "exclude_fold": a.exclude_fold})
    print(json.dumps(card))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
