"""Configuration: the key registry of the loaded library and the `Config` handle.

Every option of ferrolab is a typed, unit-named, range-checked key (`pf.grain_diameter_nm`,
`gp.length_scale`, ...). The registry is read from the library when the package is imported
(`ferrolab_config_key_count / _key_name / _key_describe`), so keys added in C appear here without
a change to this package: as `Config` keys, as keyword options of the functions, and as the
parameters of the estimators (`gp.length_scale` is `GaussianProcess(length_scale=...)`).
"""
import ctypes
import difflib
import numbers
import re
from collections import namedtuple
from ctypes import c_double, c_int64, c_size_t

import numpy as np

from . import _lib, errors
from ._check import Args
from ._handle import Handle, new_handle

Key = namedtuple("Key", "name kind unit valid default doc")
Key.__doc__ = """One configuration key: `kind` is "real", "integer", "text", "real list" or "integer
list"; `unit` ("" when dimensionless), `valid` (the range or the allowed words, as text),
`default` (the Python value) and `doc` are the library's own description."""

# The describe text: "NAME: TYPE[, unit UNIT], valid RANGE, default DEFAULT. DOC" (src/config/spec.rs).
_KINDS = {"a real number": "real", "an integer": "integer", "text": "text",
          "a list of real numbers": "real list", "a list of integers": "integer list"}
_DESCRIBE = re.compile(r"^(?P<name>[^:]+): (?P<kind>" + "|".join(_KINDS) + r")(?:, unit (?P<unit>.*?))?"
                       r", valid (?P<valid>.*?), default .*?\. (?P<doc>.*)$", re.S)


def describe(key):
    """The library's description of a key: type, unit, valid range, default and meaning."""
    k = key.encode()
    return _lib.read_string(lambda buf, cap, needed: _lib.lib.ferrolab_config_key_describe(k, buf, cap, needed))


def _key_names():
    count = c_size_t()
    _lib.check(_lib.lib.ferrolab_config_key_count(ctypes.byref(count)))
    return [_lib.read_string(lambda buf, cap, needed, i=i: _lib.lib.ferrolab_config_key_name(i, buf, cap, needed))
            for i in range(count.value)]


def keys(prefix=""):
    """The names of every configuration key starting with `prefix` (all by default), in name order."""
    return [name for name in _key_names() if name.startswith(prefix)]


def unknown_key(where, key):
    """The error for a key the registry does not have, with the nearest names as a hint."""
    near = difflib.get_close_matches(key, REGISTRY, n=3)
    hint = " (did you mean " + ", ".join(f'"{n}"' for n in near) + "?)" if near else ""
    return errors.UnknownKeyError(errors.ERR_UNKNOWN_KEY, f'{where}: unknown configuration key "{key}"{hint}')


