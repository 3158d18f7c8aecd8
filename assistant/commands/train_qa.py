"""`policy-assistant train-qa`: fine-tune the question-answering cross-encoder (reranker,
reader, yes/no) from all-MiniLM-L6-v2 on the set `train-data` wrote. On a CPU this takes
hours for the shipped model; `--limit` and `--epochs` make a smoke run."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "train-qa", help="train the reranker / reader / yes-no model",
        description="Train the QA cross-encoder on qa_groups.jsonl (from train-data) and write "
        "weights.safetensors + training.json to --out. The shipped model "
        "(assistant/models/qa) was trained with --layers 3 --epochs 4 --time-budget 400 on "
        "a GPU; point POLICY_ASSISTANT_QA_MODEL at --out to answer with another model.")
    p.add_argument("--data", type=Path, help="qa_groups.jsonl[.xz] "
                   "(default: <data dir>/cache/training/qa_groups.jsonl)")
    p.add_argument("--out", type=Path, help="output folder (default: <data dir>/cache/models/qa)")
    p.add_argument("--layers", type=int, default=3, choices=range(1, 7))
    p.add_argument("--epochs", type=float, default=4.0)
    p.add_argument("--exclude-fold", type=int, choices=(0, 1),
                   help="leave out one fold of platforms (for held-out evaluation)")
    p.add_argument("--limit", type=int, help="train on the first N groups only")
    p.add_argument("--time-budget", type=float, help="stop after this many seconds")
    p.add_argument("--seed", type=int, default=13)
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Any) -> int:
    from tqdm import tqdm

    from assistant.commands.out_dir import writable
    from assistant.qa_train import read_groups, train
    from corpus.errors import BadInput

    data = args.data or ctx.settings.cache_dir / "training" / "qa_groups.jsonl"
    if not data.is_file():
        raise BadInput(f"no training set at {data}; build it with `policy-assistant train-data`")
    groups = read_groups(data, args.exclude_fold)[: args.limit]
    if not groups:
        raise BadInput(f"{data} holds no training groups")
    out = args.out or ctx.settings.cache_dir / "models" / "qa"
    writable(out, "the model")
    bar = tqdm(desc="training", unit="step", total=None)

    def log(line: str) -> None:
        bar.update(50 if not line.startswith("step 1/") else 1)
        bar.set_postfix_str(line.split(" ", 3)[-1][:60])

    card = train(groups, out, layers=args.layers, epochs=args.epochs, seed=args.seed,
                 time_budget=args.time_budget, log=log,
                 meta={"data": data.name, "exclude_fold": args.exclude_fold})
    bar.close()
    print(f"trained {card['steps']} steps ({card['epochs']} epochs) in {card['seconds']} s on "
          f"{card['device']}; final losses {card['final_losses']}; written to {out}")
    return 0
