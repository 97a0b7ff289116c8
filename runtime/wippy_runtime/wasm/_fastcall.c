/*
 * The compiled call path for core-module exports with numeric signatures.
 *
 * Every Python-hosted WASM runtime pays ctypes' argument marshalling on each call; this shim
 * makes the same `wasmtime_func_call_unchecked` call from C. A `Caller` is made once per
 * (instance, export): it holds the store context, the function and a raw value buffer, checks
 * the common argument shapes inline (an exact int in range, an exact float, a bool) and returns
 * plain Python numbers. Everything else is delegated, so behaviour cannot drift from the
 * Python path:
 *   - an argument the inline checks do not accept, or a wrong argument count: the call is
 *     handed to `slow` (the generated ctypes caller, same `fn(args)` contract), which
 *     converts or raises exactly as it would have on its own;
 *   - an error or a trap (epoch interruption included): `failed(error_ptr, trap_ptr)` turns
 *     the C pointers into wasmtime-py's exceptions, as the ctypes path does.
 *
 * The wasmtime C API function is not linked at build time: wasmtime-py ships the shared
 * library but no headers, so its address is handed over at import (`set_call_unchecked`)
 * and the prototype below is declared here. The GIL is released around the call, as ctypes
 * does, so pools on worker threads run WASM in parallel; host imports re-acquire it.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <structmember.h>

typedef struct {
    uint64_t store_id;
    void *private_;
} wasmtime_func_t;

typedef union {
    int32_t i32;
    int64_t i64;
    float f32;
    double f64;
    uint8_t v128[16];
    uint32_t anyref;
    uint32_t externref;
    void *funcref;
} wasmtime_val_raw_t;

typedef void *(*call_unchecked_fn)(void *context, const wasmtime_func_t *func,
                                   wasmtime_val_raw_t *args_and_results, size_t len,
                                   void **trap);

static call_unchecked_fn call_unchecked = NULL;

/* Value kinds, one byte per parameter / result (the Python side maps WIT names to these). */
enum {
    K_S8 = 'a', K_U8 = 'b', K_S16 = 'c', K_U16 = 'd', K_S32 = 'e', K_U32 = 'f', K_S64 = 'g',
    K_BOOL = 'o', K_F32 = 'x', K_F64 = 'y'
};

#define MAX_VALUES 16

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    void *context;
    wasmtime_func_t func;
    Py_ssize_t n_params;
    Py_ssize_t n_results;
    size_t buf_len;
    char params[MAX_VALUES];
    char results[MAX_VALUES];
    PyObject *slow;
    PyObject *failed;
    PyObject *keep;
    wasmtime_val_raw_t buf[MAX_VALUES];
} Caller;

/* Store one argument; 0 when the inline checks do not accept it (the slow path decides). */
static int store_arg(char kind, PyObject *v, wasmtime_val_raw_t *slot) {
    switch (kind) {
    case K_F64:
        if (!PyFloat_CheckExact(v)) return 0;
        slot->f64 = PyFloat_AS_DOUBLE(v);
        return 1;
    case K_F32:
        if (!PyFloat_CheckExact(v)) return 0;
        slot->f32 = (float)PyFloat_AS_DOUBLE(v);
        return 1;
    case K_BOOL:
        if (v == Py_True) { slot->i32 = 1; return 1; }
        if (v == Py_False) { slot->i32 = 0; return 1; }
        return 0;
    default:
        break;
    }
    if (!PyLong_CheckExact(v)) return 0;
    int overflow = 0;
    long long x = PyLong_AsLongLongAndOverflow(v, &overflow);
    if (overflow) return 0;
    if (x == -1 && PyErr_Occurred()) { PyErr_Clear(); return 0; }
    switch (kind) {
    case K_S8: if (x < -128 || x > 127) return 0; slot->i32 = (int32_t)x; return 1;
    case K_U8: if (x < 0 || x > 255) return 0; slot->i32 = (int32_t)x; return 1;
    case K_S16: if (x < -32768 || x > 32767) return 0; slot->i32 = (int32_t)x; return 1;
    case K_U16: if (x < 0 || x > 65535) return 0; slot->i32 = (int32_t)x; return 1;
    case K_S32: if (x < INT32_MIN || x > INT32_MAX) return 0; slot->i32 = (int32_t)x; return 1;
    case K_U32: if (x < 0 || x > 0xFFFFFFFFLL) return 0; slot->i32 = (int32_t)(uint32_t)x; return 1;
    case K_S64: slot->i64 = (int64_t)x; return 1;
    default: return 0;
    }
}

