"""The backends that ship with hatch-interop: ``ctypes`` and ``cffi`` (Python modules) and ``c`` (a C header).

Each backend turns the validated :class:`~hatch_interop.inventory.Inventory` into a small,
language-specific intermediate model (names already escaped, type expressions computed) and
renders it with the jinja2 templates in its ``templates/`` folder, one template per construct. The two
Python backends share the Python API model (:mod:`hatch_interop.python_api`) and one wrapper builder
(``ctypes.WrapperBuilder``), which the cffi backend tells how cffi calls.
"""
