: each of these functions takes a call whose arguments are exactly of the expected types
# in C, and hands any other to its wrapper above.
_ffi_rt.compiled(
    __name__,
    _ffi_fast,
    _ffi_raise_failure,
    (
        ("a_function_with_a_great_many_parameters", None, ()),
        ("takes_a_nullable_handle_with_a_long_name", None, (AnOpaqueHandleTypeWithAVeryLongNameIndeed, None)),
        (
            "returns_a_long_named_enumeration_from_many",
            None,
            (_ffi_AnExtremelyLongEnumerationNameThatKeepsGoing_by_value,),
        ),
    ),
)
