/*
 * Benchmark baseline: a hand-written CPython extension around the SAME functions of the SAME
 * libsample_crate.so that the generated ctypes bindings call (it includes the C header the wheel
 * ships and links the installed library, see benches/run.sh).
 *
 * It is what a careful C programmer would write: METH_NOARGS / METH_FASTCALL, arguments parsed by
 * hand, range and type checks, structs and the opaque handle as small extension types, and the
 * enum as cached members of an IntEnum (the same Python-facing types as the generated module).
 * A `&str` is the str's cached UTF-8 (PyUnicode_AsUTF8AndSize), a slice the caller's buffer
 * (the buffer protocol: shared, never copied), a callback a C trampoline that calls the Python
 * callable, the Store service an extension type owning its Store*. No async function: that would
 * need its own bridge from the library's completion thread to asyncio.
 * It holds the GIL during the calls, as C extensions usually do for functions this short; the
 * one exception, noop_nogil, measures what releasing it (as ctypes and cffi always do) costs.
 *
 * Built with -DSAMPLE_CEXT_POLICY it is `sample_cext_policy`: the same bindings under the sample
 * crate's GIL policy, which generated bindings that can follow it do (the cpython backend): the GIL
 * released around every library call except those the crate marks `gil = "hold"` (`add`,
 * `Store.get`, `Store()`) and the drops that keep it (a `Counter`'s, which only frees memory, and a
 * `Store`'s, whose crate says `drop_gil = "hold"`), the callback's trampoline taking it back to call
 * Python.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#include "sample_crate.h"

#ifdef SAMPLE_CEXT_POLICY
#define MODULE_NAME "sample_cext_policy"
#define MODULE_INIT PyInit_sample_cext_policy
/* A call of a function the crate lets release the GIL. */
#define RELEASING(statement) \
    do { \
        Py_BEGIN_ALLOW_THREADS statement; \
        Py_END_ALLOW_THREADS \
    } while (0)
#else
#define MODULE_NAME "sample_cext"
#define MODULE_INIT PyInit_sample_cext
#define RELEASING(statement) \
    do { \
        statement; \
    } while (0)
#endif

#if PY_VERSION_HEX < 0x03090000 /* Python 3.8 */
#define PyObject_Vectorcall _PyObject_Vectorcall
#endif

#ifndef Py_IS_TYPE /* Python 3.8 */
#define Py_IS_TYPE(ob, type) (Py_TYPE(ob) == (type))
#endif

/* ---- Vec2: a struct by value, with mutable float fields --------------------------------- */

typedef struct {
    PyObject_HEAD
    Vec2 v;
} Vec2Object;

static PyTypeObject Vec2Type;

static int Vec2_init(Vec2Object *self, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"x", "y", NULL};
    float x = 0.0f, y = 0.0f;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "|ff", kwlist, &x, &y)) {
        return -1;
    }
    self->v.x = x;
    self->v.y = y;
    return 0;
}

static PyMemberDef Vec2_members[] = {
    {"x", T_FLOAT, offsetof(Vec2Object, v) + offsetof(Vec2, x), 0, "Horizontal coordinate."},
    {"y", T_FLOAT, offsetof(Vec2Object, v) + offsetof(Vec2, y), 0, "Vertical coordinate."},
    {NULL},
};

static PyTypeObject Vec2Type = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = MODULE_NAME ".Vec2",
    .tp_basicsize = sizeof(Vec2Object),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A point or vector in the plane.",
    .tp_new = PyType_GenericNew,
    .tp_init = (initproc)Vec2_init,
    .tp_members = Vec2_members,
};

static int expect_vec2(PyObject *obj, const char *function) {
    if (Py_IS_TYPE(obj, &Vec2Type)) {
        return 1;
    }
    PyErr_Format(PyExc_TypeError, "%s() argument must be Vec2, not %s", function, Py_TYPE(obj)->tp_name);
    return 0;
}

/* ---- Counter: an opaque handle that owns a Counter* ------------------------------------- */

typedef struct {
    PyObject_HEAD
    Counter *ptr;
} CounterObject;

