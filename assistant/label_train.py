"""Train the clause-label model: MiniLM (the first N layers) with one sigmoid output per
taxonomy category over the mean of the token states, fine-tuned on sentences and quotes
(``corpus/label_training.py``) with weighted binary cross-entropy. Weights are stored as the
int8 difference against all-MiniLM-L6-v2 (``assistant.trained_weights``); the category order
is in the file's metadata. Runs on a GPU when there is one, else on the CPU.

    python -m assistant.label_train --data DIR/label_examples.jsonl --out DIR
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant import train_loop
from assistant import trained_weights as tw
from corpus.packed import open_text

HEADS = ("head",)
SEED = 13
MAX_LEN = 128


def build_module(base_dir: Path, n_labels: int, layers: int = 6, pretrained: bool = True
                 ) -> Any:
    """Encoder + a linear layer over the masked mean of the token states; forward returns
    one logit per category."""
    import torch

    class LabelModule(torch.nn.Module):
        def __init__(self, bert: Any):
            super().__init__()
            self.bert = bert
            self.head = torch.nn.Linear(bert.config.hidden_size, n_labels)
            torch.nn.init.constant_(self.head.bias, -3.0)  # most texts carry no category

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)
            return self.head(mean)

    return LabelModule(tw.encoder(base_dir, layers, pretrained))


def load_trained(weights: Path, base_dir: Path | None = None) -> tuple[Any, list[str]]:
    meta = tw.read_meta(weights)
    slugs = json.loads(meta["labels"])
    module = build_module(base_dir or tw.base_model_dir(), len(slugs),
                          int(meta.get("layers", "6")))
    return tw.load_into(module, weights), slugs


class TextEncoder:
    """Single texts as word pieces: ``[CLS] text [SEP]`` cut at ``max_len``."""

    def __init__(self, tokenizer_json: Path, max_len: int = MAX_LEN):
        from tokenizers import Tokenizer

        tok: Any = Tokenizer.from_file(str(tokenizer_json))
        tok.enable_truncation(max_length=max_len)
        tok.enable_padding(pad_id=tok.token_to_id("[PAD]"), pad_token="[PAD]")
        self.tok = tok

    def encode(self, texts: list[str]) -> dict[str, Any]:
        import numpy as np

        enc = self.tok.encode_batch([t.strip() for t in texts])
        return {"input_ids": np.array([e.ids for e in enc], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask for e in enc], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids for e in enc], dtype=np.int64)}


def train(examples: list[dict[str, Any]], slugs: list[str], out: Path, *, layers: int = 6,
          epochs: float = 3.0, per_batch: int = 64, lr: float = 5e-5, max_len: int = MAX_LEN,
          seed: int = SEED, time_budget: float | None = None, device: str | None = None,
          base_dir: Path | None = None, log: Callable[[str], None] = print,
          meta: dict[str, Any] | None = None) -> dict[str, Any]:
    import torch
    import torch.nn.functional as F

    base_dir = base_dir or tw.base_model_dir()
    dev = train_loop.device_name(device)
    rng = train_loop.seed_all(seed)
    enc = TextEncoder(base_dir / "tokenizer.json", max_len)
    index = {s: i for i, s in enumerate(slugs)}
    module = build_module(base_dir, len(slugs), layers)
    tw.freeze(module)

    def make_batch(batch: list[dict[str, Any]]) -> dict[str, Any]:
        t = {k: torch.from_numpy(v).to(dev) for k, v in
             enc.encode([ex["text"] for ex in batch]).items()}
        y = torch.zeros((len(batch), len(slugs)), device=dev)
        for i, ex in enumerate(batch):
            for lab in ex["labels"]:
                if lab in index:
                    y[i, index[lab]] = 1.0
        t["y"] = y
        t["w"] = torch.tensor([float(ex["w"]) for ex in batch], device=dev)
        return t

    def loss(m: Any, t: dict[str, Any]) -> dict[str, Any]:
        logits = m(t["input_ids"], t["attention_mask"], t["token_type_ids"]).float()
        per = F.binary_cross_entropy_with_logits(logits, t["y"], reduction="none").sum(1)
        total = (per * t["w"]).sum() / t["w"].sum()
        return {"bce": total, "total": total}

    card = train_loop.fit(module, examples, make_batch, loss, heads=HEADS,
                          length=lambda ex: len(ex["text"]), rng=rng, epochs=epochs,
                          per_batch=per_batch, lr=lr, device=dev, time_budget=time_budget,
                          log=log)
    card.update({"layers": layers, "max_len": max_len, "seed": seed, "labels": slugs,
                 **(meta or {})})
    tw.write_model(module, out, {"layers": str(layers), "max_len": str(max_len),
                                 "labels": json.dumps(slugs)}, card)
    return card


def read_examples(path: Path, exclude_fold: int | None = None) -> list[dict[str, Any]]:
    out = []
    with open_text(path) as fh:
        for line in fh:
            ex = json.loads(line)
            if exclude_fold is None or ex["fold"] != exclude_fold:
                out.append(ex)
    return out


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.label_train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="label_examples.jsonl")
    p.add_argument("--labels", type=Path, required=True, help="corpus/taxonomy.json")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--exclude-fold", type=int, choices=(0, 1))
    p.add_argument("--layers", type=int, default=6, choices=range(1, 7))
    p.add_argument("--epochs", type=float, default=3.0)
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--limit", type=int)
    p.add_argument("--base", type=Path, help="all-MiniLM-L6-v2 folder (default: the wheel's)")
    p.add_argument("--time-budget", type=float)
    a = p.parse_args(argv)
    slugs = [c["slug"] for c in json.loads(a.labels.read_text(encoding="utf-8"))]
    examples = read_examples(a.data, a.exclude_fold)[: a.limit]
    card = train(examples, slugs, a.out, layers=a.layers, epochs=a.epochs, per_batch=a.batch,
                 lr=a.lr, seed=a.seed, time_budget=a.time_budget, base_dir=a.base,
                 meta={"data": a.data.name, "exclude_fold": a.exclude_fold})
    print(json.dumps({k: v for k, v in card.items() if k != "labels"}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
