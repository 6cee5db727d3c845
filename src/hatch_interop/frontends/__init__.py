"""The build systems hatch-interop plugs into, each a thin adapter over :mod:`hatch_interop.pipeline`:
:mod:`~hatch_interop.frontends.hatch` (a Hatch build hook) and :mod:`~hatch_interop.frontends.setuptools`
(a setuptools extension configured in ``[tool.hatch-interop]``)."""
