"""Checked access to a parsed YAML mapping: every key is typed, named in errors, and must be known."""

from __future__ import annotations

import difflib
from collections.abc import Hashable, Iterable
from typing import Any

__all__ = ["REQUIRED", "ConfigError", "Section"]

REQUIRED: Any = object()
_TYPE_NAMES = {bool: "true or false", int: "an integer", float: "a number", str: "a string", list: "a list"}


class ConfigError(ValueError):
    """A configuration problem, as one line naming the file and the key: ``file: key: problem``."""


def _name(key: Hashable) -> str:
    return str(key).lower() if isinstance(key, bool) else str(key)


def _matches(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


class Section:
    """One mapping of the configuration, at key path ``path`` of file ``source``.

    :meth:`take` reads a key with a type check; :meth:`done` rejects the keys nobody read.
    """

    def __init__(self, data: Any, path: str, source: str) -> None:
        self.path, self.source = path, source
        if not isinstance(data, dict):
            raise ConfigError(f"{source}: {path or 'the file'}: must be a mapping of keys, got {data!r}")
        self.data: dict[Hashable, Any] = data
        self._used: set[Hashable] = set()
        self._allowed: tuple[set[str], str] | None = None

    def key(self, key: Hashable) -> str:
        """The full dotted name of ``key``, e.g. ``training.error.type``."""
        return f"{self.path}.{_name(key)}" if self.path else _name(key)

    def error(self, key: Hashable | None, message: str) -> ConfigError:
        """A :class:`ConfigError` for ``key`` (or for the whole section if None)."""
        where = self.key(key) if key is not None else (self.path or "the file")
        return ConfigError(f"{self.source}: {where}: {message}")

    def take(self, key: Hashable, kind: type | tuple[type, ...], default: Any = REQUIRED) -> Any:
        """The value of ``key``, checked to be of type ``kind`` (an int is accepted as a float)."""
        self._used.add(key)
        if key not in self.data or self.data[key] is None:
            if default is REQUIRED:
                raise self.error(key, "is required but missing")
            return default
        value = self.data[key]
        kinds = kind if isinstance(kind, tuple) else (kind,)
        if not any(_matches(value, k) for k in kinds):
            wanted = " or ".join(_TYPE_NAMES.get(k, k.__name__) for k in kinds)
            raise self.error(key, f"must be {wanted}, got {value!r}")
        return float(value) if kinds == (float,) else value

    def section(self, key: Hashable, required: bool = False) -> Section | None:
        """The sub-mapping at ``key`` (None when absent and not required)."""
        self._used.add(key)
        if self.data.get(key) is None:
            if required:
                raise self.error(key, "is required but missing")
            return None
        return Section(self.data[key], self.key(key), self.source)

    def sections(self, key: Hashable) -> list[Section]:
        """The list of mappings at ``key`` (e.g. the layer list)."""
        self._used.add(key)
        value = self.data.get(key)
        if value is None:
            raise self.error(key, "is required but missing")
        if not isinstance(value, list):
            raise self.error(key, f"must be a list, got {value!r}")
        return [Section(item, f"{self.key(key)}[{i}]", self.source) for i, item in enumerate(value)]

    def ignore(self, keys: Iterable[Hashable]) -> list[str]:
        """Mark ``keys`` as known but unused; returns the full names of those present."""
        present = [k for k in keys if k in self.data]
        self._used.update(present)
        return [self.key(k) for k in present]

    def allow(self, keys: set[str], what: str) -> None:
        """Restrict the keys of this section to ``keys`` (``what`` names the thing, for errors)."""
        self._allowed = (keys, what)

    def done(self, known: Iterable[str] = ()) -> None:
        """Raise on the first key that was never read.

        ``known`` lists keys that are valid elsewhere (e.g. ``stride`` on a conv layer): such a key
        "does not apply" here rather than being unknown.
        """
        known = set(known)
        for key in self.data:
            if key in self._used:
                continue
            name = _name(key)
            if self._allowed is not None and name in known:
                raise self.error(key, f"does not apply to {self._allowed[1]}")
            valid = sorted(self._allowed[0] if self._allowed else {_name(k) for k in self._used})
            close = difflib.get_close_matches(name, valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise self.error(key, f"unknown key{hint}; valid keys here: {', '.join(valid)}")
