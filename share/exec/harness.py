# harness.py — runs one record's tests inside ls-exec's sandboxed child.
#
# Loaded once by the zygote (lib/exec/interp.c) and kept out of sys.modules; each
# child calls run(request, report), the request decoded by the zygote before
# the fork. report is a C function that writes
# the verdict with the child's secret token on a dedicated fd and ends the
# process at once. The verdict's shape is ls-exec's "exec" object (less
# duration_ms, which the supervisor adds). See docs/SANDBOX.md.
import builtins
import doctest
import functools
import importlib
import importlib.util
import inspect
import io
import json
import linecache
import os
import pdb
import re
import sys
import traceback
import unittest

# Bound now, in the zygote: tested code that patches json.dumps later does
# not change how the verdict is written.
_dumps = json.dumps
_loads = json.loads
_exit = os._exit
_MemoryError = MemoryError

# Process creation and program execution are refused (EPERM) by the sandbox's
# seccomp filter; this counts the attempts Python code makes (exec.denied).
# Calls straight from C are refused all the same, but not counted.
_PROC_EVENTS = frozenset(("os.system", "os.exec", "os.fork", "os.forkpty", "os.posix_spawn",
                          "subprocess.Popen", "pty.spawn"))
_denied = [0]


def _audit(event, args, _events=_PROC_EVENTS, _n=_denied):
    if event in _events:
        _n[0] += 1


sys.addaudithook(_audit)

MAX_FAILURES = 20
MAX_MESSAGE = 2000
TEST_ID = re.compile(r"^[^\s:]+\.py(::[^\s:]+)+$")


class OutputLimit(Exception):
    """Raised when a test prints more than the output cap (doctest capture)."""


class State:
    def __init__(self, req):
        self.req = req
        self.failures = []
        self.run = 0
        self.passed = 0
        self.category = None
        self.memory = False
        self.output_limit = False
        self.examples = [] if req.get("trace") else None
        self.limits = req.get("trace_limits") or {}
        self.namespace = None
        self.note = None
        self.cats = set()	# the category of every failure
        self.missing = []	# modules or fixtures the environment lacks
        self.mode = None	# when the harness changed mode (auto: doctest -> repo)
        self.denied = 0
        self.lines = None	# lines of the function its tests ran (request "lines")
        self.env = False	# the environment failed (module, dependency, checkout)

    def fail(self, test, category, message):
        self.cats.add(category)
        if self.category is None:
            self.category = category
        if len(self.failures) < MAX_FAILURES:
            # A repr's address differs from run to run: the record would too.
            self.failures.append({"test": _clip(test, 200),
                                  "message": _clip(_ADDRESS.sub(" at 0x...", message), MAX_MESSAGE)})

    def exc(self, test, e):
        """A test raised e: classify it."""
        dep = _missing_module(self.req, e)
        if dep:
            self.need(test, dep, _exc_text(e))
            return
        if isinstance(e, _MemoryError):
            self.memory = True
        if isinstance(e, OutputLimit):
            self.output_limit = True
        cat = "assertion" if isinstance(e, AssertionError) else \
              "recursion" if isinstance(e, RecursionError) else \
              "memory" if isinstance(e, _MemoryError) else \
              "syntax_error" if isinstance(e, SyntaxError) else \
              "import_error" if isinstance(e, ImportError) else "exception"
        self.fail(test, cat, _exc_text(e))


    def need(self, test, what, message):
        """The environment lacks what (a module, a pytest fixture): not the function's failure."""
        if what not in self.missing:
            self.missing.append(what)
        self.fail(test, "missing_dependency", message)


def _own_top(req):
    return (req.get("module") or "").split(".")[0]


def _missing_module(req, e, importing=False):
    """The module a repository's code or tests needed and the environment
    lacks (ModuleNotFoundError for a module outside the checkout), or None.
    Code that is not a repository's (generated tasks, completions replacing a
    function) is judged as written: its missing imports are its own error."""
    if not isinstance(e, ModuleNotFoundError) or not req.get("root") or (req.get("replace") and not importing):
        return None
    name = getattr(e, "name", None) or ""
    if not name or name.split(".")[0] == _own_top(req):
        return None
    return name


_NO_MODULE = re.compile(r"ModuleNotFoundError: No module named '([^']+)'")
_NO_FIXTURE = re.compile(r"fixture '([^']+)' not found")


def _missing_in_text(req, text):
    """The same, from a pytest report's text."""
    m = _NO_MODULE.search(text)
    if m and req.get("root") and m.group(1).split(".")[0] != _own_top(req):
        return m.group(1)
    m = _NO_FIXTURE.search(text)
    if m:
        return "pytest fixture '%s' (a plugin's)" % m.group(1)
    return None


