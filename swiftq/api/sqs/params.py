"""The parameters of one SQS call (the JSON body), read with their types
and ranges checked: anything ill-typed or out of range is SQS's
``InvalidParameterValue`` (or ``MissingParameter``), never a 5xx."""

from swiftq.api.sqs import errors


def _invalid(name, value, reason):
    return errors.invalid_parameter_value(
        'Value %s for parameter %s is invalid. Reason: %s.'
        % (value, name, reason))


class Params:

    def __init__(self, body):
        self._body = body

    def __contains__(self, name):
        return self._body.get(name) is not None

    def string(self, name, required=False):
        value = self._body.get(name)
        if value is None:
            if required:
                raise errors.missing_parameter(name)
            return None
        if not isinstance(value, str):
            raise _invalid(name, value, 'must be a string')
        return value

    def integer(self, name, low, high, default=None):
        value = self._body.get(name)
        if value is None:
            return default
        if isinstance(value, str) and value.strip().lstrip('-').isdigit():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise _invalid(name, value, 'must be an integer')
        if not low <= value <= high:
            raise _invalid(name, value, 'must be between %d and %d'
                           % (low, high))
        return value

    def string_list(self, name):
        value = self._body.get(name) or []
        if not isinstance(value, list) or not all(isinstance(v, str)
                                                  for v in value):
            raise _invalid(name, value, 'must be a list of strings')
        return value

    def string_map(self, name):
        value = self._body.get(name) or {}
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and isinstance(v, str)
                for k, v in value.items()):
            raise _invalid(name, '...', 'must map strings to strings')
        return value

    def entries(self, name, kind):
        """The entries of a batch call: 1 to 10 objects with distinct,
        well-formed ``Id``s, each as Params."""
        value = self._body.get(name)
        if not value:
            raise errors.empty_batch_request(kind)
        if not isinstance(value, list) or not all(isinstance(e, dict)
                                                  for e in value):
            raise _invalid(name, '...', 'must be a list of entries')
        if len(value) > 10:
            raise errors.too_many_entries(len(value))
        seen = set()
        entries = []
        for body in value:
            entry = Params(body)
            entry_id = entry.string('Id', required=True)
            if not entry_id or len(entry_id) > 80 or not all(
                    c.isascii() and (c.isalnum() or c in '-_')
                    for c in entry_id):
                raise errors.invalid_batch_entry_id()
            if entry_id in seen:
                raise errors.batch_ids_not_distinct(entry_id)
            seen.add(entry_id)
            entries.append(entry)
        return entries