static void Counter_dealloc(CounterObject *self) {
    if (self->ptr != NULL) {
        /* Dropping a Counter only frees memory (the inventory's `drop_frees_only`): the generated bindings keep
         * the GIL for it, and so does this one, under either policy. */
        counter_free(self->ptr);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject CounterType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = MODULE_NAME ".Counter",
    .tp_basicsize = sizeof(CounterObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "A counter; only made by counter_new().",
    .tp_dealloc = (destructor)Counter_dealloc,
};

static Counter *expect_counter(PyObject *obj, const char *function) {
    if (!Py_IS_TYPE(obj, &CounterType)) {
        PyErr_Format(PyExc_TypeError, "%s() argument must be Counter, not %s", function, Py_TYPE(obj)->tp_name);
        return NULL;
    }
    Counter *ptr = ((CounterObject *)obj)->ptr;
    if (ptr == NULL) {
        PyErr_Format(PyExc_ValueError, "%s() argument is a Counter that was already released", function);
    }
    return ptr;
}

/* ---- Color: cached IntEnum members, indexed by discriminant ----------------------------- */

static PyObject *color_enum;         /* the IntEnum class */
static PyObject *color_members[5];   /* by discriminant: 1, 2, 4 */

static int color_from_object(PyObject *obj, Color *out) {
    long value = PyLong_AsLong(obj);
    if (value == -1 && PyErr_Occurred()) {
        return 0;
    }
    if (value < 0 || value > 4 || color_members[value] == NULL) {
        PyErr_Format(PyExc_ValueError, "%ld is not a valid Color", value);
        return 0;
    }
    *out = (Color)value;
    return 1;
}

/* ---- The functions ---------------------------------------------------------------------- */

static int check_nargs(const char *function, Py_ssize_t nargs, Py_ssize_t expected) {
    if (nargs == expected) {
        return 1;
    }
    PyErr_Format(PyExc_TypeError, "%s() takes exactly %zd arguments (%zd given)", function, expected, nargs);
    return 0;
}

static int as_u32(PyObject *obj, uint32_t *out) {
    unsigned long value = PyLong_AsUnsignedLong(obj);
    if (value == (unsigned long)-1 && PyErr_Occurred()) {
        return 0;
    }
    if (value > UINT32_MAX) {
        PyErr_SetString(PyExc_OverflowError, "value does not fit in u32");
        return 0;
    }
    *out = (uint32_t)value;
    return 1;
}

static PyObject *py_noop(PyObject *module, PyObject *unused) {
    RELEASING(noop());
    Py_RETURN_NONE;
}

static PyObject *py_noop_nogil(PyObject *module, PyObject *unused) {
    Py_BEGIN_ALLOW_THREADS
    noop();
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *py_add(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    uint32_t a, b;
    if (!check_nargs("add", nargs, 2) || !as_u32(args[0], &a) || !as_u32(args[1], &b)) {
        return NULL;
    }
    return PyLong_FromUnsignedLong(add(a, b));
}

static PyObject *py_scale(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (!check_nargs("scale", nargs, 2)) {
        return NULL;
    }
    double x = PyFloat_AsDouble(args[0]);
    if (x == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    double factor = PyFloat_AsDouble(args[1]);
    if (factor == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    double result;
    RELEASING(result = scale(x, (float)factor));
    return PyFloat_FromDouble(result);
}

static PyObject *py_vec2_add(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (!check_nargs("vec2_add", nargs, 2) || !expect_vec2(args[0], "vec2_add") || !expect_vec2(args[1], "vec2_add")) {
        return NULL;
    }
    Vec2Object *result = PyObject_New(Vec2Object, &Vec2Type);
    if (result == NULL) {
        return NULL;
    }
    Vec2 a = ((Vec2Object *)args[0])->v, b = ((Vec2Object *)args[1])->v, sum;
    RELEASING(sum = vec2_add(a, b));
    result->v = sum;
    return (PyObject *)result;
}

static PyObject *py_vec2_length(PyObject *module, PyObject *arg) {
    if (!expect_vec2(arg, "vec2_length")) {
        return NULL;
    }
    float length;
    RELEASING(length = vec2_length(&((Vec2Object *)arg)->v));
    return PyFloat_FromDouble(length);
}

static PyObject *py_color_next(PyObject *module, PyObject *arg) {
    Color c;
    if (!color_from_object(arg, &c)) {
        return NULL;
    }
    Color next;
    RELEASING(next = color_next(c));
    PyObject *result = color_members[next];
    Py_INCREF(result);
    return result;
}

static PyObject *py_counter_new(PyObject *module, PyObject *arg) {
    unsigned long long start = PyLong_AsUnsignedLongLong(arg);
    if (start == (unsigned long long)-1 && PyErr_Occurred()) {
        return NULL;
    }
    CounterObject *self = PyObject_New(CounterObject, &CounterType);
    if (self == NULL) {
        return NULL;
    }
    Counter *made;
    RELEASING(made = counter_new(start));
    self->ptr = made;
    return (PyObject *)self;
}

static PyObject *py_counter_get(PyObject *module, PyObject *arg) {
    Counter *ptr = expect_counter(arg, "counter_get");
    if (ptr == NULL) {
        return NULL;
    }
    uint64_t value;
    RELEASING(value = counter_get(ptr));
    return PyLong_FromUnsignedLongLong(value);
}

static PyObject *py_counter_increment(PyObject *module, PyObject *arg) {
    Counter *ptr = expect_counter(arg, "counter_increment");
    if (ptr == NULL) {
        return NULL;
    }
    uint64_t value;
    RELEASING(value = counter_increment(ptr));
    return PyLong_FromUnsignedLongLong(value);
}

static PyObject *py_counter_free(PyObject *module, PyObject *arg) {
    Counter *ptr = expect_counter(arg, "counter_free");
    if (ptr == NULL) {
        return NULL;
    }
    ((CounterObject *)arg)->ptr = NULL;
    RELEASING(counter_free(ptr));
    Py_RETURN_NONE;
}

/* ---- &str, slices, a callback -------------------------------------------------------------- */

static PyObject *py_str_byte_len(PyObject *module, PyObject *arg) {
    Py_ssize_t len;
    const char *s = PyUnicode_AsUTF8AndSize(arg, &len);
    if (s == NULL) {
        return NULL;
    }
    size_t length;
    RELEASING(length = str_byte_len(s, (size_t)len));
    return PyLong_FromSize_t(length);
}

/* The caller's buffer of doubles, shared (release it with PyBuffer_Release). */
static int get_doubles(PyObject *obj, Py_buffer *view, const char *function) {
    if (PyObject_GetBuffer(obj, view, PyBUF_FORMAT | PyBUF_C_CONTIGUOUS) < 0) {
        return 0;
    }
    if (view->itemsize != sizeof(double) || view->format == NULL || strcmp(view->format, "d") != 0) {
        PyErr_Format(PyExc_TypeError, "%s() argument must be a buffer of doubles (format 'd')", function);
        PyBuffer_Release(view);
        return 0;
    }
    return 1;
}

static PyObject *py_sum_f64(PyObject *module, PyObject *arg) {
    Py_buffer view;
    if (!get_doubles(arg, &view, "sum_f64")) {
        return NULL;
    }
    double result;
    RELEASING(result = sum_f64((const double *)view.buf, (size_t)(view.len / (Py_ssize_t)sizeof(double))));
    PyBuffer_Release(&view);
    return PyFloat_FromDouble(result);
}

/* OnValue's call: the context is the Python callable; an exception stops the iteration and is raised
 * when the library returns. */
static bool call_on_value(PyObject *callable, size_t index, double value) {
    if (PyErr_Occurred()) {
        return false;
    }
    PyObject *args[2] = {PyLong_FromSize_t(index), PyFloat_FromDouble(value)};
    PyObject *result = NULL;
    if (args[0] != NULL && args[1] != NULL) {
        result = PyObject_Vectorcall(callable, args, 2, NULL);
    }
    Py_XDECREF(args[0]);
    Py_XDECREF(args[1]);
    if (result == NULL) {
        return false;
    }
    int truth = PyObject_IsTrue(result);
    Py_DECREF(result);
    return truth > 0;
}

static bool on_value_trampoline(const void *context, size_t index, double value) {
#ifdef SAMPLE_CEXT_POLICY
    /* The call released the GIL: taken back to call Python (an exception stays set for the call). */
    PyGILState_STATE gil = PyGILState_Ensure();
    bool going_on = call_on_value((PyObject *)context, index, value);
    PyGILState_Release(gil);
    return going_on;
#else
    return call_on_value((PyObject *)context, index, value);
#endif
}

static PyObject *py_for_each_value(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    if (!check_nargs("for_each_value", nargs, 2)) {
        return NULL;
    }
    if (!PyCallable_Check(args[1])) {
        PyErr_SetString(PyExc_TypeError, "for_each_value() argument 'on_value' must be callable");
        return NULL;
    }
    Py_buffer view;
    if (!get_doubles(args[0], &view, "for_each_value")) {
        return NULL;
    }
    OnValue on_value = {on_value_trampoline, args[1], NULL};
    size_t calls;
    RELEASING(calls = for_each_value((const double *)view.buf, (size_t)(view.len / (Py_ssize_t)sizeof(double)), &on_value));
    PyBuffer_Release(&view);
    if (PyErr_Occurred()) {
        return NULL;
    }
    return PyLong_FromSize_t(calls);
}

/* ---- Store: a service, an extension type owning a Store* -------------------------------------- */

typedef struct {
    PyObject_HEAD
    Store *ptr;
} StoreObject;

static PyObject *Store_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    StoreObject *self = (StoreObject *)type->tp_alloc(type, 0);
    if (self != NULL) {
        /* `Store::new` is `gil = "hold"`: the GIL stays held under either policy. */
        self->ptr = store_new();
    }
    return (PyObject *)self;
}

static void Store_dealloc(StoreObject *self) {
    if (self->ptr != NULL) {
        /* A `Store`'s crate says `drop_gil = "hold"`: the GIL stays held under either policy. */
        store_destroy(self->ptr);
    }
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static Store *open_store(StoreObject *self, const char *method) {
    if (self->ptr == NULL) {
        PyErr_Format(PyExc_ValueError, "Store.%s() on a closed Store", method);
    }
    return self->ptr;
}

static PyObject *Store_put(StoreObject *self, PyObject *const *args, Py_ssize_t nargs) {
    Store *store = open_store(self, "put");
    if (store == NULL || !check_nargs("Store.put", nargs, 2)) {
        return NULL;
    }
    Py_ssize_t len;
    const char *key = PyUnicode_AsUTF8AndSize(args[0], &len);
    if (key == NULL) {
        return NULL;
    }
    long long value = PyLong_AsLongLong(args[1]);
    if (value == -1 && PyErr_Occurred()) {
        return NULL;
    }
    RELEASING(store_put(store, key, (size_t)len, value));
    Py_RETURN_NONE;
}

static PyObject *Store_get(StoreObject *self, PyObject *arg) {
    Store *store = open_store(self, "get");
    if (store == NULL) {
        return NULL;
    }
    Py_ssize_t len;
    const char *key = PyUnicode_AsUTF8AndSize(arg, &len);
    if (key == NULL) {
        return NULL;
    }
    sample_crate_option_i64 result = store_get(store, key, (size_t)len);
    if (!result.is_some) {
        Py_RETURN_NONE;
    }
    return PyLong_FromLongLong(result.value);
}

static PyObject *Store_close(StoreObject *self, PyObject *unused) {
    if (self->ptr != NULL) {
        Store *closing = self->ptr;
        self->ptr = NULL;
        RELEASING(store_destroy(closing));
    }
    Py_RETURN_NONE;
}

static PyMethodDef Store_methods[] = {
    {"put", (PyCFunction)(void (*)(void))Store_put, METH_FASTCALL, "Sets key to value."},
    {"get", (PyCFunction)Store_get, METH_O, "The value of key, or None."},
    {"close", (PyCFunction)Store_close, METH_NOARGS, "Destroys the store."},
    {NULL},
};

static PyTypeObject StoreType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = MODULE_NAME ".Store",
    .tp_basicsize = sizeof(StoreObject),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Named numbers (the Store service).",
    .tp_new = Store_new,
    .tp_dealloc = (destructor)Store_dealloc,
    .tp_methods = Store_methods,
};

static PyMethodDef methods[] = {
    {"noop", py_noop, METH_NOARGS, "Does nothing."},
    {"noop_nogil", py_noop_nogil, METH_NOARGS, "Does nothing, with the GIL released around the call."},
    {"add", (PyCFunction)(void (*)(void))py_add, METH_FASTCALL, "Adds two numbers, wrapping on overflow."},
    {"scale", (PyCFunction)(void (*)(void))py_scale, METH_FASTCALL, "Multiplies a double by a float."},
    {"vec2_add", (PyCFunction)(void (*)(void))py_vec2_add, METH_FASTCALL, "The sum of two vectors."},
    {"vec2_length", py_vec2_length, METH_O, "The length of a vector."},
    {"color_next", py_color_next, METH_O, "The next color."},
    {"counter_new", py_counter_new, METH_O, "A new counter."},
    {"counter_get", py_counter_get, METH_O, "The counter's current value."},
    {"counter_increment", py_counter_increment, METH_O, "Adds one to the counter."},
    {"counter_free", py_counter_free, METH_O, "Releases a counter."},
    {"str_byte_len", py_str_byte_len, METH_O, "The length of s in UTF-8 bytes."},
    {"sum_f64", py_sum_f64, METH_O, "The sum of a buffer of doubles."},
    {"for_each_value", (PyCFunction)(void (*)(void))py_for_each_value, METH_FASTCALL,
     "Calls on_value(index, value) for each value until it returns false."},
    {NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT,
    .m_name = MODULE_NAME,
    .m_doc = "Hand-written CPython bindings of libsample_crate.so (benchmark baseline).",
    .m_size = -1,
    .m_methods = methods,
};

PyMODINIT_FUNC MODULE_INIT(void) {
    if (sample_crate_api_guard() != SAMPLE_CRATE_API_HASH) {
        PyErr_SetString(PyExc_ImportError, "sample_cext: libsample_crate.so does not match sample_crate.h");
        return NULL;
    }
    if (PyType_Ready(&Vec2Type) < 0 || PyType_Ready(&CounterType) < 0 || PyType_Ready(&StoreType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) {
        return NULL;
    }
    /* Color = enum.IntEnum("Color", [("Red", 1), ("Green", 2), ("Blue", 4)], module="sample_cext") */
    PyObject *enum_module = PyImport_ImportModule("enum");
    if (enum_module == NULL) {
        goto error;
    }
    color_enum = PyObject_CallMethod(enum_module, "IntEnum", "s[(si)(si)(si)]", "Color", "Red", Color_Red, "Green",
                                     Color_Green, "Blue", Color_Blue);
    Py_DECREF(enum_module);
    if (color_enum == NULL) {
        goto error;
    }
    PyObject *module_name = PyUnicode_FromString(MODULE_NAME);
    if (module_name == NULL || PyObject_SetAttrString(color_enum, "__module__", module_name) < 0) {
        Py_XDECREF(module_name);
        goto error;
    }
    Py_DECREF(module_name);
    static const int discriminants[] = {Color_Red, Color_Green, Color_Blue};
    for (size_t i = 0; i < 3; i++) {
        PyObject *member = PyObject_CallFunction(color_enum, "i", discriminants[i]);
        if (member == NULL) {
            goto error;
        }
        color_members[discriminants[i]] = member; /* kept for the life of the process */
    }
    Py_INCREF(&Vec2Type);
    Py_INCREF(&CounterType);
    Py_INCREF(&StoreType);
    Py_INCREF(color_enum);
    if (PyModule_AddObject(module, "Vec2", (PyObject *)&Vec2Type) < 0 ||
        PyModule_AddObject(module, "Store", (PyObject *)&StoreType) < 0 ||
        PyModule_AddObject(module, "Counter", (PyObject *)&CounterType) < 0 ||
        PyModule_AddObject(module, "Color", color_enum) < 0) {
        goto error;
    }
    return module;

error:
    Py_DECREF(module);
    return NULL;
}
