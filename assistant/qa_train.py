"""Train the question-answering cross-encoder: one MiniLM encoder over ``question + passage``
with three heads, so one forward pass per candidate serves all three answering stages:

- ``rel``: how well the passage answers the question (the reranker; listwise softmax over
  the group's answering passage and its negatives);
- ``start`` / ``end``: the answer span inside the passage (the reader; a passage that does not
  answer points both at ``[CLS]``, the null answer, as in SQuAD 2.0);
- ``pol``: yes / no / neither, for yes/no questions (the lead gate).

Starts from the all-MiniLM-L6-v2 weights the project already ships; the word-piece embedding
matrix stays frozen, so the trained model is stored as the *difference* (six layers, position
embeddings, heads) with int8 weights, about 11 MB. Runs on a GPU when there is one (bf16),
else on the CPU. Imports torch, transformers and safetensors only (plus numpy and tokenizers
through ``assistant.qa_tokens``), so it runs on a machine without the project's stores.

    python -m assistant.qa_train --data DIR/qa_groups.jsonl --out assistant/models/qa
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from assistant import train_loop
from assistant import trained_weights as tw
from assistant.qa_tokens import PairEncoder, char_span_to_tokens
from corpus.packed import open_text

HEADS = ("rel", "span", "pol")
SEED = 13


def build_module(base_dir: Path, layers: int = 6, pretrained: bool = True) -> Any:
    """The encoder with its three heads, as one torch module whose forward returns
    ``(rel, start, end, pol)``."""
    import torch

    class QAModule(torch.nn.Module):
        def __init__(self, bert: Any):
            super().__init__()
            self.bert = bert
            h = bert.config.hidden_size
            self.rel = torch.nn.Linear(h, 1)
            self.span = torch.nn.Linear(h, 2)
            self.pol = torch.nn.Linear(h, 3)

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any
                    ) -> tuple[Any, Any, Any, Any]:
            hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask,
                               token_type_ids=token_type_ids).last_hidden_state
            cls = hidden[:, 0]
            span = self.span(hidden)
            return self.rel(cls).squeeze(-1), span[..., 0], span[..., 1], self.pol(cls)

    return QAModule(tw.encoder(base_dir, layers, pretrained))


def load_trained(weights: Path, base_dir: Path | None = None) -> Any:
    """The trained module in float32: base weights, then the shipped difference."""
    layers = int(tw.read_meta(weights).get("layers", "6"))
    return tw.load_into(build_module(base_dir or tw.base_model_dir(), layers), weights)


# ---- data ------------------------------------------------------------------------------------

def check_group(g: Any) -> str | None:
    """What is wrong with one line of qa_groups.jsonl, or None: the trainer reads these keys."""
    if not isinstance(g, dict):
        return "a group must be a JSON object"
    for key in ("q", "pos"):
        if not isinstance(g.get(key), str) or not g[key].strip():
            return f"field {key!r} must be non-empty text"
    if not isinstance(g.get("negs"), list) or not all(isinstance(n, str) for n in g["negs"]):
        return "field 'negs' must be a list of texts"
    span = g.get("span")
    if span is not None and not (isinstance(span, list) and len(span) == 2
                                 and all(isinstance(i, int) for i in span)):
        return "field 'span' must be null or [start, end]"
    if g.get("pol") not in (None, 0, 1):
        return "field 'pol' must be null, 0 (yes) or 1 (no)"
    if g.get("fold") not in (0, 1):
        return "field 'fold' must be 0 or 1"
    return None


def read_groups(path: Path, exclude_fold: int | None = None,
                sources: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """The groups of a qa_groups.jsonl[.xz]; a line the trainer cannot read is a BadInput
    naming the line, before any model is loaded."""
    from corpus.errors import BadInput

    out = []
    with open_text(path) as fh:
        for n, line in enumerate(fh, 1):
            try:
                g = json.loads(line)
            except json.JSONDecodeError:
                raise BadInput(f"{path}:{n}: not JSON; expected a training group as "
                               "`train-data` writes them") from None
            if (why := check_group(g)) is not None:
                raise BadInput(f"{path}:{n}: {why} (see `train-data`)")
            if exclude_fold is not None and g["fold"] == exclude_fold:
                continue
            if sources and g["src"] not in sources:
                continue
            out.append(g)
    return out


def tensors_for(enc: PairEncoder, batch: list[dict[str, Any]], device: str
                ) -> dict[str, Any]:
    """Pairs (positive first, then negatives, per group) and every target."""
    import torch

    pairs: list[tuple[str, str]] = []
    owner: list[tuple[int, int]] = []  # (group index, slot)
    for gi, g in enumerate(batch):
        for slot, p in enumerate([g["pos"], *g["negs"]]):
            pairs.append((g["q"], p))
            owner.append((gi, slot))
    pb = enc.encode(pairs)
    n_slots = max(slot for _, slot in owner) + 1
    rel_index = torch.full((len(batch), n_slots), -1, dtype=torch.long)
    starts, ends, span_w = [], [], []
    pols, pol_w = [], []
    for row, (gi, slot) in enumerate(owner):
        rel_index[gi, slot] = row
        g = batch[gi]
        if slot == 0 and g["span"] is not None:
            ts = char_span_to_tokens(pb.offsets[row], pb.passage[row], *g["span"])
            s, e = ts if ts is not None else (0, 0)
            starts.append(s)
            ends.append(e)
            span_w.append(1.0)
        elif slot > 0:
            starts.append(0)
            ends.append(0)
            span_w.append(0.3)  # negatives teach the null answer, at a lower weight
        else:
            starts.append(0)
            ends.append(0)
            span_w.append(0.0)  # an answering passage whose span is unknown
        if g["pol"] is not None:
            pols.append(g["pol"] if slot == 0 else 2)
            pol_w.append(1.0)
        else:
            pols.append(0)
            pol_w.append(0.0)
    t = {k: torch.from_numpy(v).to(device) for k, v in pb.arrays().items()}
    t.update({"rel_index": rel_index.to(device),
              "start": torch.tensor(starts, device=device),
              "end": torch.tensor(ends, device=device),
              "span_w": torch.tensor(span_w, device=device),
              "pol": torch.tensor(pols, device=device),
              "pol_w": torch.tensor(pol_w, device=device)})
    return t


def losses(module: Any, t: dict[str, Any]) -> dict[str, Any]:
    import torch
    import torch.nn.functional as F

    rel, start, end, pol = module(t["input_ids"], t["attention_mask"], t["token_type_ids"])
    rel, start, end, pol = rel.float(), start.float(), end.float(), pol.float()
    idx = t["rel_index"]
    scores = torch.where(idx >= 0, rel[idx.clamp(min=0)], torch.full_like(idx, -1e4,
                                                                          dtype=rel.dtype))
    rank = F.cross_entropy(scores, torch.zeros(len(idx), dtype=torch.long, device=rel.device))
    pad = t["attention_mask"] == 0
    start = start.masked_fill(pad, -1e4)
    end = end.masked_fill(pad, -1e4)
    w = t["span_w"]
    span = ((F.cross_entropy(start, t["start"], reduction="none")
             + F.cross_entropy(end, t["end"], reduction="none")) * w).sum() / w.sum().clamp(
        min=1.0) / 2
    pw = t["pol_w"]
    polarity = (F.cross_entropy(pol, t["pol"], reduction="none") * pw).sum() / pw.sum().clamp(
        min=1.0)
    return {"rank": rank, "span": span, "pol": polarity,
            "total": rank + span + 0.5 * polarity}


# ---- training --------------------------------------------------------------------------------

def train(groups: list[dict[str, Any]], out: Path, *, layers: int = 6, epochs: float = 2.0,
          per_batch: int = 32, lr: float = 5e-5, max_len: int = 256, seed: int = SEED,
          time_budget: float | None = None, device: str | None = None,
          base_dir: Path | None = None, log: Callable[[str], None] = print,
          meta: dict[str, Any] | None = None) -> dict[str, Any]:
    """Fine-tune and write ``out`` (weights.safetensors) and ``out``'s training.json."""
    base_dir = base_dir or tw.base_model_dir()
    device = train_loop.device_name(device)
    rng = train_loop.seed_all(seed)
    enc = PairEncoder(base_dir / "tokenizer.json", max_len)
    module = build_module(base_dir, layers)
    tw.freeze(module)
    card = train_loop.fit(
        module, groups, lambda b: tensors_for(enc, b, device), losses, heads=HEADS,
        length=lambda g: len(g["pos"]), rng=rng, epochs=epochs, per_batch=per_batch, lr=lr,
        device=device, time_budget=time_budget, log=log)
    card.update({"layers": layers, "max_len": max_len, "seed": seed, **(meta or {})})
    tw.write_model(module, out, {"layers": str(layers), "max_len": str(max_len)}, card)
    return card


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m assistant.qa_train", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", type=Path, required=True, help="qa_groups.jsonl (train-data)")
    p.add_argument("--out", type=Path, required=True, help="folder for weights + training.json")
    p.add_argument("--exclude-fold", type=int, choices=(0, 1),
                   help="leave out the platforms of this fold (models scored on them)")
    p.add_argument("--layers", type=int, default=6, choices=range(1, 7),
                   help="MiniLM layers kept (the first N of 6)")
    p.add_argument("--epochs", type=float, default=2.0)
    p.add_argument("--batch", type=int, default=32, help="groups per step (default 32)")
    p.add_argument("--lr", type=float, default=5e-5)
    p.add_argument("--max-len", type=int, default=256)
    p.add_argument("--seed", type=int, default=SEED)
    p.add_argument("--limit", type=int, help="only the first N groups (smoke runs)")
    p.add_argument("--base", type=Path, help="all-MiniLM-L6-v2 folder (default: the wheel's)")
    p.add_argument("--time-budget", type=float, help="stop after this many seconds")
    a = p.parse_args(argv)
    groups = read_groups(a.data, a.exclude_fold)[: a.limit]
    card = train(groups, a.out, layers=a.layers, epochs=a.epochs, per_batch=a.batch, lr=a.lr,
                 max_len=a.max_len, seed=a.seed, time_budget=a.time_budget, base_dir=a.base,
                 meta={"data": a.data.name, "exclude_fold": a.exclude_fold})
    print(json.dumps(card))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
