"""The kernel every package may use: the database and its transactions, settings, the clock,
the web layer's helpers, languages, phone numbers and the values people type."""
