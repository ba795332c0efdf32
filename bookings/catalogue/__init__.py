"""The public catalogue: tool types with what is free when, the home page and its API."""