static PyObject *lift(char kind, const wasmtime_val_raw_t *slot) {
    switch (kind) {
    case K_S32: return PyLong_FromLong(slot->i32);
    case K_S64: return PyLong_FromLongLong(slot->i64);
    case K_F64: return PyFloat_FromDouble(slot->f64);
    case K_F32: return PyFloat_FromDouble((double)slot->f32);
    case K_U32: return PyLong_FromUnsignedLong((uint32_t)slot->i32);
    case K_U8: return PyLong_FromLong(slot->i32 & 0xFF);
    case K_U16: return PyLong_FromLong(slot->i32 & 0xFFFF);
    case K_S8: return PyLong_FromLong((int8_t)(slot->i32 & 0xFF));
    case K_S16: return PyLong_FromLong((int16_t)(slot->i32 & 0xFFFF));
    case K_BOOL: return PyBool_FromLong(slot->i32 != 0);
    default:
        PyErr_Format(PyExc_SystemError, "fastcall: unknown result kind %c", kind);
        return NULL;
    }
}

static void *run(Caller *self, void **trap);
static PyObject *results(Caller *self);

/* Called as `caller(args)` with one tuple of plain values: the call contract of every
 * instance in the runtime's pools (what the generated ctypes caller also takes). */
static PyObject *caller_vectorcall(PyObject *callable, PyObject *const *argv, size_t nargsf,
                                   PyObject *kwnames) {
    Caller *self = (Caller *)callable;
    if (kwnames != NULL || PyVectorcall_NARGS(nargsf) != 1 || !PyTuple_CheckExact(argv[0])) {
        return PyObject_Vectorcall(self->slow, argv, nargsf, kwnames);
    }
    PyObject *args = argv[0];
    Py_ssize_t nargs = PyTuple_GET_SIZE(args);
    if (nargs != self->n_params) {
        return PyObject_Vectorcall(self->slow, argv, 1, NULL);
    }
    for (Py_ssize_t i = 0; i < nargs; i++) {
        if (!store_arg(self->params[i], PyTuple_GET_ITEM(args, i), &self->buf[i])) {
            return PyObject_Vectorcall(self->slow, argv, 1, NULL);
        }
    }
    void *trap = NULL;
    void *err = run(self, &trap);
    if (err != NULL || trap != NULL) {
        return PyObject_CallFunction(self->failed, "KK", (unsigned long long)(uintptr_t)err,
                                     (unsigned long long)(uintptr_t)trap);
    }
    return results(self);
}

/* The unchecked call itself, with the GIL released (as ctypes does). */
static void *run(Caller *self, void **trap) {
    void *err;
    Py_BEGIN_ALLOW_THREADS
    err = call_unchecked(self->context, &self->func, self->buf, self->buf_len, trap);
    Py_END_ALLOW_THREADS
    return err;
}

static PyObject *results(Caller *self) {
    if (self->n_results == 0) Py_RETURN_NONE;
    if (self->n_results == 1) return lift(self->results[0], &self->buf[0]);
    PyObject *out = PyList_New(self->n_results);
    if (out == NULL) return NULL;
    for (Py_ssize_t i = 0; i < self->n_results; i++) {
        PyObject *v = lift(self->results[i], &self->buf[i]);
        if (v == NULL) { Py_DECREF(out); return NULL; }
        PyList_SET_ITEM(out, i, v);
    }
    return out;
}

static int valid_kinds(const char *kinds, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++) {
        switch (kinds[i]) {
        case K_S8: case K_U8: case K_S16: case K_U16: case K_S32: case K_U32: case K_S64:
        case K_BOOL: case K_F32: case K_F64: break;
        default: return 0;
        }
    }
    return 1;
}

