"""The reports as named queries: one module a report (usage, condition, money, donor,
network), each with its SQL as named constants and the function that runs them over one read
snapshot and shapes the figures; what they share (the scope, the period's values, running a
query) in queries.common; each figure more than one report shows (loans, borrowers, new
members, collected, sessions held and attended) defined once in queries.figures, so that the
reports agree; the SQL that differs between the engines in rental.kernel.db."""

from bookings.reports.queries.common import Scope, centres
from bookings.reports.queries.condition import condition
from bookings.reports.queries.donor import donor
from bookings.reports.queries.money import money
from bookings.reports.queries.network import network
from bookings.reports.queries.usage import usage

__all__ = ["Scope", "centres", "condition", "donor", "money", "network", "usage"]
