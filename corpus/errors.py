"""The user-facing error vocabulary. Front ends turn these into one-line messages and exit codes."""

from __future__ import annotations

from dataclasses import dataclass


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
