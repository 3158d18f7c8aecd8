"""Size limits on what the tool reads, each with the setting that changes it.

The real corpus stays far inside them: its largest document file is 0.9 MB (Roblox's Terms of
Service), its largest document 1,354 clauses, its longest record ID 35 characters. Past a limit
the input is refused with one line naming it and the setting, and the rest goes on.
"""

from __future__ import annotations

from dataclasses import dataclass

MB = 2**20


def size_text(n: int) -> str:
    """``52.4 MB``, ``10 MB``, ``1,048 bytes``."""
    if n < MB:
        return f"{n:,} bytes"
    return f"{n / MB:,.1f}".rstrip("0").rstrip(".") + " MB"


def file_too_large(size: int, max_bytes: int) -> str:
    """The reason a file of ``size`` bytes is refused, or '' when it is not."""
    if size <= max_bytes:
        return ""
    return (f"is {size_text(size)}; files over {size_text(max_bytes)} are not read "
            "(POLICY_ASSISTANT_MAX_FILE_MB)")


@dataclass(frozen=True)
class Limits:
    max_file_mb: float = 10.0  # a document or page file, read whole (POLICY_ASSISTANT_MAX_FILE_MB)
    max_clauses: int = 10000  # clauses of one document (POLICY_ASSISTANT_MAX_CLAUSES)
    max_record_id: int = 100  # characters of a record ID looked up (POLICY_ASSISTANT_MAX_RECORD_ID)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * MB)

    def too_many_clauses(self, n: int) -> str:
        if n <= self.max_clauses:
            return ""
        return (f"has {n:,} clauses; documents over {self.max_clauses:,} clauses are not stored "
                "(POLICY_ASSISTANT_MAX_CLAUSES)")


DEFAULT_LIMITS = Limits()
