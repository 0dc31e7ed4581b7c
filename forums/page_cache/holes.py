"""The {% hole %} tag lives in the base layer (community.page_cache.holes)."""

from community.page_cache.holes import SHARED_CONTEXT_FLAG, HoleNode, register

__all__ = ["SHARED_CONTEXT_FLAG", "HoleNode", "register"]