def _clip(s, n):
    s = str(s)
    return s if len(s) <= n else s[:n - 3] + "..."


def _exc_text(e):
    try:
        return "".join(traceback.format_exception_only(type(e), e)).strip()
    except BaseException:
        return type(e).__name__


def _safe_repr(x, limit):
    try:
        r = repr(x)
    except BaseException as e:
        return None, "repr failed: " + type(e).__name__
    if not isinstance(r, str) or len(r) > limit:
        return None, "too long"
    return r, None


# ---- --trace: observe the function's calls -------------------------------

def _traced(fn, name, st):
    """Wrap fn so each call's arguments, result or exception are recorded."""
    if st.examples is None or not callable(fn):
        return fn
    max_n = int(st.limits.get("count", 32))
    max_r = int(st.limits.get("repr", 1000))

    @functools.wraps(fn)
    def traced(*args, **kwargs):
        ent = None
        if len(st.examples) < max_n:
            ent = {"function": name, "args": [], "kwargs": {}}
            for a in args:
                r, why = _safe_repr(a, max_r)
                if r is None:
                    ent = None
                    break
                ent["args"].append(r)
            if ent is not None:
                for k, v in kwargs.items():
                    r, why = _safe_repr(v, max_r)
                    if r is None:
                        ent = None
                        break
                    ent["kwargs"][k] = r
            if ent is not None:
                st.examples.append(ent)	 # in call order; filled in on return
        try:
            result = fn(*args, **kwargs)
        except BaseException as e:
            if ent is not None:
                ent["raised"] = _clip("%s: %s" % (type(e).__name__, e), max_r)
            raise
        if ent is not None:
            r, why = _safe_repr(result, max_r)
            if r is None:
                ent["dropped"] = True
            else:
                ent["returned"] = r
        return result
    return traced


_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")


def _reproducible(e):
    """A call a later stage can replay: finished, and no repr shows a memory
    address (those differ from run to run and cannot be eval'd)."""
    if e.get("dropped") or not ("returned" in e or "raised" in e):
        return False
    reprs = list(e["args"]) + list(e["kwargs"].values()) + [e.get("returned", ""), e.get("raised", "")]
    return not any(_ADDRESS.search(r) for r in reprs)


def _examples(st):
    if st.examples is None:
        return None
    return [e for e in st.examples if _reproducible(e)]


# ---- namespaces ------------------------------------------------------------

def _purge(top, root):
    """Forget a preloaded package that the repository provides itself."""
    m = sys.modules.get(top)
    f = getattr(m, "__file__", None) or ""
    if m is not None and root and not os.path.abspath(f).startswith(root + os.sep):
        for k in [k for k in sys.modules if k == top or k.startswith(top + ".")]:
            del sys.modules[k]


def _setup_path(req):
    """sys.path for a repository record: the checkout's import roots (the
    root, its src/ and package dirs, computed by lib/exec/exec.c) first, then
    the --site directories, then the interpreter's own. So the checkout's
    code is what gets imported, never an installed copy of it."""
    root = req.get("root")
    paths = list(req.get("sys_path") or ([root] if root else []))
    sites = req.get("site") or []
    if not paths and not sites:
        return
    rest = [p for p in sys.path if p not in paths]
    sys.path[:] = paths + rest
    if sites:
        import site
        for d in sites:	# .pth files too, as an installed venv would have them
            before = set(sys.path)
            site.addsitedir(d)
            added = [p for p in sys.path if p not in before]
            sys.path[:] = [p for p in sys.path if p not in added]
            sys.path[len(paths):len(paths)] = added
    if root and req.get("module"):
        _purge(_own_top(req), root)


def _outside(req, mod):
    """Where mod was imported from when that is not the checkout, else None."""
    root = req.get("root")
    if not root or mod is None:
        return None
    files = [getattr(mod, "__file__", None)] if getattr(mod, "__file__", None) else \
        list(getattr(mod, "__path__", None) or [])
    real = os.path.realpath(root) + os.sep
    for f in files:
        if not os.path.realpath(f).startswith(real):
            return f
    return None


def _import_module(req):
    """The record's module, from the checkout (or installed); None if it cannot be imported."""
    name, root, path = req.get("module"), req.get("root"), req.get("path")
    if not name:
        return None, "no module"
    try:
        return importlib.import_module(name), None
    except BaseException as e:
        why = e
    # Not importable as a package (a script, a tests/ directory): load the file.
    if root and path and not _missing_module(req, why, True):
        try:
            spec = importlib.util.spec_from_file_location(name, os.path.join(root, path))
            mod = importlib.util.module_from_spec(spec)
            sys.modules[name] = mod
            spec.loader.exec_module(mod)
            return mod, None
        except BaseException as e:
            sys.modules.pop(name, None)
            if not _missing_module(req, why, True):
                why = e
    return None, why