static PyObject *caller_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"context", "store_id", "func_private", "params", "results",
                             "slow", "failed", "keep", NULL};
    unsigned long long context, store_id, func_private;
    const char *params, *results;
    Py_ssize_t n_params, n_results;
    PyObject *slow, *failed, *keep;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "KKKy#y#OOO", kwlist, &context, &store_id,
                                     &func_private, &params, &n_params, &results, &n_results,
                                     &slow, &failed, &keep)) {
        return NULL;
    }
    if (call_unchecked == NULL) {
        PyErr_SetString(PyExc_RuntimeError, "fastcall: set_call_unchecked() was not called");
        return NULL;
    }
    if (n_params > MAX_VALUES || n_results > MAX_VALUES || !valid_kinds(params, n_params) ||
        !valid_kinds(results, n_results)) {
        PyErr_SetString(PyExc_ValueError, "fastcall: unsupported signature");
        return NULL;
    }
    if (!PyCallable_Check(slow) || !PyCallable_Check(failed)) {
        PyErr_SetString(PyExc_TypeError, "fastcall: slow and failed must be callable");
        return NULL;
    }
    Caller *self = (Caller *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->vectorcall = caller_vectorcall;
    self->context = (void *)(uintptr_t)context;
    self->func.store_id = (uint64_t)store_id;
    self->func.private_ = (void *)(uintptr_t)func_private;
    self->n_params = n_params;
    self->n_results = n_results;
    self->buf_len = (size_t)(n_params > n_results ? n_params : n_results);
    memcpy(self->params, params, (size_t)n_params);
    memcpy(self->results, results, (size_t)n_results);
    Py_INCREF(slow);
    self->slow = slow;
    Py_INCREF(failed);
    self->failed = failed;
    Py_INCREF(keep);
    self->keep = keep;
    return (PyObject *)self;
}

static int caller_traverse(Caller *self, visitproc visit, void *arg) {
    Py_VISIT(self->slow);
    Py_VISIT(self->failed);
    Py_VISIT(self->keep);
    return 0;
}

static int caller_clear(Caller *self) {
    Py_CLEAR(self->slow);
    Py_CLEAR(self->failed);
    Py_CLEAR(self->keep);
    return 0;
}

static void caller_dealloc(Caller *self) {
    PyObject_GC_UnTrack(self);
    caller_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject CallerType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wippy_runtime.wasm._fastcall.Caller",
    .tp_doc = PyDoc_STR("A compiled caller of one numeric core export of one instance."),
    .tp_basicsize = sizeof(Caller),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = caller_new,
    .tp_dealloc = (destructor)caller_dealloc,
    .tp_traverse = (traverseproc)caller_traverse,
    .tp_clear = (inquiry)caller_clear,
    .tp_vectorcall_offset = offsetof(Caller, vectorcall),
    .tp_call = PyVectorcall_Call,
};


/* ---------------------------------------------------------------------------------------
 * Lanes: `funcs.call` of an inline numeric core entry, from Lua, without Python frames.
 *
 * A `Lanes` object is what Lua's `funcs.call` calls (under the dispatcher's await wrapper,
 * which it returns to unchanged). For an id whose target has a `Lane` in the shared table it
 * runs the inline pool's fast path in C: it takes the pool's gate token, runs the warm
 * instance's Caller, counts the call (timing one in eight, as the Python path does) and gives
 * the token back. Whenever any of that does not apply -- an execution context (a permission
 * to check; a strict-mode runtime gets no lanes at all), tracing, a retired generation, a busy gate (contention or
 * re-entrancy), a warm instance that is not a plain Caller (limits), an argument the inline
 * checks do not take -- the call goes to `slow`, the pipeline's own Python `funcs.call`, with
 * the same arguments: the lane only ever skips work, never decides differently.
 * A trap or error goes to `failed(pool, instance, error, trap)`, which applies the pool's
 * failure rules (count, replace the instance) and returns Lua's `nil, err`.
 */

typedef struct {
    PyObject_HEAD
    PyObject *pool;
    PyObject *gate;
    PyObject *free;           /* the gate's token list: one item when nobody is inside */
    PyObject *record_latency; /* pool.latencies.append */
    /* what the pool lets the lane run now (`bind`): its warm instance and that instance's
     * compiled caller; NULL while the pool is retired, traced, or has no such instance */
    PyObject *instance;
    PyObject *caller;
    unsigned long long calls, timed, timed_ns, last_ns;
} Lane;

