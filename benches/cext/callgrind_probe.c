/* Marks what callgrind counts: bench.py --callgrind toggles collection around each cell's calls and
 * dumps the counts under the cell's index, so one process measures every cell and nothing else. */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <valgrind/callgrind.h>

static PyObject *toggle(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    CALLGRIND_TOGGLE_COLLECT;
    Py_RETURN_NONE;
}

static PyObject *dump(PyObject *self, PyObject *label) {
    (void)self;
    const char *text = PyUnicode_AsUTF8(label);
    if (text == NULL) {
        return NULL;
    }
    CALLGRIND_DUMP_STATS_AT(text);
    Py_RETURN_NONE;
}

static PyObject *running(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    return PyBool_FromLong(RUNNING_ON_VALGRIND);
}

static PyMethodDef methods[] = {
    {"toggle", toggle, METH_NOARGS, "Toggle callgrind's collection."},
    {"dump", dump, METH_O, "Dump callgrind's counts since the last dump, labelled."},
    {"running", running, METH_NOARGS, "Whether the process runs under valgrind."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "callgrind_probe", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit_callgrind_probe(void) { return PyModule_Create(&module); }
