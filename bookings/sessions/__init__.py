"""Skills sessions and the certificates they earn (below lending, which asks them)."""
