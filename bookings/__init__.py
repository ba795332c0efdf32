"""Who has what when: lending (reservations, the waitlist, the desk), skills sessions and their
certificates, the public catalogue, and the reports."""
