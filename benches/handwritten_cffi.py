"""Benchmark baseline: cffi in ABI mode (`ffi.dlopen`) on the same libsample_crate.so.

The signatures are cdef'd by hand (the subset of sample_crate.h the benchmark calls); the library
functions (`lib.noop`, ...) are called directly, with cffi's own values: cdata structs and pointers,
ints for the enum.
"""

from __future__ import annotations

import cffi
from handwritten_cffi_checked import load_checked
from handwritten_cffi_defs import load_defs
from handwritten_ctypes import LIBRARY_PATH

#: The subset of sample_crate.h the benchmark calls, as both cffi baselines declare it.
DECLARATIONS = """
    typedef struct Vec2 { float x; float y; } Vec2;
    typedef uint8_t Color;
    typedef struct Counter Counter;

    void noop(void);
    uint32_t add(uint32_t a, uint32_t b);
    double scale(double x, float factor);
    Vec2 vec2_add(Vec2 a, Vec2 b);
    float vec2_length(const Vec2 *v);
    Color color_next(Color c);
    Counter *counter_new(uint64_t start);
    uint64_t counter_get(const Counter *c);
    uint64_t counter_increment(Counter *c);
    void counter_free(Counter *c);

    size_t str_byte_len(const char *s, size_t s_len);
    double sum_f64(const double *values, size_t values_len);

    typedef struct OnValue {
        bool (*call)(const void *context, size_t index, double value);
        const void *context;
        void (*release)(const void *context);
    } OnValue;
    size_t for_each_value(const double *values, size_t values_len, const OnValue *on_value);

    typedef struct Store Store;
    typedef struct sample_crate_option_i64 { int64_t value; uint8_t is_some; } sample_crate_option_i64;
    Store *store_new(void);
    void store_put(Store *self, const char *key, size_t key_len, int64_t value);
    sample_crate_option_i64 store_get(Store *self, const char *key, size_t key_len);
    void store_destroy(Store *self);

    typedef struct sample_crate_failure {
        uint32_t kind;
        int64_t code;
        char *message;
        size_t message_len;
    } sample_crate_failure;
    const size_t *sample_crate_ffi_pending(void);
    bool sample_crate_ffi_take_failure(sample_crate_failure *out);
    void sample_crate_ffi_free(void *ptr, size_t size, size_t align);
    void sample_crate_ffi_callback_failed(const char *message, size_t len);
    void counter_ffi_drop(Counter *self);
    void store_release(Store *self);
    typedef struct sample_crate_completion {
        void (*call)(const void *context, const void *value, const sample_crate_failure *failure);
        const void *context;
        void (*release)(const void *context);
    } sample_crate_completion;
    void double_later(uint64_t value, uint64_t millis, sample_crate_completion completion);
    """

ffi = cffi.FFI()
ffi.cdef(DECLARATIONS)
lib = ffi.dlopen(LIBRARY_PATH)


def vec2_pointer(x: float, y: float) -> object:
    """A `Vec2 *` owning a new struct (index it with [0] for the struct by value)."""
    return ffi.new("Vec2 *", {"x": x, "y": y})


def doubles(values: object) -> object:
    """A `double[]` sharing the buffer of `values` (an `array.array("d")`): what the bare calls pass."""
    return ffi.from_buffer("double[]", values)


#: The "cffi ABI+def" baseline: handwritten_cffi_defs.py over this `ffi` and `lib`.
defs = load_defs("handwritten_cffi_abi_defs", ffi, lib)
#: The "cffi ABI+checks" baseline: handwritten_cffi_checked.py over this `ffi` and `lib`.
checked = load_checked("handwritten_cffi_abi_checked", ffi, lib)
