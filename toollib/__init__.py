"""The composition root: the one place that sees rental, inventory and bookings together —
the Litestar app, the `rental` command, the Piccolo configuration, the admin and the demo.
Nothing imports it."""
