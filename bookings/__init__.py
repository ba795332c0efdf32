"""Who has what when: bookings, availability, the desk, sessions and reports."""
