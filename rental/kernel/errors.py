"""The one kind of error a service raises when it refuses: the page re-renders its form with
the messages next to their fields, the API answers {"status", "errors"}, and anything no
handler renders becomes its error page (rental.kernel.responses) — never a 500."""

from __future__ import annotations

from typing import Any

STATUS_OF = {"invalid": 422, "forbidden": 403, "conflict": 409, "not_found": 404,
             "throttled": 429}


class DomainError(Exception):
    """`kind` says what the refusal means (invalid, forbidden, conflict, not_found or
    throttled: its status); `errors` maps a field (or "form") to a message id, or to
    (message id, values). Nothing was written."""

    def __init__(self, kind: str, errors: dict[str, Any]):
        if kind not in STATUS_OF:
            raise ValueError(f"unknown kind of refusal: {kind}")
        super().__init__(kind, errors)
        self.kind = kind
        self.errors = errors

    @property
    def status(self) -> int:
        return STATUS_OF[self.kind]

    @property
    def first(self) -> Any:
        """The first message, for a flash or an error page."""
        return next(iter(self.errors.values()))