static PyObject *s_fn, *s_retired, *s_waiting, *s_wake, *s_close_warm;

static PyObject *lane_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"pool", "gate", "free", "record_latency", NULL};
    PyObject *pool, *gate, *free_, *record;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "OOO!O", kwlist, &pool, &gate, &PyList_Type,
                                     &free_, &record)) {
        return NULL;
    }
    Lane *self = (Lane *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    Py_INCREF(pool); self->pool = pool;
    Py_INCREF(gate); self->gate = gate;
    Py_INCREF(free_); self->free = free_;
    Py_INCREF(record); self->record_latency = record;
    return (PyObject *)self;
}

static int lane_traverse(Lane *self, visitproc visit, void *arg) {
    Py_VISIT(self->pool); Py_VISIT(self->gate); Py_VISIT(self->free);
    Py_VISIT(self->record_latency); Py_VISIT(self->instance); Py_VISIT(self->caller);
    return 0;
}

static int lane_clear(Lane *self) {
    Py_CLEAR(self->pool); Py_CLEAR(self->gate); Py_CLEAR(self->free);
    Py_CLEAR(self->record_latency); Py_CLEAR(self->instance); Py_CLEAR(self->caller);
    return 0;
}

/* bind(instance or None): what the lane may run; an instance whose `fn` is not a compiled
 * Caller (a limited or traced call path) binds nothing. Called by the pool whenever its warm
 * instance, its retirement or its tracing changes. */
static PyObject *lane_bind(Lane *self, PyObject *instance) {
    PyObject *caller = NULL;
    if (instance != Py_None) {
        caller = PyObject_GetAttr(instance, s_fn);
        if (caller == NULL) return NULL;
        if (Py_TYPE(caller) != &CallerType) Py_CLEAR(caller);
    }
    Py_CLEAR(self->instance);
    Py_CLEAR(self->caller);
    if (caller != NULL) {
        Py_INCREF(instance);
        self->instance = instance;
        self->caller = caller;
    }
    return PyBool_FromLong(caller != NULL);
}

static PyMethodDef lane_methods[] = {
    {"bind", (PyCFunction)lane_bind, METH_O,
     PyDoc_STR("Let the lane run this instance (None: run nothing, hand calls on).")},
    {NULL, NULL, 0, NULL},
};

static void lane_dealloc(Lane *self) {
    PyObject_GC_UnTrack(self);
    lane_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyMemberDef lane_members[] = {
    {"calls", T_ULONGLONG, offsetof(Lane, calls), READONLY, "calls made through the lane"},
    {"timed", T_ULONGLONG, offsetof(Lane, timed), READONLY, "of which timed"},
    {"timed_ns", T_ULONGLONG, offsetof(Lane, timed_ns), READONLY, "their total time"},
    {"last_ns", T_ULONGLONG, offsetof(Lane, last_ns), READONLY, "the last timed call"},
    {NULL, 0, 0, 0, NULL},
};

static PyTypeObject LaneType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wippy_runtime.wasm._fastcall.Lane",
    .tp_doc = PyDoc_STR("The compiled fast path of one inline pool (see Lanes)."),
    .tp_basicsize = sizeof(Lane),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC,
    .tp_new = lane_new,
    .tp_dealloc = (destructor)lane_dealloc,
    .tp_traverse = (traverseproc)lane_traverse,
    .tp_clear = (inquiry)lane_clear,
    .tp_members = lane_members,
    .tp_methods = lane_methods,
};

typedef struct {
    PyObject_HEAD
    vectorcallfunc vectorcall;
    PyObject *table;    /* dict: entry id (bytes) -> Lane */
    PyObject *context;  /* the execution context's ContextVar */
    PyObject *security; /* kept for the pipeline's slow path (strict runtimes get no lanes) */
    PyObject *slow;     /* the pipeline's funcs.call(id, *args) */
    PyObject *failed;   /* failed(pool, instance, error, trap) -> (None, err) */
} Lanes;

