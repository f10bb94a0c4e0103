"""Documents and links: falcon's ``to_query_str``, message hrefs,
reserved metadata."""

import flask
import pytest

from swiftq.api import representation


@pytest.mark.parametrize('params,expected', [
    ({}, ''),
    ({'limit': 2, 'marker': 'q2'}, '?limit=2&marker=q2'),
    ({'echo': True, 'detailed': False}, '?echo=true&detailed=false'),
    ({'ids': ['a', 'b']}, '?ids=a,b'),
    ({'marker': 'a b/c'}, '?marker=a%20b%2Fc'),
    ({'name': 'x~y'}, '?name=x~y'),
])
def test_to_query_string(params, expected):
    assert representation.to_query_string(params) == expected


def test_message_href():
    base = '/v2/queues/q'
    assert representation.message_href(base, 'm1') == \
        '/v2/queues/q/messages/m1'
    assert representation.message_href(base, 'm1', 'c1') == \
        '/v2/queues/q/messages/m1?claim_id=c1'


def test_with_reserved_metadata_fills_missing_and_falsy():
    reserved = {'_a': 1, '_b': None, '_c': False}
    shown = representation.with_reserved_metadata(
        {'_a': 0, 'x': 0, '_c': True}, reserved)
    assert shown == {'_a': 1, 'x': 0, '_b': None, '_c': True}


def test_queue_path():
    app = flask.Flask(__name__)
    with app.test_request_context('/v2/queues/q1/messages/m1'):
        assert representation.queue_path() == '/v2/queues/q1'
    with app.test_request_context('/v2/queues/q1/claims'):
        assert representation.queue_path() == '/v2/queues/q1'


def test_no_content_has_no_content_type():
    app = flask.Flask(__name__)
    with app.test_request_context('/'):
        resp = representation.no_content()
    assert resp.status_code == 204
    assert 'Content-Type' not in resp.headers
