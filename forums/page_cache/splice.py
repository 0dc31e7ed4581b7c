"""Shared HTML with holes lives in the base layer (community.page_cache.splice), so the
member pages below the forums share pages the same way; the forums' modules import it here."""

from community.page_cache.splice import Pieces, UnknownHole, cut, fill, filled, hole, marker

__all__ = ["Pieces", "UnknownHole", "cut", "fill", "filled", "hole", "marker"]