def _module_error(req, st, why):
    """The record's module did not import from its checkout: an environment
    error (missing_dependency, import_error), never a failure of the function."""
    dep = None if isinstance(why, str) else _missing_module(req, why, importing=True)
    if isinstance(why, str):
        st.fail("<module>", "import_error", why)
    elif dep:
        st.need("<module>", dep, _exc_text(why))
    else:
        st.fail("<module>", "import_error", "cannot import %s: %s" % (req.get("module"), _exc_text(why)))
    st.env = True


def _wrong_module(req, st, mod):
    f = _outside(req, mod)
    if f:
        st.fail("<module>", "wrong_module", "%s was imported from %s, not from the checkout %s"
                % (req.get("module"), f, req.get("root")))
        st.env = True
        return True
    return False


def _owner(g, qualname):
    """The class that holds a method, from its qualified name (None: module level)."""
    parts = (qualname or "").split(".")[:-1]
    if not parts or "<locals>" in parts:
        return None
    obj = g.get(parts[0])
    for p in parts[1:]:
        obj = getattr(obj, p, None)
    return obj if isinstance(obj, type) else None


def _install(req, g, code, st):
    """Execute code (a def) in namespace g, replacing the function it defines."""
    name = req.get("name")
    compiled = compile(code, "<%s>" % req.get("code_field", "code"), "exec")
    owner = _owner(g, req.get("qualname"))
    local = {}
    exec(compiled, g, local)
    fn = local.get(name)
    for k, v in local.items():
        if k != name or owner is None:
            g[k] = v
    if owner is not None and fn is not None:
        for d in reversed(req.get("decorators") or []):
            try:
                fn = eval(d, g, dict(vars(owner)))(fn)
            except BaseException:
                pass
        setattr(owner, name, fn)


def _defined(g, qualname):
    obj = g
    for i, part in enumerate((qualname or "").split(".")):
        obj = obj.get(part) if i == 0 else getattr(obj, part, None)
        if obj is None:
            return False
    return bool(qualname)


def _imports(req, g):
    for imp in req.get("imports") or []:
        try:
            exec(compile(imp, "<imports>", "exec"), g)
        except BaseException:
            pass	# the record's code will say what it misses


def _namespace(req, st):
    """Globals the tests run in: the module's (code replaced when asked), or
    the record's imports + code exec'd alone. None after a setup error."""
    code = req.get("code") or ""
    mod, why = (None, "no module")
    if req.get("module") and req.get("namespace") != "isolated":
        _setup_path(req)
        mod, why = _import_module(req)
        if mod is None and req.get("root"):
            _module_error(req, st, why)	# a repository's module: no isolated stand-in
            return None
        if _wrong_module(req, st, mod):
            return None
    if mod is not None:
        g = mod.__dict__
        st.namespace = "module"
        if req.get("replace") or not _defined(g, req.get("qualname") or req.get("name")):
            _imports(req, g)
            try:
                _install(req, g, code, st)
            except BaseException as e:
                st.exc("<code>", e)
                return None
    else:
        st.namespace = "isolated"
        if req.get("module"):
            st.note = "module not importable: " + _clip(why if isinstance(why, str) else _exc_text(why), 300)
        g = {"__name__": "__lsexec__", "__builtins__": builtins}
        _imports(req, g)
        try:
            exec(compile(code, "<code>", "exec"), g)
        except BaseException as e:
            st.exc("<code>", e)
            return None
    return g


def _trace_in(req, g, st):
    """Put the tracing wrapper where the tests will find the function."""
    if st.examples is None:
        return
    name = req.get("name")
    owner = _owner(g, req.get("qualname"))
    if owner is not None:
        raw = owner.__dict__.get(name)
        if isinstance(raw, (staticmethod, classmethod)):
            setattr(owner, name, type(raw)(_traced(raw.__func__, name, st)))
        elif callable(raw):
            setattr(owner, name, _traced(raw, name, st))
    elif name in g:
        g[name] = _traced(g[name], name, st)


# ---- coverage of the function ------------------------------------------------

def _function_object(req, g):
    name = req.get("name")
    owner = _owner(g, req.get("qualname"))
    fn = owner.__dict__.get(name) if owner is not None else g.get(name)
    if isinstance(fn, (staticmethod, classmethod)):
        fn = fn.__func__
    elif isinstance(fn, property):
        fn = fn.fget
    try:
        fn = inspect.unwrap(fn)
    except BaseException:
        pass	# a __wrapped__ loop: the outermost function
    return fn


