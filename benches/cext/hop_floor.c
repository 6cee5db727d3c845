/* The floor of a pending await on this machine: a bare C thread, which never takes the GIL, answers
 * each count written to one eventfd by making another readable. bench.py's reference cells await an
 * asyncio future that the loop's reader of the second settles (what any cross-thread completion
 * costs through asyncio here: two thread wake-ups, the loop's iteration, with no library at all),
 * and make the same round trip in C alone (`round_trip`: the two wake-ups and nothing else). */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/eventfd.h>
#include <unistd.h>

/* A thread's two descriptors: it waits on `to_worker` and answers on `to_back`. */
typedef struct {
    int to_worker, to_back;
} hop_pair;

static hop_pair awaited = {-1, -1}, bare = {-1, -1};

static void *worker(void *arg) {
    const hop_pair *pair = arg;
    uint64_t count;
    while (read(pair->to_worker, &count, sizeof count) == (ssize_t)sizeof count) {
        count = 1;
        if (write(pair->to_back, &count, sizeof count) != (ssize_t)sizeof count) {
            break;
        }
    }
    return NULL;
}

/* Opens `pair` and starts its thread, which lives as long as the process; 0, or -1 with an exception set. */
static int open_pair(hop_pair *pair) {
    pthread_t thread;
    if (pair->to_worker >= 0) {
        return 0;
    }
    pair->to_worker = eventfd(0, EFD_CLOEXEC);
    pair->to_back = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (pair->to_worker < 0 || pair->to_back < 0) {
        PyErr_SetFromErrno(PyExc_OSError);
        return -1;
    }
    if (pthread_create(&thread, NULL, worker, pair) != 0) {
        PyErr_SetString(PyExc_OSError, "hop_floor: cannot start its thread");
        return -1;
    }
    pthread_detach(thread);
    return 0;
}

/* start() -> (to_worker, to_loop): the descriptors of the thread an event loop's future waits for. */
static PyObject *start(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    if (open_pair(&awaited) < 0) {
        return NULL;
    }
    return Py_BuildValue("(ii)", awaited.to_worker, awaited.to_back);
}

/* round_trip(): wakes its own thread and waits (in poll, as an event loop waits in epoll) until it answers. */
static PyObject *round_trip(PyObject *self, PyObject *unused) {
    (void)self;
    (void)unused;
    uint64_t count = 1;
    struct pollfd answer = {.fd = -1, .events = POLLIN};
    if (open_pair(&bare) < 0) {
        return NULL;
    }
    answer.fd = bare.to_back;
    if (write(bare.to_worker, &count, sizeof count) != (ssize_t)sizeof count || poll(&answer, 1, -1) != 1 ||
        read(bare.to_back, &count, sizeof count) != (ssize_t)sizeof count) {
        return PyErr_SetFromErrno(PyExc_OSError);
    }
    Py_RETURN_NONE;
}

static PyMethodDef methods[] = {
    {"start", start, METH_NOARGS, "start() -> (to_worker, to_loop)"},
    {"round_trip", round_trip, METH_NOARGS, "round_trip(): one round trip to the thread, in C"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, .m_name = "hop_floor", .m_size = -1, .m_methods = methods,
};

PyMODINIT_FUNC PyInit_hop_floor(void) { return PyModule_Create(&module); }
