"""The demo network: its data and the seed that writes it through the three packages."""
