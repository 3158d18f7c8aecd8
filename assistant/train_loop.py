"""The fine-tuning loop both trained models share: AdamW with a linear warm-up and decay,
heads at 20x the encoder's learning rate, batches of similar length (dynamic padding), bf16
autocast on a GPU, gradient clipping, a step and a time budget, a running loss in the log.
Imports torch only."""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

Log = Callable[[str], None]


def seed_all(seed: int) -> random.Random:
    import torch

    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    return random.Random(seed)


def device_name(device: str | None = None) -> str:
    import torch

    return device or ("cuda" if torch.cuda.is_available() else "cpu")


def length_batches(items: Sequence[Any], per_batch: int, length: Callable[[Any], int],
                   rng: random.Random) -> Iterator[list[Any]]:
    """Items in batches of similar length, in random batch order."""
    order = list(range(len(items)))
    rng.shuffle(order)
    chunk = per_batch * 50
    out = []
    for c in range(0, len(order), chunk):
        part = sorted(order[c:c + chunk], key=lambda i: length(items[i]))
        out += [[items[i] for i in part[b:b + per_batch]]
                for b in range(0, len(part), per_batch)]
    rng.shuffle(out)
    yield from out


def fit(module: Any, items: Sequence[Any], make_batch: Callable[[list[Any]], dict[str, Any]],
        loss: Callable[[Any, dict[str, Any]], dict[str, Any]], *, heads: tuple[str, ...],
        length: Callable[[Any], int], rng: random.Random, epochs: float, per_batch: int,
        lr: float, device: str, time_budget: float | None = None,
        log: Log = print) -> dict[str, Any]:
    import torch

    module.to(device).train()
    named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
    head_params = [p for n, p in named if n.split(".")[0] in heads]
    body = [p for n, p in named if n.split(".")[0] not in heads]
    opt = torch.optim.AdamW([{"params": body, "lr": lr}, {"params": head_params,
                                                          "lr": lr * 20}], weight_decay=0.01)
    steps_per_epoch = max(1, math.ceil(len(items) / per_batch))
    total = max(1, int(steps_per_epoch * epochs))
    warm = max(1, total // 20)
    t0 = time.time()

    def factor(s: int) -> float:
        # linear warm-up, then linear decay to zero at the last step or at the time budget,
        # whichever comes first
        done = s / total
        if time_budget:
            done = max(done, (time.time() - t0) / time_budget)
        return min((s + 1) / warm, max(0.0, 1.0 - done) / max(1e-9, 1.0 - warm / total))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, factor)
    amp = device.startswith("cuda")
    step = 0
    running: dict[str, float] = {}
    stopped = "steps"
    while step < total and stopped == "steps":
        for batch in length_batches(items, per_batch, length, rng):
            t = make_batch(batch)
            with torch.autocast("cuda", dtype=torch.bfloat16, enabled=amp):
                ls = loss(module, t)
            opt.zero_grad(set_to_none=True)
            ls["total"].backward()
            torch.nn.utils.clip_grad_norm_(module.parameters(), 1.0)
            opt.step()
            sched.step()
            step += 1
            for k, v in ls.items():
                val = float(v.detach())
                running[k] = 0.98 * running.get(k, val) + 0.02 * val
            if step % 50 == 0 or step == total:
                log(f"step {step}/{total} {time.time() - t0:.0f}s "
                    + " ".join(f"{k} {v:.3f}" for k, v in running.items()))
            if step >= total:
                break
            if time_budget is not None and time.time() - t0 > time_budget:
                stopped = "time budget"
                break
    module.eval()
    return {"items": len(items), "steps": step, "planned_steps": total, "stopped_by": stopped,
            "epochs": round(step / steps_per_epoch, 3), "per_batch": per_batch, "lr": lr,
            "device": torch.cuda.get_device_name() if amp else "cpu",
            "seconds": round(time.time() - t0, 1),
            "final_losses": {k: round(v, 4) for k, v in running.items()}}