/* 1 when the attribute is truthy, 0 when not, -1 on error. */
static int attr_true(PyObject *obj, PyObject *name) {
    PyObject *v = PyObject_GetAttr(obj, name);
    if (v == NULL) return -1;
    int t = PyObject_IsTrue(v);
    Py_DECREF(v);
    return t;
}

static unsigned long long now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (unsigned long long)ts.tv_sec * 1000000000ULL + (unsigned long long)ts.tv_nsec;
}

static PyObject *lanes_vectorcall(PyObject *callable, PyObject *const *argv, size_t nargsf,
                                  PyObject *kwnames) {
    Lanes *self = (Lanes *)callable;
    Py_ssize_t n = PyVectorcall_NARGS(nargsf);
    if (kwnames != NULL || n < 1 || !PyBytes_CheckExact(argv[0])) goto slow;
    PyObject *lane_obj = PyDict_GetItemWithError(self->table, argv[0]); /* borrowed */
    if (lane_obj == NULL) {
        if (PyErr_Occurred()) return NULL;
        goto slow;
    }
    Lane *lane = (Lane *)lane_obj;
    Caller *c = (Caller *)lane->caller;
    if (c == NULL || n - 1 != c->n_params || PyList_GET_SIZE(lane->free) != 1) goto slow;
    PyObject *ctx = NULL;
    if (PyContextVar_Get(self->context, NULL, &ctx) < 0) return NULL;
    if (ctx != NULL) {
        int none = ctx == Py_None;
        Py_DECREF(ctx);
        if (!none) goto slow;
    }
    for (Py_ssize_t i = 0; i < c->n_params; i++) {
        if (!store_arg(c->params[i], argv[i + 1], &c->buf[i])) goto slow;
    }
    /* take the token: the pool is ours until it goes back */
    if (PyList_SetSlice(lane->free, 0, 1, NULL) < 0) return NULL;
    Py_INCREF(lane);
    Py_INCREF(c);
    PyObject *instance = lane->instance;
    Py_INCREF(instance);
    unsigned long long calls = ++lane->calls;
    int timed = (calls & 7) == 1, t;
    unsigned long long t0 = timed ? now_ns() : 0;
    void *trap = NULL;
    void *err = run(c, &trap);
    PyObject *result;
    if (err != NULL || trap != NULL) {
        result = PyObject_CallFunction(self->failed, "OOKK", lane->pool, instance,
                                       (unsigned long long)(uintptr_t)err,
                                       (unsigned long long)(uintptr_t)trap);
    } else {
        result = results(c);
    }
    if (timed) {
        unsigned long long elapsed = now_ns() - t0;
        lane->timed++;
        lane->timed_ns += elapsed;
        lane->last_ns = elapsed;
        PyObject *r = PyObject_CallFunction(lane->record_latency, "K", elapsed);
        if (r == NULL) { Py_CLEAR(result); } else { Py_DECREF(r); }
    }
    /* as the Python path's `finally`: a generation retired during the call closes its
     * instance now (retire unbinds the lane), then the token goes back */
    PyObject *exc_type = NULL, *exc_value = NULL, *exc_tb = NULL;
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    if (lane->instance == NULL && attr_true(lane->pool, s_retired) > 0) {
        PyObject *r = PyObject_CallMethodNoArgs(lane->pool, s_close_warm);
        if (r == NULL) PyErr_Clear(); else Py_DECREF(r);
    }
    PyErr_Clear();
    if (PyList_Append(lane->free, Py_True) < 0) PyErr_Clear();
    if ((t = attr_true(lane->gate, s_waiting)) > 0) {
        PyObject *r = PyObject_CallMethodNoArgs(lane->gate, s_wake);
        if (r == NULL) PyErr_Clear(); else Py_DECREF(r);
    } else if (t < 0) {
        PyErr_Clear();
    }
    PyErr_Restore(exc_type, exc_value, exc_tb);
    Py_DECREF(instance);
    Py_DECREF(c);
    Py_DECREF(lane);
    return result;

slow:
    return PyObject_Vectorcall(self->slow, argv, nargsf, kwnames);
}

