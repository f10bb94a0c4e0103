"""Query parameters, read the way Zaqar's falcon app reads them.

Zaqar runs falcon with ``auto_parse_qs_csv = True`` and
``keep_blank_qs_values = False``, so:

* ``ids=a,b`` is the list ``['a', 'b']`` (commas split before
  percent-decoding, so ``%2C`` stays a literal comma); repeating a
  parameter also makes a list; blank elements are dropped;
* a parameter with a blank value (``?echo=``) is absent;
* single-valued getters take the last value;
* ``get_int``/``get_bool`` answer 400 "Invalid parameter" with falcon's
  descriptions; booleans are ``true/True/t/yes/y/1/on`` and
  ``false/False/f/no/n/0/off``, nothing else.
"""

from urllib import parse

import flask

from swiftq.api import errors

TRUE_STRINGS = ('true', 'True', 't', 'yes', 'y', '1', 'on')
FALSE_STRINGS = ('false', 'False', 'f', 'no', 'n', '0', 'off')


def _decode(text):
    return parse.unquote_plus(text, errors='replace')


def parse_query_string(query_string):
    """``{name: str or [str, ...]}`` as falcon builds it."""
    params = {}
    for field in query_string.split('&'):
        name, _, value = field.partition('=')
        if not value or not name:
            continue
        name = _decode(name)
        if ',' in value:
            new = [_decode(v) for v in value.split(',') if v]
        else:
            new = _decode(value)
        old = params.get(name)
        if old is None:
            params[name] = new
        else:
            old = old if isinstance(old, list) else [old]
            params[name] = old + (new if isinstance(new, list) else [new])
    return params


class QueryParams:
    """Typed access to one request's query parameters."""

    def __init__(self, query_string):
        self._params = parse_query_string(query_string)

    def __contains__(self, name):
        return name in self._params

    def items(self):
        return self._params.items()

    def get(self, name):
        value = self._params.get(name)
        if isinstance(value, list):
            return value[-1] if value else None
        return value

    def get_list(self, name):
        value = self._params.get(name)
        if value is None or isinstance(value, list):
            return value
        return [value]

    def get_int(self, name):
        value = self.get(name)
        if value is None:
            return None
        try:
            return int(value)
        except ValueError:
            raise errors.InvalidParam(name, 'The value must be an integer.')

    def get_bool(self, name):
        value = self.get(name)
        if value is None:
            return None
        if value in TRUE_STRINGS:
            return True
        if value in FALSE_STRINGS:
            return False
        raise errors.InvalidParam(
            name, 'The value of the parameter must be "true" or "false".')

    def typed(self, **kinds):
        """``{name: value}`` of the parameters present among ``kinds``
        (``name=str|int|bool``), in that order (Zaqar's ``store=``)."""
        getters = {str: self.get, int: self.get_int, bool: self.get_bool}
        found = {}
        for name, kind in kinds.items():
            value = getters[kind](name)
            if value is not None:
                found[name] = value
        return found


def current():
    """The current request's :class:`QueryParams` (parsed once)."""
    if 'swiftq_params' not in flask.g:
        raw = flask.request.query_string.decode('utf-8', 'replace')
        flask.g.swiftq_params = QueryParams(raw)
    return flask.g.swiftq_params
