"""Query parameters as falcon parses them for Zaqar (csv lists, blank
values dropped, last value wins, falcon's error messages)."""

import pytest

from swiftq.api import errors
from swiftq.api import params


@pytest.mark.parametrize('query,expected', [
    ('', {}),
    ('a=1', {'a': '1'}),
    ('a=1&a=2', {'a': ['1', '2']}),
    ('ids=a,b,c', {'ids': ['a', 'b', 'c']}),
    ('ids=a,,c', {'ids': ['a', 'c']}),
    ('ids=a,b&ids=c', {'ids': ['a', 'b', 'c']}),
    ('ids=a&ids=b,c', {'ids': ['a', 'b', 'c']}),
    ('ids=a%2Cb', {'ids': 'a,b'}),
    ('echo=', {}),
    ('echo', {}),
    ('=x', {}),
    ('name=a+b%20c', {'name': 'a b c'}),
    ('k%C3%A9=v', {'ké': 'v'}),
])
def test_parse_query_string(query, expected):
    assert params.parse_query_string(query) == expected


def test_single_value_getters_take_the_last():
    query = params.QueryParams('limit=1&limit=5&marker=a,b')
    assert query.get_int('limit') == 5
    assert query.get('marker') == 'b'


def test_get_list():
    query = params.QueryParams('ids=a&one=x')
    assert query.get_list('ids') == ['a']
    assert query.get_list('missing') is None
    assert params.QueryParams('ids=,').get_list('ids') == []


@pytest.mark.parametrize('value,expected', [
    ('true', True), ('True', True), ('t', True), ('yes', True), ('y', True),
    ('1', True), ('on', True), ('false', False), ('False', False),
    ('f', False), ('no', False), ('n', False), ('0', False), ('off', False),
])
def test_get_bool(value, expected):
    assert params.QueryParams('echo=' + value).get_bool('echo') is expected


@pytest.mark.parametrize('value', ['TRUE', 'nope', '2'])
def test_get_bool_invalid(value):
    with pytest.raises(errors.InvalidParam) as info:
        params.QueryParams('echo=' + value).get_bool('echo')
    assert info.value.status == 400
    assert info.value.title == 'Invalid parameter'
    assert info.value.description == (
        'The "echo" parameter is invalid. The value of the parameter must '
        'be "true" or "false".')


def test_get_int_invalid():
    with pytest.raises(errors.InvalidParam) as info:
        params.QueryParams('limit=ten').get_int('limit')
    assert info.value.description == ('The "limit" parameter is invalid. '
                                      'The value must be an integer.')


def test_get_int_accepts_what_int_accepts():
    assert params.QueryParams('limit=-3').get_int('limit') == -3
    assert params.QueryParams('limit=+7').get_int('limit') == 7


def test_missing_params_are_none():
    query = params.QueryParams('')
    assert query.get('a') is None
    assert query.get_int('a') is None
    assert query.get_bool('a') is None


def test_typed_keeps_present_parameters_in_order():
    query = params.QueryParams('echo=true&limit=5&other=1')
    assert list(query.typed(marker=str, limit=int, echo=bool).items()) == [
        ('limit', 5), ('echo', True)]