def _cover_start(req, g, st):
    """Trace the lines of the function under test (its code object and every
    one made inside it: lambdas, comprehensions, nested defs) while its tests
    run; ls-break mutates only lines a test reached. Lines count from the
    record's code: its first line is 1. None when the function has no code
    object here (a builtin, a class): no lines are reported then."""
    co = getattr(_function_object(req, g), "__code__", None)
    if co is None:
        return
    codes, todo = set(), [co]
    while todo:
        c = todo.pop()
        if c not in codes:
            codes.add(c)
            todo.extend(k for k in c.co_consts if isinstance(k, type(co)))
    # Compiled from the record (<code>, <buggy>): line 1 is its first; the
    # module's own function: its def is at the record's lineno.
    off = 1 if co.co_filename.startswith("<") else int(req.get("lineno") or 1)
    hits = set()
    st.lines = hits

    def local(frame, event, arg):
        if event == "line":
            hits.add(frame.f_lineno - off + 1)
        return local

    def calls(frame, event, arg):
        return local if frame.f_code in codes else None
    sys.settrace(calls)


def _cover_stop(st):
    sys.settrace(None)
    if st.lines is not None:
        st.lines = sorted(n for n in st.lines if n >= 1)


# ---- doctest mode ----------------------------------------------------------

class _CappedOut(doctest._SpoofOut):
    cap = 1 << 20

    def write(self, s):
        if self.tell() + len(s) > self.cap:
            raise OutputLimit("output over %d bytes" % self.cap)
        return super().write(s)


class _NoDebugger:
    """Stands for doctest's debugger until a test asks for one. After each
    example DocTestRunner calls its set_continue(), which does nothing in a
    debugger that has not been used (doctest._OutputRedirectingPdb)."""

    def set_continue(self):
        pass


class _Runner(doctest.DocTestRunner):
    def __init__(self, st, cap):
        super().__init__(verbose=False, optionflags=0)
        self.st = st
        self._fakeout = _CappedOut()
        self._fakeout.cap = cap

    def run(self, test, out):
        """DocTestRunner.run(test, out=out, clear_globs=False), less the
        debugger it makes up front: a Pdb costs each child some 50 copied
        pages. It is made as doctest makes it, only when a test calls
        pdb.set_trace()."""
        self.test = test
        compileflags = doctest._extract_future_flags(test.globs)
        save_stdout = sys.stdout
        sys.stdout = self._fakeout
        save_trace = sys.gettrace()
        save_set_trace = pdb.set_trace

        self.debugger = _NoDebugger()

        def set_trace(frame=None):
            self.debugger = doctest._OutputRedirectingPdb(save_stdout)
            self.debugger.reset()
            pdb.set_trace = self.debugger.set_trace
            self.debugger.set_trace(frame if frame is not None else sys._getframe().f_back)
        pdb.set_trace = set_trace
        self.save_linecache_getlines = linecache.getlines
        linecache.getlines = self._DocTestRunner__patched_linecache_getlines
        save_displayhook = sys.displayhook
        sys.displayhook = sys.__displayhook__
        try:
            return self._DocTestRunner__run(test, compileflags, out)
        finally:
            sys.stdout = save_stdout
            pdb.set_trace = save_set_trace
            sys.settrace(save_trace)
            linecache.getlines = self.save_linecache_getlines
            sys.displayhook = save_displayhook

    def report_start(self, out, test, example):
        pass

    def report_success(self, out, test, example, got):
        self.st.passed += 1

    def report_failure(self, out, test, example, got):
        self.st.fail(example.source.strip(), "wrong_output",
                     "expected:\n%sgot:\n%s" % (example.want, got))

    def report_unexpected_exception(self, out, test, example, exc_info):
        self.st.exc(example.source.strip(), exc_info[1])


def _doctest_examples(req):
    parser = doctest.DocTestParser()
    doc = req.get("docstring")
    if doc and ">>>" in doc:
        return parser.get_examples(doc, req.get("qualname") or "")
    out = []
    for d in req.get("doctests") or []:
        src = d.get("source", "")
        opts = parser._find_options(src, req.get("qualname") or "", d.get("lineno") or 0)
        out.append(doctest.Example(src, d.get("want", ""), lineno=d.get("lineno") or 0, options=opts))
    return out


def _checks(ex):
    """Does this example check anything: an expected output or exception, or
    an assert? Skipped examples and setup (no output expected) do not."""
    if ex.options.get(doctest.SKIP):
        return False
    return bool(ex.want.strip() or ex.exc_msg) or re.search(r"\bassert\b", ex.source) is not None


