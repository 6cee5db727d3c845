: each of these functions takes a call whose arguments are exactly of the expected types
# in C, and hands any other to its wrapper above.
_ffi_rt.compiled(
    __name__,
    _ffi_fast,
    _ffi_raise_failure,
    (
        ("print_", None, (Color, type_, None, object_, _ffi_Color_by_value)),
        ("other_", None, (object_, _ffi_wrap_type)),
        ("type_of", None, (Flags, _ffi_Flags_by_value)),
    ),
)
