"""Who is asking: the signed-in person as every page and service sees them, and the roles."""

from __future__ import annotations

from dataclasses import dataclass

ROLES = ("member", "staff", "coordinator", "admin")
STAFF_ROLES = ("staff", "coordinator", "admin")


@dataclass(frozen=True)
class CurrentUser:
    id: int
    name: str
    role: str
    status: str
    language: str
    centre_ids: frozenset[int]  # desk staff: their centres; others: empty
    unread_messages: int = 0  # messages on their page not read yet (the menu shows it)
    home_centre: int | None = None  # where they usually come (the catalogue shows it first)
    # an API token's scopes that the role allows today (rental.kernel.token_rules); None: a
    # session, with every right of the role
    scopes: frozenset[str] | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    @property
    def all_centres(self) -> bool:
        return self.role in ("coordinator", "admin")

    def can_act_for(self, centre_id: int) -> bool:
        return self.all_centres or centre_id in self.centre_ids