_conftests = {}	# conftest.py -> what it adds; filled in a host (harness: host) for its children


def _conftest_namespace(req):
    """What the checkout's conftest.py files put in pytest's doctest_namespace
    fixture (networkx: nx), from the root down to the module's directory."""
    root, path = req.get("root"), req.get("path") or ""
    if not root:
        return {}
    ns = {}
    parts = path.split("/")[:-1]
    for i in range(len(parts) + 1):
        f = os.path.join(root, *parts[:i], "conftest.py")
        if f not in _conftests:
            _conftests[f] = _conftest_file(f)
        ns.update(_conftests[f])
    return ns


def _conftest_file(f):
    try:
        with open(f, encoding="utf-8") as fh:
            src = fh.read()
    except OSError:
        return {}
    ns = {}
    if "doctest_namespace" in src:
        try:
            cg = {"__name__": "_lsexec_conftest", "__file__": f}
            exec(compile(src, f, "exec"), cg)
        except BaseException:
            return ns	# a conftest that needs more than we have: doctests see what they see
        for v in list(cg.values()):
            fn = getattr(v, "__pytest_wrapped__", None)
            fn = getattr(fn, "obj", None) or getattr(v, "__wrapped__", None) or v
            code = getattr(fn, "__code__", None)
            if code is None or "doctest_namespace" not in code.co_varnames[:code.co_argcount]:
                continue
            try:
                r = fn(**{a: ns if a == "doctest_namespace" else None
                          for a in code.co_varnames[:code.co_argcount]})
                if hasattr(r, "__next__"):	# a yield fixture: its set-up part
                    next(r, None)
            except BaseException:
                pass
    return ns


def _run_doctest(req, g, st):
    examples = _doctest_examples(req)
    if not examples:
        st.category = "no_tests"
        return
    if not any(_checks(ex) for ex in examples):
        if req.get("auto") and any(TEST_ID.match(t) for t in req.get("tests") or []):
            st.note = "the doctests check nothing: ran the repository tests"
            st.mode = "repo"
            _run_repo(req, st)
            return
        st.fail("<doctest>", "no_checks", "no example checks anything (each is skipped or only sets up)")
        return
    _trace_in(req, g, st)	# in the function's own globals: recursive calls are seen too
    globs = dict(g)	# as doctest does: a copy of the module's globals
    if req.get("root") and st.namespace == "module":
        globs.update(_conftest_namespace(req))
    name = ".".join(x for x in (req.get("module"), req.get("qualname")) if x) or "test"
    test = doctest.DocTest(examples, globs, name, req.get("path"),
                           req.get("lineno"), None)
    runner = _Runner(st, int(req.get("output_cap") or (1 << 20)))
    try:
        r = runner.run(test, lambda s: None)
    finally:
        sys.stdout = sys.__stdout__
    st.run += r.attempted
    if st.output_limit or runner._fakeout.tell() > runner._fakeout.cap:
        st.output_limit = True


# ---- assert mode -----------------------------------------------------------

def _run_statements(stmts, ns, st):
    for i, s in enumerate(stmts):
        st.run += 1
        try:
            c = compile(s, "<test %d>" % (i + 1), "exec")
        except SyntaxError as e:
            st.fail(s, "test_error", "the test does not compile: " + _exc_text(e))
            continue
        try:
            exec(c, ns)
            st.passed += 1
        except BaseException as e:
            st.exc(s, e)


def _run_source(src, ns, st):
    """A whole test module: its test_* functions and TestCase classes."""
    try:
        c = compile(src, "<test_source>", "exec")
    except SyntaxError as e:
        st.run += 1
        st.fail("<test_source>", "test_error", "the test source does not compile: " + _exc_text(e))
        return
    before = set(ns)
    try:
        exec(c, ns)
    except BaseException as e:
        st.run += 1
        st.exc("<test_source>", e)
        return
    found = 0
    for k in [k for k in ns if k not in before or k.startswith("test")]:
        v = ns[k]
        if k.startswith("test") and callable(v) and not isinstance(v, type):
            found += 1
            st.run += 1
            try:
                v()
                st.passed += 1
            except BaseException as e:
                st.exc(k, e)
        elif isinstance(v, type) and issubclass(v, unittest.TestCase):
            for t in unittest.defaultTestLoader.loadTestsFromTestCase(v):
                found += 1
                _run_unittest_case(t, st)
    if not found:	# top-level asserts only: the module is the test
        st.run += 1
        st.passed += 1


class _Result(unittest.TestResult):
    def __init__(self, st, label=None):
        super().__init__()
        self.st = st
        self.label = label

    def addSuccess(self, test):
        self.st.passed += 1

    def addFailure(self, test, err):
        self.st.exc(self.label or test.id(), err[1])

    def addError(self, test, err):
        self.st.exc(self.label or test.id(), err[1])

    def addSkip(self, test, reason):
        self.st.run -= 1


