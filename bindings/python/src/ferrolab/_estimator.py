"""scikit-learn's estimator conventions, with the parameters taken from the key registry.

An estimator class names a key prefix (`_prefix = "gp."`); its parameters are then every key under
that prefix, without it (`gp.length_scale` is the parameter `length_scale`), with the library's
defaults, plus the few `_extra` parameters that are not keys. So a key added to an engine in Rust
becomes a parameter here, documented with its unit, without a change to this package. As in
scikit-learn: the constructor only stores the parameters (as attributes of the same names; they
are checked when `fit` hands them to C), `get_params` / `set_params` read and change them, the
repr shows those that differ from the defaults, and what `fit` learns ends with an underscore.
"""
import copy
import difflib
import inspect
import textwrap

import numpy as np

from . import errors
from .config import REGISTRY, Config

_TYPE_NAMES = {"real": "float", "integer": "int", "text": "str", "real list": "float or list of float",
               "integer list": "int or list of int"}


def _indent(text):
    return textwrap.fill(text, width=96, initial_indent=" " * 8, subsequent_indent=" " * 8)


def _same(a, b):
    if isinstance(a, (list, tuple, np.ndarray)) or isinstance(b, (list, tuple, np.ndarray)):
        return np.array_equal(np.asarray(a), np.asarray(b))
    return a == b


class Estimator:
    """Base of the estimators (see the module doc)."""

    _prefix = None
    _extra = {}  # parameters that are not configuration keys: name -> (default, doc)
    # scikit-learn's kind of estimator: "regressor", or None for a transformer.
    _estimator_type = None

    @classmethod
    def _defaults(cls):
        keys = {name[len(cls._prefix):]: spec.default for name, spec in REGISTRY.items()
                if name.startswith(cls._prefix)}
        return {**keys, **{name: default for name, (default, _) in cls._extra.items()}}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        defaults = cls._defaults()
        clash = sorted(name for name in defaults if hasattr(cls, name))
        if clash:  # a key named like a method would hide it
            raise TypeError(f"{cls.__name__}: parameters {clash} collide with attributes of the class")

        # A constructor of this class's own, so that its signature (read by help(), IDEs and
        # scikit-learn's get_params machinery) lists the parameters with their defaults.
        def __init__(self, **params):
            Estimator.__init__(self, **params)

        __init__.__signature__ = inspect.Signature(
            [inspect.Parameter("self", inspect.Parameter.POSITIONAL_ONLY)]
            + [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=default)
               for name, default in defaults.items()])
        __init__.__qualname__ = f"{cls.__name__}.__init__"
        cls.__init__ = __init__
        cls.__doc__ = (cls.__doc__ or "") + cls._parameters_doc()

    @classmethod
    def _parameters_doc(cls):
        lines = ["", "    Parameters", "    ----------"]
        for name, spec in REGISTRY.items():
            if name.startswith(cls._prefix):
                unit = f", in {spec.unit}" if spec.unit else ""
                lines += [f"    {name[len(cls._prefix):]} : {_TYPE_NAMES[spec.kind]}{unit}, default {spec.default!r}",
                          _indent(f"{spec.doc} Valid: {spec.valid}. Key: {name}.")]
        for name, (default, doc) in cls._extra.items():
            lines += [f"    {name} : default {default!r}", _indent(doc)]
        return "\n".join(lines) + "\n"

    def __init__(self, **params):
        defaults = self._defaults()
        self._check_names(params, defaults)
        for name, default in defaults.items():
            setattr(self, name, params[name] if name in params else copy.deepcopy(default))

    def _check_names(self, params, defaults):
        for name in params:
            if name not in defaults:
                near = difflib.get_close_matches(name, defaults, n=3)
                hint = " (did you mean " + ", ".join(f'"{n}"' for n in near) + "?)" if near else ""
                raise errors.UnknownKeyError(errors.ERR_UNKNOWN_KEY,
                                             f'{type(self).__name__}: unknown parameter "{name}"{hint}')

    def get_params(self, deep=True):
        """The parameters, as a dict (`deep` is accepted for scikit-learn; there are no nested
        estimators)."""
        return {name: getattr(self, name) for name in self._defaults()}

    def set_params(self, **params):
        """Change parameters (used by the next `fit`); returns self."""
        self._check_names(params, self._defaults())
        for name, value in params.items():
            setattr(self, name, value)
        return self

    def __repr__(self):
        changed = [f"{name}={getattr(self, name)!r}" for name, default in self._defaults().items()
                   if not _same(getattr(self, name), default)]
        return f"{type(self).__name__}({', '.join(changed)})"

    def __sklearn_tags__(self):
        """The tags scikit-learn (1.6 and later) reads before using an estimator in a pipeline, a
        search or cross-validation. Only scikit-learn calls this, so it is imported here: the
        package itself does not depend on it."""
        from sklearn.utils import RegressorTags, Tags, TargetTags, TransformerTags

        regressor = self._estimator_type == "regressor"
        return Tags(estimator_type=self._estimator_type,
                    target_tags=TargetTags(required=regressor, multi_output=regressor),
                    transformer_tags=None if regressor else TransformerTags(preserves_dtype=["float64"]),
                    regressor_tags=RegressorTags() if regressor else None)

    def _config(self):
        """A Config holding the parameters that are keys (their values are checked here, by C)."""
        cfg = Config()
        for name in self._defaults():
            if name not in self._extra:
                cfg.set(self._prefix + name, getattr(self, name))
        return cfg

    def _not_fitted(self, what):
        return errors.NotFittedError(f"{type(self).__name__}.{what}: the model is not fitted; call fit() or load()")