class Config(Handle):
    """Options: every key at its default until set.

    ``Config({"pf.grain_diameter_nm": 10.0, "pf.seed": 3})`` sets keys at creation; `cfg[key]` /
    `cfg[key] = value` read and write one (also `get` / `set`), `reset(key)` restores its
    default. Values are converted to the key's type: an int for a real key, a bool for an integer
    flag, a scalar for a list key and any array-like of numbers are accepted; a wrong type raises
    `WrongTypeError`, an unknown key `UnknownKeyError`, a value outside the key's range
    `OutOfRangeError` (all ValueError), naming the key. `ferrolab.describe(key)` tells a key's
    unit, range and meaning; docs/keys.md lists them all.
    """

    _object = "config"

    def __init__(self, values=None):
        super().__init__(new_handle(_lib.lib.ferrolab_config_new))
        for key, value in (values or {}).items():
            self.set(key, value)

    def _spec(self, where, key):
        if not isinstance(key, str):
            raise errors.WrongTypeError(errors.ERR_WRONG_TYPE, f"{where}: a key is a str; got {key!r}")
        spec = REGISTRY.get(key)
        if spec is None:
            raise unknown_key(where, key)
        return spec

    def set(self, key, value):
        """Set `key` to `value`, converted to the key's type (see the class doc)."""
        spec = self._spec("Config.set", key)
        args = Args("Config.set")
        lib, h, k = _lib.lib, self._h, key.encode()
        if spec.kind == "real":
            _lib.check(lib.ferrolab_config_set_f64(h, k, args.real(key, value)))
        elif spec.kind == "integer":
            # A bool is an integer here: flags are 0/1 keys, and True reads better than 1.
            value = int(value) if isinstance(value, bool) else args.integer(key, value, -(1 << 63), (1 << 63) - 1)
            _lib.check(lib.ferrolab_config_set_i64(h, k, value))
        elif spec.kind == "text":
            if not isinstance(value, str):
                raise errors.WrongTypeError(errors.ERR_WRONG_TYPE,
                                            f"Config.set: {key} holds text; got {type(value).__name__} {value!r}")
            _lib.check(lib.ferrolab_config_set_str(h, k, value.encode()))
        else:
            real = spec.kind == "real list"
            if isinstance(value, numbers.Number):  # one value for a list key: a list of one
                value = [value]
            a = args.array(key, value, (None,), dtype=np.float64 if real else np.int64)
            setter = lib.ferrolab_config_set_f64_array if real else lib.ferrolab_config_set_i64_array
            _lib.check(setter(h, k, _lib.ptr(a), a.size))

    def get(self, key):
        """The value of `key` (its default unless set), as float, int, str or list."""
        spec = self._spec("Config.get", key)
        lib, h, k = _lib.lib, self._h, key.encode()
        if spec.kind == "real":
            out = c_double()
            _lib.check(lib.ferrolab_config_get_f64(h, k, ctypes.byref(out)))
            return out.value
        if spec.kind == "integer":
            out = c_int64()
            _lib.check(lib.ferrolab_config_get_i64(h, k, ctypes.byref(out)))
            return out.value
        if spec.kind == "text":
            return _lib.read_string(lambda buf, cap, needed: lib.ferrolab_config_get_str(h, k, buf, cap, needed))
        ctype, getter = ((c_double, lib.ferrolab_config_get_f64_array) if spec.kind == "real list"
                         else (c_int64, lib.ferrolab_config_get_i64_array))
        # List keys hold a few values; a longer list is read again at its length. (Asking for the
        # length first would leave a truncation warning as the handle's last message.)
        cap, length = 16, c_size_t()
        while True:
            out = (ctype * cap)()
            if _lib.check(getter(h, k, out, cap, ctypes.byref(length))) != errors.WARN_TRUNCATED:
                return out[:length.value]
            cap = length.value

    def reset(self, key):
        """Put `key` back to its default."""
        self._spec("Config.reset", key)
        _lib.check(_lib.lib.ferrolab_config_reset(self._h, key.encode()))

    __getitem__ = get
    __setitem__ = set

    def changed(self):
        """The keys whose value differs from the default, as a dict."""
        return {name: value for name, spec in REGISTRY.items() if (value := self.get(name)) != spec.default}

    def copy(self):
        """An independent Config with the same values."""
        return Config(self.changed())

    def __repr__(self):
        return f"Config({self.changed()!r})" if not self.closed else "Config(<closed>)"


# name -> Key, every key of the loaded library; filled once, at import.
REGISTRY = {}


def _read_registry():
    for name in _key_names():
        text = describe(name)
        m = _DESCRIBE.match(text)
        if m is None or m["name"] != name:
            raise ImportError(f"ferrolab: cannot read the description of key {name!r}: {text!r}")
        REGISTRY[name] = Key(name, _KINDS[m["kind"]], m["unit"] or "", m["valid"], None, m["doc"])
    # Defaults read back through the typed getters: exact values, not the rounded describe text.
    with Config() as defaults:
        for name, spec in REGISTRY.items():
            REGISTRY[name] = spec._replace(default=defaults.get(name))


_read_registry()


def build(where, config, options, prefix):
    """The Config a call passes to C: a copy of `config` (None: the defaults) with `options`
    applied, or None (C's defaults) when both are empty.

    An option `name` is the key `prefix + name`; `other__name` is the key `other.name`, for the
    keys of the other engines a job reads (``Sweep(path, levels=2, pf__cells_width=16)``: the
    same double underscore scikit-learn uses for nested parameters). Unknown keys raise
    `UnknownKeyError` before anything is set.
    """
    if config is not None and not isinstance(config, Config):
        raise errors.WrongTypeError(errors.ERR_WRONG_TYPE,
                                    f"{where}: config must be a ferrolab.Config; got {type(config).__name__}")
    values = {}
    for name, value in options.items():
        key = name.replace("__", ".", 1) if "__" in name else prefix + name
        if key not in REGISTRY:
            raise unknown_key(where, key)
        values[key] = value
    if not values:
        return config
    cfg = config.copy() if config is not None else Config()
    for key, value in values.items():
        cfg.set(key, value)
    return cfg


def handle_of(config):
    """The C handle of an optional Config (None: NULL, the defaults). The caller keeps the Config
    referenced until the C call returns: a temporary would be freed (with its handle) first."""
    return None if config is None else config._h