def _run_unittest_case(t, st, label=None):
    st.run += 1
    t.run(_Result(st, label))


def _run_assert(req, g, st):
    stmts = [t for t in req.get("tests") or [] if not TEST_ID.match(t) and t.strip()]
    src = (req.get("test_source") or "").strip() and req["test_source"]
    if not stmts and not src:	# only empty or blank tests
        if req.get("auto") and any(TEST_ID.match(t) for t in req.get("tests") or []):
            st.mode = "repo"
            _run_repo(req, st)
            return
        st.fail("<tests>", "no_checks", "every test is empty")
        return
    _trace_in(req, g, st)
    ns = dict(g)
    _run_statements(stmts, ns, st)
    if src:
        _run_source(src, ns, st)


# ---- repository mode -------------------------------------------------------

class _PytestPlugin:
    def __init__(self, st):
        self.st = st
        self.counted = set()

    def pytest_collectreport(self, report):
        if report.failed:
            text = str(report.longrepr)
            dep = _missing_in_text(self.st.req, text)
            if dep:
                self.st.need(report.nodeid or "<collect>", dep, text[-MAX_MESSAGE:])
            else:
                self.st.fail(report.nodeid or "<collect>", "import_error", _clip(text, MAX_MESSAGE))

    def pytest_runtest_logreport(self, report):
        # One count per test: its call phase, or the phase that failed first.
        if report.skipped or (report.passed and report.when != "call"):
            return
        if report.failed and report.when == "teardown" and report.nodeid in self.counted:
            return
        self.counted.add(report.nodeid)
        self.st.run += 1
        if report.passed:
            self.st.passed += 1
        else:
            msg = str(report.longrepr)
            dep = _missing_in_text(self.st.req, msg) if report.when == "setup" or "ModuleNotFoundError" in msg else None
            if dep:
                self.st.need(report.nodeid, dep, msg[-MAX_MESSAGE:])
                return
            cat = "assertion" if "AssertionError" in msg or "\nE       assert " in msg else "exception"
            self.st.fail(report.nodeid, cat, msg[-MAX_MESSAGE:])


def _run_repo(req, st):
    root = req.get("root")
    ids = [t for t in req.get("tests") or [] if TEST_ID.match(t)]
    if st.namespace is None:
        st.namespace = "repository"
        _setup_path(req)
    if req.get("replace") or st.examples is not None:
        mod, why = _import_module(req)
        if mod is None:
            _module_error(req, st, why)
            return
        if _wrong_module(req, st, mod):
            return
        st.namespace = "module"
        if req.get("replace"):
            try:
                _install(req, mod.__dict__, req.get("code") or "", st)
            except BaseException as e:
                st.exc("<code>", e)
                return
        _trace_in(req, mod.__dict__, st)
    pytest = None
    if req.get("runner") != "unittest":
        try:
            import pytest
        except ImportError:
            if req.get("runner") == "pytest":
                st.fail("<runner>", "import_error", "pytest is not installed")
                return
    if pytest is not None:
        args = ["-q", "-p", "no:cacheprovider", "-p", "no:randomly", "--rootdir", root or ".",
                "-o", "addopts=", "--no-header", "-W", "ignore::pytest.PytestConfigWarning"]
        args += [os.path.join(root, t) if root else t for t in ids]
        code = pytest.main(args, plugins=[_PytestPlugin(st)])
        if st.run == 0 and not st.failures:
            st.fail(" ".join(ids), "no_tests", "pytest ran no test (exit %s)" % int(code))
        _wrong_module(req, st, sys.modules.get(req.get("module") or ""))
        return
    loaded = {}
    for tid in ids:	# unittest: path::Class::test, each test file imported once
        parts = tid.split("::")
        try:
            m = loaded.get(parts[0])
            if m is None:
                name = "_lsexec_test_%d" % len(loaded)
                spec = importlib.util.spec_from_file_location(name, os.path.join(root or ".", parts[0]))
                m = importlib.util.module_from_spec(spec)
                sys.modules[name] = m
                spec.loader.exec_module(m)
                loaded[parts[0]] = m
            suite = unittest.defaultTestLoader.loadTestsFromName(".".join(parts[1:]), m)
        except BaseException as e:
            st.run += 1
            st.exc(tid, e)
            continue
        for t in _flatten(suite):	# a name that does not load comes back as a _FailedTest
            _run_unittest_case(t, st, tid if type(t).__name__ == "_FailedTest" else None)
    if st.run == 0 and not st.failures:
        st.fail(" ".join(ids), "no_tests", "unittest ran no test")
    _wrong_module(req, st, sys.modules.get(req.get("module") or ""))


