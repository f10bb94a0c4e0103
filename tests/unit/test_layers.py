"""swiftq's structure, read from its source (``ast``, nothing imported but
in one subprocess): layers import downward only.

The HTTP layer (:mod:`swiftq.api`, and :mod:`swiftq.app` that builds it)
sits over storage, which sits over the Swift client; auth, policy, conf,
log and metrics lie below the API, and so does the notifier, a daemon over
storage. The websocket transport (:mod:`swiftq.websocket`) sits beside
the API, over :mod:`swiftq.app` whose application it calls in process.
Flask and werkzeug belong to the HTTP layer alone. The console
scripts (``cmd``) and the load generator (``bench``) sit on top and may
import anything, but no two swiftq packages import each other, directly or
round a longer loop.

Each structural bar is one test over :data:`MODULES` (every module under
swiftq/, parsed once) that lists every offender in its message.
"""

import ast
import dataclasses
import functools
import os
import subprocess
import sys


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PACKAGE = 'swiftq'

#: The layers below the API: none may import it, what is above it, or an
#: HTTP library.
BELOW_THE_API = ('storage', 'auth', 'notification', 'swift', 'conf',
                 'policy', 'log', 'metrics')
#: What the layers below the API may never import.
ABOVE_THEM = ('api', 'app', 'wsgi', 'websocket', 'cmd', 'bench')
HTTP_LIBRARIES = ('flask', 'werkzeug')
#: The only units that may import an HTTP library.
HTTP_LAYER = ('api', 'app')
#: Imported for real, module by module, in a fresh interpreter.
LOADED_WITHOUT_FLASK = ('notification', 'storage', 'auth', 'metrics')

MAX_MODULE_LINES = 700
MAX_STORAGE_CLASS_METHODS = 25


@dataclasses.dataclass
class Module:
    name: str       # dotted: swiftq.api.hooks
    path: str       # relative to the checkout: swiftq/api/hooks.py
    tree: ast.Module
    lines: int

    @property
    def unit(self):
        """The package (``api``, ``storage``...) or top-level module
        (``app``, ``log``...) the module belongs to; ``swiftq`` for the
        root package itself."""
        return unit_of(self.name)

    @property
    def is_package(self):
        return self.path.endswith('__init__.py')

    @functools.cached_property
    def imports(self):
        return imports(self)


def unit_of(name):
    parts = name.split('.')
    return parts[1] if len(parts) > 1 else parts[0]


def _parse_all():
    modules = []
    for directory, subdirs, files in os.walk(os.path.join(ROOT, PACKAGE)):
        subdirs[:] = sorted(d for d in subdirs if d != '__pycache__')
        for filename in sorted(f for f in files if f.endswith('.py')):
            path = os.path.relpath(os.path.join(directory, filename), ROOT)
            name = path[:-len('.py')].replace(os.sep, '.')
            if name.endswith('.__init__'):
                name = name[:-len('.__init__')]
            with open(os.path.join(ROOT, path), encoding='utf-8') as f:
                source = f.read()
            modules.append(Module(name, path, ast.parse(source, path),
                                  len(source.splitlines())))
    return modules


MODULES = _parse_all()
MODULE_NAMES = frozenset(m.name for m in MODULES)


