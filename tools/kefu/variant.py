"""Traditional-Chinese editions: one conversion for pages, search, paper and findings.

A company file that sets ``company.variant: zh-Hant`` (and optionally ``company.opencc``:
``s2hk``, ``s2tw`` or ``s2twp`` for Hong Kong or Taiwan usage) gets its handbook in
traditional characters, converted at build time with OpenCC's own dictionaries rather
than a hand-made table.  ``to_simplified`` is the way back, so ``kefu check`` can read
labels written in traditional characters against the simplified model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

#: OpenCC configurations a company may choose for a traditional edition
TRADITIONAL = ("s2t", "s2hk", "s2tw", "s2twp")
DEFAULT_TRADITIONAL = "s2hk"


@functools.cache
def _opencc(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def config_of(company: Any) -> str | None:
    """The OpenCC configuration a company's edition needs, or None for simplified."""
    variant = str(getattr(company, "variant", "") or "").lower()
    if variant not in ("zh-hant", "traditional", "zh-hk", "zh-tw"):
        return None
    wanted = str(getattr(company, "opencc", "") or "").removesuffix(".json")
    if wanted in TRADITIONAL:
        return wanted
    return {"zh-hk": "s2hk", "zh-tw": "s2tw"}.get(variant, DEFAULT_TRADITIONAL)


def converter(company: Any) -> Callable[[str], str]:
    """A function turning the handbook's simplified text into the company's edition
    (the identity for a simplified edition)."""
    config = config_of(company)
    if config is None:
        return lambda text: text
    cc = _opencc(config)
    return lambda text: cc.convert(text) if text else text


def to_simplified(text: str) -> str:
    """Traditional (any usage) back to simplified, for reading records written in either."""
    return _opencc("t2s").convert(text) if text else text
