"""The user-facing error vocabulary. Front ends turn these into one-line messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass

# the exit status of a failure that is not the user's input (a bug): one line, never 0-5
INTERNAL_ERROR = 70


def quoted(value: object, limit: int = 60) -> str:
    """``repr(value)`` cut to about ``limit`` characters, for echoing input in a message."""
    text = str(value)
    return repr(text) if len(text) <= limit else repr(text[:limit]) + f"… ({len(text):,} chars)"


class PolicyAssistantError(Exception):
    """An error the user can act on; its message is shown as is, without a traceback."""

    exit_code = 1


class BadInput(PolicyAssistantError):
    exit_code = 2


class NotFound(PolicyAssistantError):
    exit_code = 3


class IndexMissing(PolicyAssistantError):
    exit_code = 4


class StoreUnavailable(PolicyAssistantError):
    exit_code = 5


@dataclass(frozen=True)
class Problem:
    """Something wrong with one input; the rest of the input still goes through."""

    where: str
    reason: str

    def __str__(self) -> str:
        return f"{self.where}: {self.reason}"
