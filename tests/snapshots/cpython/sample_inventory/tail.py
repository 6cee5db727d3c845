: each of these functions takes a call whose arguments are exactly of the expected types
# in C, and hands any other to its wrapper above.
_ffi_rt.compiled(
    __name__,
    _ffi_fast,
    _ffi_raise_failure,
    (
        ("add", None),
        ("spin", None),
        ("spin_holding", None),
        ("sum_integers", None),
        ("scale", None),
        ("is_even", None),
        ("negate", None),
        ("noop", None),
        ("distance", None),
        ("divide", _ffi_MathError_by_code),
        ("checked_sqrt", _ffi_MathError_by_code),
        ("validate_positive", _ffi_MathError_by_code),
        ("scaled", None),
        ("guards_held", None),
        ("guards_dropped", None),
    ),
)
