: each of these functions takes a call whose arguments are exactly of the expected types
# in C, and hands any other to its wrapper above.
_ffi_rt.compiled(
    __name__,
    _ffi_fast,
    _ffi_raise_failure,
    (
        ("add", None, ()),
        ("noop", None, ()),
        ("scale", None, (Vec2,)),
        ("length", None, (Vec2,)),
        ("normalize", None, (Vec2,)),
        ("length_or_zero", None, (Vec2,)),
        ("next_color", None, (Color, _ffi_Color_by_value)),
        ("counter_new", None, (_ffi_wrap_Counter,)),
        ("counter_get", None, (Counter, None)),
        ("counter_add", None, (Counter, None)),
        ("counter_get_or", None, (Counter, None)),
        ("counter_find", None, (_ffi_wrap_Counter,)),
        ("line_length", None, (Line,)),
        ("make_line", None, (Vec2, Color, Line)),
        ("is_positive", None, ()),
    ),
)
