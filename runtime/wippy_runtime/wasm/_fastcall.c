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
    void *err;
    Py_BEGIN_ALLOW_THREADS
    err = call_unchecked(self->context, &self->func, self->buf, self->buf_len, &trap);
    Py_END_ALLOW_THREADS
    if (err != NULL || trap != NULL) {
        return PyObject_CallFunction(self->failed, "KK", (unsigned long long)(uintptr_t)err,
                                     (unsigned long long)(uintptr_t)trap);
    }
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

PyMODINIT_FUNC PyInit__fastcall(void) {
    if (PyType_Ready(&CallerType) < 0) return NULL;
    PyObject *m = PyModule_Create(&fastcall_module);
    if (m == NULL) return NULL;
    Py_INCREF(&CallerType);
    if (PyModule_AddObject(m, "Caller", (PyObject *)&CallerType) < 0) {
        Py_DECREF(&CallerType);
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
