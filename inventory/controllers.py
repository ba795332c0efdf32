"""Catalogue management pages: centres, categories, skills, tool types, units."""

from __future__ import annotations

CONTROLLERS: list[type] = []
