"""JSON bodies read as Zaqar reads them."""

import flask
import pytest

from swiftq.api import body
from swiftq.api import errors


@pytest.mark.parametrize('data,expected', [
    (b'{"a": 1}', {'a': 1}),
    (b'[1, 2]', [1, 2]),
    ('{"é": "ü"}'.encode('utf-8'), {'é': 'ü'}),
    (b'{"big": 9223372036854775807}', {'big': 2 ** 63 - 1}),
    (b'{"small": -9223372036854775808}', {'small': -2 ** 63}),
])
def test_parse(data, expected):
    assert body.parse(data) == expected


@pytest.mark.parametrize('data', [b'', b'{', b'.', b'  ', b'123', b'"s"',
                                  b'null', b'\xff\xfe', b'{"a": NaN}'])
def test_parse_refuses(data):
    with pytest.raises(errors.BadRequestBody) as info:
        body.parse(data)
    assert info.value.title == 'Invalid request body'
    assert info.value.description == 'Request body could not be parsed.'


@pytest.mark.parametrize('data', [b'{"overflow": 9223372036854775808}',
                                  b'{"underflow": -9223372036854775809}'])
def test_parse_refuses_integers_beyond_64_bits(data):
    with pytest.raises(errors.BadRequestBody) as info:
        body.parse(data)
    assert info.value.description == 'JSON contains integer that is too ' \
                                     'large.'


def test_deserialize_requires_a_body():
    app = flask.Flask(__name__)
    with app.test_request_context('/', method='POST'):
        with pytest.raises(errors.BadRequestBody) as info:
            body.deserialize()
    assert info.value.description == 'Request body can not be empty'


def test_deserialize_empty_body_with_content_length():
    app = flask.Flask(__name__)
    with app.test_request_context('/', method='POST',
                                  environ_overrides={'CONTENT_LENGTH': '0'}):
        with pytest.raises(errors.BadRequestBody) as info:
            body.deserialize()
    assert info.value.description == 'Request body could not be parsed.'


SPEC = (('ttl', int, 60), ('body', '*', body.REQUIRED))


def test_filter_fields_keeps_spec_fields_with_defaults():
    assert body.filter_fields({'body': [1], 'x': 2}, SPEC) == {
        'ttl': 60, 'body': [1]}
    assert body.filter_fields({'body': None, 'ttl': 100}, SPEC) == {
        'ttl': 100, 'body': None}


def test_filter_fields_missing_required():
    with pytest.raises(errors.BadRequestBody) as info:
        body.filter_fields({'ttl': 100}, SPEC)
    assert info.value.description == 'Missing "body" field.'


@pytest.mark.parametrize('ttl', ['100', 1.5, None, [1]])
def test_filter_fields_wrong_type(ttl):
    with pytest.raises(errors.BadRequestBody) as info:
        body.filter_fields({'ttl': ttl, 'body': 1}, SPEC)
    assert info.value.description == 'The value of the "ttl" field must be ' \
                                     'a int.'


def test_filter_fields_needs_an_object():
    with pytest.raises(errors.BadRequestBody) as info:
        body.filter_fields(['body'], SPEC)
    assert info.value.description == 'Document type not supported.'


def test_parse_refuses_nesting_deeper_than_python_decodes():
    """Found by the fuzz test: a 500 (RecursionError) before."""
    with pytest.raises(errors.BadRequestBody):
        body.parse(b'[' * 100000 + b']' * 100000)
