"""Reading what kefu reads: YAML safely with lines (:mod:`.yamlio`), the handbook (:mod:`.handbook`)."""

from kefu.load.handbook import (
                                CONFIG_NAME,
                                SHIPPED,
                                HandbookError,
                                content_files,
                                find_config,
                                load_handbook,
                                locate,
                                require,
)
from kefu.load.yamlio import MAX_BYTES, MAX_DEPTH, LineList, LineMap, LoadError, parse_text, plain, read_yaml

__all__ = ["CONFIG_NAME", "MAX_BYTES", "MAX_DEPTH", "SHIPPED", "HandbookError", "LineList", "LineMap", "LoadError",
           "content_files", "find_config", "load_handbook", "locate", "parse_text", "plain", "read_yaml", "require"]