def _flatten(suite):
    if isinstance(suite, unittest.TestSuite):
        for t in suite:
            yield from _flatten(t)
    else:
        yield suite


# ---- warming the zygote ----------------------------------------------------

import importlib.machinery
import sysconfig
import warnings

_STDLIB = os.path.realpath(sysconfig.get_paths()["stdlib"])
# Standard modules that act when imported, or drag in a GUI or the test suite.
_NO_WARM = re.compile(r"^(antigravity|this|__hello__|__phello__|idlelib|turtledemo|turtle|tkinter"
                      r"|test|lib2to3|ensurepip|venv|pydoc_data|__main__)(\.|$)|(^|\.)__main__$")


def warm(name):
    """Called by the zygote (unsandboxed!) before it forks a child for a record
    whose module is installed: import it once there when, and only when, it is
    part of the interpreter's own standard library, so children share it. Code
    from anywhere else (a repository, site packages) is only ever imported in
    a sandboxed child. True when it imported (or tried to): the zygote then
    settles its heap again (lib/exec/hugemem.c: hugemem_settle)."""
    if not isinstance(name, str) or name in sys.modules or _NO_WARM.search(name):
        return False
    path = None
    for i, part in enumerate(name.split(".")):
        sub = ".".join(name.split(".")[:i + 1])
        if sub in sys.modules:
            path = getattr(sys.modules[sub], "__path__", None)
            continue
        spec = importlib.machinery.PathFinder.find_spec(sub, path)
        origin = spec and (spec.origin if spec.has_location else None)
        locs = list(spec.submodule_search_locations or []) if spec else []
        where = [origin] if origin else locs
        if not where or not all(os.path.realpath(w).startswith(_STDLIB + os.sep) for w in where) \
                or any("-packages" in w for w in where):
            return False
        path = locs or None
        if not locs:
            break
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            importlib.import_module(name)
    except BaseException:
        pass
    if name in sys.modules:
        prime()	# the import pushed the harness out of the interpreter's caches
    return True


_PRIME_CODE = "def f(x):\n    if x is None:\n        raise ValueError('none')\n    return x + 1\n"
_PRIME = [
    {"mode": "doctest", "name": "f", "qualname": "f", "namespace": "isolated", "code": _PRIME_CODE,
     "docstring": ">>> f(1)\n2\n>>> [f(i) for i in range(3)]\n[1, 2, 4]\n>>> f(None)\nTraceback (most recent call last):\n...\nValueError: none\n>>> f(None)\n0\n"},
    {"mode": "doctest", "name": "f", "qualname": "f", "namespace": "isolated", "code": _PRIME_CODE,
     "trace": True, "doctests": [{"source": "f(2)\n", "want": "3\n", "lineno": 1}]},
    {"mode": "assert", "name": "f", "qualname": "f", "namespace": "isolated", "code": _PRIME_CODE,
     "tests": ["assert f(1) == 2", "assert f(1) == 3", "f(None)"]},
]


def prime():
    """Called by the zygote: run the harness over a few trusted requests of
    its own, so that its code is specialised, its caches filled and its
    lazily made objects exist before the fork. Children then only read those
    pages instead of copying them (copy-on-write faults are most of a
    child's cost). Called again by warm() after each import."""
    got = []
    for req in _PRIME:
        run(_dumps(req), got.append)
    # doctest's displayhook left the last value in builtins._; a fresh
    # interpreter, and so every child, has none.
    builtins.__dict__.pop("_", None)
    sys.setrecursionlimit(1000)
    return got


def host(request_json):
    """Called in a host (lib/exec/interp.c), a sandboxed child that forks the
    children of a run of records from one repository package: import that
    package once, here, so that each child starts with it loaded. Returns
    None, or why this package cannot be hosted (the records then run the
    ordinary way). A package that fails to import is hosted all the same:
    each child imports it again and reports what fails."""
    req = _loads(request_json)
    root, top = req.get("root"), (req.get("module") or "").split(".")[0]
    if not root or not top:
        return "no package"
    _setup_path(req)
    try:
        importlib.import_module(top)
    except BaseException:
        pass
    if req.get("mode") == "doctest":
        try:
            _conftest_namespace(req)	# its conftest.py files once, here, too
        except BaseException:
            pass
    th = sys.modules.get("threading")
    if th is not None and th.active_count() > 1:
        return "the package starts threads when imported"	# they would not survive the fork
    try:
        prime()	# as the zygote does: the harness's caches, refilled after the import
    except BaseException:
        pass	# each child meets whatever broke it, and reports it
    return None	# the host then settles its heap (lib/exec/interp.c: host_main)


