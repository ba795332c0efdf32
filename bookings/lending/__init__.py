"""Lending: reservations and availability, the waitlist, and the front desk (check-out, check-in,
renewals, overdue and lost loans)."""