def imports(module):
    """``(dotted name, line)`` of everything ``module`` imports, at any
    depth of its code, relative imports made absolute: ``from a import b``
    imports ``a.b`` when that is a module of swiftq, else ``a``."""
    found = []
    for node in ast.walk(module.tree):
        if isinstance(node, ast.Import):
            found.extend((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.name.split('.')
                if not module.is_package:
                    base = base[:-1]
                base = base[:len(base) - node.level + 1]
                if node.module:
                    base.append(node.module)
                source = '.'.join(base)
            else:
                source = node.module
            submodules = [source + '.' + alias.name for alias in node.names
                          if source + '.' + alias.name in MODULE_NAMES]
            found.extend((name, node.lineno)
                         for name in submodules or [source])
    return found


def _is_in(name, units):
    parts = name.split('.')
    return parts[0] == PACKAGE and len(parts) > 1 and parts[1] in units


def test_layers_below_the_api_do_not_import_it():
    offences = [
        '%s:%d imports %s' % (module.path, line, name)
        for module in MODULES if module.unit in BELOW_THE_API
        for name, line in module.imports
        if _is_in(name, ABOVE_THEM) or name.split('.')[0] in HTTP_LIBRARIES]
    assert not offences, ('a layer below the API imports the API, what '
                          'is above it, or an HTTP library:\n'
                          + '\n'.join(offences))


def test_http_libraries_only_in_the_http_layer():
    offences = [
        '%s:%d imports %s' % (module.path, line, name)
        for module in MODULES if module.unit not in HTTP_LAYER
        for name, line in module.imports
        if name.split('.')[0] in HTTP_LIBRARIES]
    assert not offences, ('Flask outside swiftq/api and swiftq/app.py:\n'
                          + '\n'.join(offences))


def package_graph():
    """unit -> {imported unit: the first ``path:line imports name`` that
    makes the edge}, over swiftq's own units."""
    graph = {}
    for module in MODULES:
        edges = graph.setdefault(module.unit, {})
        for name, line in module.imports:
            if name.split('.')[0] != PACKAGE:
                continue
            target = unit_of(name)
            if target not in (module.unit, PACKAGE):
                edges.setdefault(target, '%s:%d imports %s'
                                 % (module.path, line, name))
    return graph


def find_cycle(graph):
    """One cycle of ``graph`` as ``[a, b, ..., a]``, or None."""
    state = {}              # unit -> 'open' while on the path, then 'done'
    path = []

    def visit(unit):
        state[unit] = 'open'
        path.append(unit)
        for target in sorted(graph.get(unit, ())):
            if state.get(target) == 'open':
                return path[path.index(target):] + [target]
            if target not in state:
                cycle = visit(target)
                if cycle:
                    return cycle
        path.pop()
        state[unit] = 'done'
        return None

    for unit in sorted(graph):
        if unit not in state:
            cycle = visit(unit)
            if cycle:
                return cycle
    return None


def test_find_cycle_reports_the_loop():
    assert find_cycle({'a': {'b': ''}, 'b': {'c': ''}, 'c': {}}) is None
    assert find_cycle({'a': {'b': ''}, 'b': {'c': ''},
                       'c': {'b': ''}}) == ['b', 'c', 'b']


def test_no_import_cycle_between_packages():
    graph = package_graph()
    cycle = find_cycle(graph)
    assert cycle is None, 'import cycle between swiftq packages: %s\n%s' % (
        ' -> '.join(cycle),
        '\n'.join('%s -> %s: %s' % (a, b, graph[a][b])
                  for a, b in zip(cycle, cycle[1:])))


#: Run in a fresh interpreter: imports the modules it is given, in order,
#: and names the first one after which an HTTP library (or the API) is
#: loaded.
_RUNTIME_CHECK = '''
import importlib, sys
unwanted = ('flask', 'werkzeug', 'swiftq.api')
for name in sys.argv[1:]:
    importlib.import_module(name)
    loaded = [u for u in unwanted if u in sys.modules]
    if loaded:
        sys.exit('importing %s loads %s' % (name, ', '.join(loaded)))
'''


def test_importing_the_layers_below_the_api_loads_no_flask():
    # The daemon first: what it loads is what swiftq-notifier loads.
    names = ['swiftq.notification.notifier'] + sorted(
        m.name for m in MODULES if m.unit in LOADED_WITHOUT_FLASK)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [ROOT] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    proc = subprocess.run([sys.executable, '-c', _RUNTIME_CHECK] + names,
                          cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr


# -- size ---------------------------------------------------------------------
def test_modules_are_short():
    long_ones = ['%s: %d lines' % (m.path, m.lines) for m in MODULES
                 if m.lines > MAX_MODULE_LINES]
    assert not long_ones, ('modules over %d lines:\n' % MAX_MODULE_LINES
                           + '\n'.join(long_ones))


def test_storage_classes_are_small():
    big = ['%s: %s has %d methods' % (module.path, node.name, count)
           for module in MODULES if module.unit == 'storage'
           for node in ast.walk(module.tree) if isinstance(node, ast.ClassDef)
           for count in [sum(isinstance(item, (ast.FunctionDef,
                                               ast.AsyncFunctionDef))
                             for item in node.body)]
           if count > MAX_STORAGE_CLASS_METHODS]
    assert not big, ('storage classes over %d methods:\n'
                     % MAX_STORAGE_CLASS_METHODS + '\n'.join(big))