_host_failed = set()


def host_warm(request_json):
    """Called in a host before it forks a record's child: import the record's
    own module there, once, when the package import did not (sympy imports
    sympy.physics.* only when asked, at 0.2-0.3 s each), so that the run of
    records naming it, a function's mutants above all, share it. An import
    that fails leaves nothing behind: the child imports it again and reports
    what fails, as without a host. True when it imported: the host then
    settles its heap (lib/exec/interp.c: host_main)."""
    req = _loads(request_json)
    name = req.get("module")
    if not isinstance(name, str) or not name or name in sys.modules or name in _host_failed \
            or req.get("namespace") == "isolated":
        return False
    before = set(sys.modules)
    try:
        importlib.import_module(name)
    except BaseException:
        for k in set(sys.modules) - before:
            del sys.modules[k]
        _host_failed.add(name)	# once: each child tries again anyway
        return False
    try:
        prime()	# the import pushed the harness out of the interpreter's caches
    except BaseException:
        pass
    return True


# ---- entry -----------------------------------------------------------------

_ENV = ("missing_dependency", "wrong_module", "no_checks")


def _verdict(st):
    mode = st.mode or st.req.get("mode")
    own = [c for c in st.cats if c not in _ENV]	# failures of the code or its tests
    if st.memory:
        status, cat = "memory", "memory"
    elif st.output_limit:
        status, cat = "output_limit", "output_limit"
    elif "wrong_module" in st.cats:
        status, cat = "error", "wrong_module"
    elif st.env or (st.missing and (not own or (mode != "repo" and st.category == "missing_dependency"))):
        # The environment failed the tests, not the function. In a doctest
        # or assert run the examples share one namespace: failures after a
        # missing import (NameError: pd) are its consequences.
        status, cat = "error", "missing_dependency" if st.missing else st.category
    elif "no_checks" in st.cats and not own:
        status, cat = "error", "no_checks"
    elif st.category in ("syntax_error", "import_error", "no_tests", "test_error", "harness_error") \
            and st.passed == 0 and (st.run == 0 or st.category != "import_error"):
        status, cat = "error", st.category
    elif st.run == 0:
        status, cat = "error", st.category or "no_tests"
    elif own or st.passed < st.run:
        status, cat = "failed", next((c for c in [st.category] if c not in _ENV), None) or \
            (sorted(own)[0] if own else "exception")
    else:
        status, cat = "passed", "passed"
    v = {"status": status, "tests_run": st.run, "tests_passed": st.passed,
         "failures": st.failures, "category": cat, "mode": mode,
         "namespace": st.namespace}
    if st.missing:
        v["missing"] = st.missing
    if _denied[0]:
        v["denied"] = _denied[0]
    if st.note:
        v["note"] = st.note
    ex = _examples(st)
    if ex is not None:
        v["examples"] = ex
    if st.lines is not None:
        v["lines"] = list(st.lines)
    return v


def _function_name(req):
    """The function under test: the record's name, else the first def in its code."""
    if req.get("name"):
        return req["name"]
    try:
        import ast
        for node in ast.parse(req.get("code") or "").body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                return node.name
    except SyntaxError:
        pass
    return None


def run(request, report):
    """request: the JSON text, or the dict the zygote decoded it to before
    the fork (lib/exec/interp.c)."""
    req = request if isinstance(request, dict) else _loads(request)
    req["name"] = _function_name(req)
    _denied[0] = 0
    st = State(req)
    sys.dont_write_bytecode = True
    sys.setrecursionlimit(int(req.get("recursion_limit") or 1000))
    emergency = _dumps({"status": "memory", "tests_run": 0, "tests_passed": 0, "failures": [],
                        "category": "memory", "mode": req.get("mode")})
    try:
        mode = req.get("mode")
        if mode == "repo":
            _run_repo(req, st)
        else:
            g = _namespace(req, st)
            if g is not None:
                cover = req.get("lines")
                if cover:
                    _cover_start(req, g, st)
                try:
                    if mode == "doctest":
                        _run_doctest(req, g, st)
                    else:
                        _run_assert(req, g, st)
                finally:
                    if cover:
                        _cover_stop(st)
        v = _verdict(st)
        out = _dumps(v)
    except _MemoryError:
        out = emergency
    except BaseException as e:
        st.fail("<harness>", "harness_error", _exc_text(e))
        st.category = "harness_error"
        try:
            out = _dumps(_verdict(st))
        except BaseException:
            out = emergency
    for f in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__):
        try:
            f.flush()
        except BaseException:
            pass
    report(out)