static PyObject *lanes_new(PyTypeObject *type, PyObject *args, PyObject *kwds) {
    static char *kwlist[] = {"table", "context", "security", "slow", "failed", NULL};
    PyObject *table, *context, *security, *slow, *failed;
    if (!PyArg_ParseTupleAndKeywords(args, kwds, "O!OOOO", kwlist, &PyDict_Type, &table,
                                     &context, &security, &slow, &failed)) {
        return NULL;
    }
    if (!PyContextVar_CheckExact(context)) {
        PyErr_SetString(PyExc_TypeError, "fastcall: context must be a ContextVar");
        return NULL;
    }
    Lanes *self = (Lanes *)type->tp_alloc(type, 0);
    if (self == NULL) return NULL;
    self->vectorcall = lanes_vectorcall;
    Py_INCREF(table); self->table = table;
    Py_INCREF(context); self->context = context;
    Py_INCREF(security); self->security = security;
    Py_INCREF(slow); self->slow = slow;
    Py_INCREF(failed); self->failed = failed;
    return (PyObject *)self;
}

static int lanes_traverse(Lanes *self, visitproc visit, void *arg) {
    Py_VISIT(self->table); Py_VISIT(self->context); Py_VISIT(self->security);
    Py_VISIT(self->slow); Py_VISIT(self->failed);
    return 0;
}

static int lanes_clear(Lanes *self) {
    Py_CLEAR(self->table); Py_CLEAR(self->context); Py_CLEAR(self->security);
    Py_CLEAR(self->slow); Py_CLEAR(self->failed);
    return 0;
}

static void lanes_dealloc(Lanes *self) {
    PyObject_GC_UnTrack(self);
    lanes_clear(self);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static PyTypeObject LanesType = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "wippy_runtime.wasm._fastcall.Lanes",
    .tp_doc = PyDoc_STR("funcs.call for one Lua state: inline numeric entries in C, the rest "
                        "through the pipeline."),
    .tp_basicsize = sizeof(Lanes),
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_new = lanes_new,
    .tp_dealloc = (destructor)lanes_dealloc,
    .tp_traverse = (traverseproc)lanes_traverse,
    .tp_clear = (inquiry)lanes_clear,
    .tp_vectorcall_offset = offsetof(Lanes, vectorcall),
    .tp_call = PyVectorcall_Call,
};

static PyObject *set_call_unchecked(PyObject *Py_UNUSED(module), PyObject *arg) {
    unsigned long long address = PyLong_AsUnsignedLongLong(arg);
    if (PyErr_Occurred()) return NULL;
    if (address == 0) {
        PyErr_SetString(PyExc_ValueError, "fastcall: null function address");
        return NULL;
    }
    call_unchecked = (call_unchecked_fn)(uintptr_t)address;
    Py_RETURN_NONE;
}

static PyMethodDef module_methods[] = {
    {"set_call_unchecked", set_call_unchecked, METH_O,
     PyDoc_STR("Hand over the address of wasmtime_func_call_unchecked (from wasmtime-py).")},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef fastcall_module = {
    .m_base = PyModuleDef_HEAD_INIT,
    .m_name = "_fastcall",
    .m_doc = PyDoc_STR("The compiled call path for numeric core-module exports."),
    .m_size = -1,
    .m_methods = module_methods,
};

#define INTERN(var, text) if ((var = PyUnicode_InternFromString(text)) == NULL) return NULL

PyMODINIT_FUNC PyInit__fastcall(void) {
    if (PyType_Ready(&CallerType) < 0 || PyType_Ready(&LaneType) < 0 ||
        PyType_Ready(&LanesType) < 0) {
        return NULL;
    }
    INTERN(s_fn, "fn");
    INTERN(s_retired, "retired");
    INTERN(s_waiting, "waiting");
    INTERN(s_wake, "wake");
    INTERN(s_close_warm, "_close_warm");
    PyObject *m = PyModule_Create(&fastcall_module);
    if (m == NULL) return NULL;
    PyTypeObject *types[] = {&CallerType, &LaneType, &LanesType};
    const char *names[] = {"Caller", "Lane", "Lanes"};
    for (int i = 0; i < 3; i++) {
        Py_INCREF(types[i]);
        if (PyModule_AddObject(m, names[i], (PyObject *)types[i]) < 0) {
            Py_DECREF(types[i]);
            Py_DECREF(m);
            return NULL;
        }
    }
    return m;
}
