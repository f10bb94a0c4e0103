"""The OpenAPI document (``swiftq/api/openapi.yaml``) stays true to the code.

* every Flask route (``app.url_map``) is a path of the document with the
  same methods, and every path of the document is a route;
* the document is served, public, at ``GET /v2/openapi.json``;
* real responses of a running swiftq (real HTTP, real Swift) have a
  status the document lists for that operation and a body that validates
  against the schema it gives (``jsonschema``, after turning the OpenAPI
  3.0 schema into JSON Schema: ``$ref`` inlined, ``nullable`` as a type).
"""

import copy
import json
import re
import uuid

import jsonschema
import pytest

from swiftq import app as app_module
from swiftq.api import openapi
import swiftq.conf

METHODS = ('get', 'put', 'post', 'delete', 'patch', 'head', 'options')
PATCH_TYPE = 'application/openstack-messaging-v2.0-json-patch'


@pytest.fixture(scope='module')
def doc():
    return openapi.document()


# ---------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------
def resolve(doc, ref):
    assert ref.startswith('#/'), ref
    node = doc
    for part in ref[2:].split('/'):
        node = node[part]
    return node


def to_json_schema(doc, node):
    """An OpenAPI 3.0 schema as a JSON Schema (refs inlined)."""
    if isinstance(node, list):
        return [to_json_schema(doc, n) for n in node]
    if not isinstance(node, dict):
        return node
    if '$ref' in node:
        return to_json_schema(doc, resolve(doc, node['$ref']))
    out = {}
    for key, value in node.items():
        if key in ('nullable', 'example', 'format'):
            continue
        out[key] = to_json_schema(doc, value)
    if node.get('nullable') and 'type' in out:
        out['type'] = [out['type'], 'null']
    return out


def flask_path(rule):
    return re.sub(r'<(?:[^:>]+:)?([^>]+)>', r'{\1}', rule)


def operation(doc, template, method):
    item = doc['paths'][template]
    return item[method.lower()]


def check_response(doc, resp, template, method):
    """``resp`` (a requests response) is documented for the operation."""
    op = operation(doc, template, method)
    status = str(resp.status_code)
    assert status in op['responses'], (
        '%s %s answered %s, not documented (%s)'
        % (method, template, status, resp.text[:300]))
    response = op['responses'][status]
    if '$ref' in response:
        response = resolve(doc, response['$ref'])
    content = response.get('content')
    if not content or method.upper() == 'HEAD':
        assert not resp.content, (method, template, status, resp.text)
        return None
    ctype = resp.headers['Content-Type'].split(';')[0].strip()
    assert ctype in content, (ctype, list(content))
    schema = to_json_schema(doc, content[ctype].get('schema', {}))
    body = resp.json()
    jsonschema.validate(body, schema)
    for name in response.get('headers', {}):
        if name in ('Location', 'Accept-Patch'):
            assert name in resp.headers, (method, template, name)
    return body


def iter_refs(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == '$ref':
                yield value
            else:
                yield from iter_refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from iter_refs(value)


# ---------------------------------------------------------------------------
# The document itself
# ---------------------------------------------------------------------------
def test_document_is_well_formed(doc):
    assert doc['openapi'].startswith('3.0.')
    for ref in set(iter_refs(doc)):
        resolve(doc, ref)                       # KeyError if dangling
    for schema in doc['components']['schemas'].values():
        jsonschema.Draft7Validator.check_schema(to_json_schema(doc, schema))
    for template, item in doc['paths'].items():
        declared = set(re.findall(r'{([^}]+)}', template))
        for method, op in item.items():
            if method not in METHODS:
                continue
            assert op['responses'], (template, method)
            params = [resolve(doc, p['$ref']) if '$ref' in p else p
                      for p in item.get('parameters', []) +
                      op.get('parameters', [])]
            in_path = {p['name'] for p in params if p['in'] == 'path'}
            assert in_path == declared, (template, method)
            public = op.get('security') == []
            headers = {p['name'] for p in params if p['in'] == 'header'}
            if not public:
                assert {'Client-ID', 'X-Project-ID'} <= headers, \
                    (template, method)
                # 404: a pre-signed URL that does not verify.
                assert '404' in op['responses'], (template, method)
                if method != 'head':
                    for status in ('400', '503'):
                        assert status in op['responses'], \
                            (template, method, status)


def test_routes_and_document_agree(doc):
    conf = swiftq.conf.new_conf(overrides={(None, 'auth_strategy'):
                                           'noauth'})
    flask_app = app_module.create_app(conf)
    routes = {}
    for rule in flask_app.url_map.iter_rules():
        if rule.endpoint == 'static':
            continue
        routes.setdefault(flask_path(rule.rule), set()).update(rule.methods)
    documented = {template: {m.upper() for m in item if m in METHODS}
                  for template, item in doc['paths'].items()}
    assert set(routes) == set(documented)
    for template, methods in routes.items():
        # Flask adds HEAD to every GET and OPTIONS everywhere: the
        # document lists HEAD only where it means something else.
        implied = {'HEAD', 'OPTIONS'}
        assert methods - implied == documented[template] - implied, template
        assert documented[template] <= methods, template
    assert {p for p in routes if p.startswith('/v2')} >= {
        '/v2/queues', '/v2/queues/{queue_name}/messages/{message_id}',
        '/v2/queues/{queue_name}/claims/{claim_id}', '/v2/openapi.json'}


# ---------------------------------------------------------------------------
# Against the running server
# ---------------------------------------------------------------------------
def test_served_document_is_public_and_matches_package(swiftq_server, api,
                                                       doc):
    resp = api.get('/v2/openapi.json',
                   headers={'Client-ID': None, 'X-Project-ID': None})
    assert resp.status_code == 200
    assert resp.headers['Content-Type'].startswith('application/json')
    assert resp.json() == json.loads(json.dumps(doc))
    check_response(doc, resp, '/v2/openapi.json', 'GET')


def test_discovery_and_health_responses_validate(api, doc):
    bare = {'Client-ID': None, 'X-Project-ID': None}
    check_response(doc, api.get('/', headers=bare), '/', 'GET')
    check_response(doc, api.get('/v2', headers=bare), '/v2', 'GET')
    check_response(doc, api.get('/v2/', headers=bare), '/v2/', 'GET')
    check_response(doc, api.get('/v2/ping', headers=bare), '/v2/ping', 'GET')
    check_response(doc, api.head('/v2/ping', headers=bare), '/v2/ping',
                   'HEAD')
    check_response(doc, api.get('/v2/health'), '/v2/health', 'GET')
    check_response(doc, api.get('/v2/health', headers={'Client-ID': None}),
                   '/v2/health', 'GET')
    check_response(doc, api.get('/', headers={'Accept': 'text/html'}),
                   '/', 'GET')


def test_queue_responses_validate(api, doc):
    q = 'sync-' + uuid.uuid4().hex[:8]
    one = '/v2/queues/{queue_name}'
    path = '/v2/queues/' + q
    check_response(doc, api.get('/v2/queues'), '/v2/queues', 'GET')
    check_response(doc, api.put(path, json={'color': 'red',
                                            '_default_message_ttl': 120}),
                   one, 'PUT')
    check_response(doc, api.put(path), one, 'PUT')                # 204
    check_response(doc, api.get(path), one, 'GET')
    check_response(doc, api.head(path), one, 'HEAD')
    check_response(doc, api.head(path + 'x'), one, 'HEAD')        # 404
    check_response(doc, api.put(path, json=[1]), one, 'PUT')      # 400
    check_response(doc, api.put('/v2/queues/bad@name'), one, 'PUT')
    listed = check_response(
        doc, api.get('/v2/queues?detailed=true&with_count=true&limit=1'),
        '/v2/queues', 'GET')
    assert listed['queues'] and listed['count'] >= 1
    check_response(doc, api.get('/v2/queues?limit=0'), '/v2/queues', 'GET')
    check_response(doc, api.get('/v2/queues', headers={'Client-ID': 'x'}),
                   '/v2/queues', 'GET')

    def patch(changes, ctype=PATCH_TYPE, target=path):
        return api.patch(target, data=json.dumps(changes),
                         headers={'Content-Type': ctype})
    check_response(doc, patch([{'op': 'add', 'path': '/metadata/k',
                                'value': 1}]), one, 'PATCH')
    check_response(doc, patch([{'op': 'remove', 'path': '/metadata/zz'}]),
                   one, 'PATCH')                                   # 409
    check_response(doc, patch([], ctype='application/json'), one, 'PATCH')
    check_response(doc, patch([{'op': 'add', 'path': '/metadata/k',
                                'value': 1}], target=path + 'missing'),
                   one, 'PATCH')                                   # 404

    stats = '/v2/queues/{queue_name}/stats'
    check_response(doc, api.get(path + '/stats'), stats, 'GET')
    api.post(path + '/messages', json={'messages': [{'body': 1}]})
    body = check_response(doc, api.get(path + '/stats'), stats, 'GET')
    assert body['messages']['total'] == 1 and 'oldest' in body['messages']

    share = '/v2/queues/{queue_name}/share'
    check_response(doc, api.post(path + '/share', json={}), share, 'POST')
    check_response(doc, api.post(path + '/share', json={'x': 1}), share,
                   'POST')
    purge = '/v2/queues/{queue_name}/purge'
    check_response(doc, api.post(path + '/purge',
                                 json={'resource_types': ['nope']}),
                   purge, 'POST')
    check_response(doc, api.post(path + '/purge',
                                 json={'resource_types': ['messages']}),
                   purge, 'POST')
    check_response(doc, api.delete(path), one, 'DELETE')


def test_message_and_claim_responses_validate(api, doc):
    q = 'sync-' + uuid.uuid4().hex[:8]
    base = '/v2/queues/' + q
    msgs = '/v2/queues/{queue_name}/messages'
    msg = msgs + '/{message_id}'
    claims = '/v2/queues/{queue_name}/claims'
    claim = claims + '/{claim_id}'

    posted = check_response(
        doc, api.post(base + '/messages', json={'messages': [
            {'body': {'n': i}, 'ttl': 300} for i in range(4)]}),
        msgs, 'POST')
    ids = [href.rsplit('/', 1)[1] for href in posted['resources']]
    check_response(doc, api.post(base + '/messages',
                                 json={'messages': [{'ttl': 1}]}),
                   msgs, 'POST')                                   # 400
    check_response(doc, api.post(base + '/messages', data='{',
                                 headers={'Content-Type':
                                          'application/json'}),
                   msgs, 'POST')
    check_response(doc, api.get(base + '/messages?echo=true'), msgs, 'GET')
    check_response(doc, api.get(base + '/messages?ids=' + ','.join(ids)),
                   msgs, 'GET')
    check_response(doc, api.get(base + '/messages?ids=nope'), msgs, 'GET')
    check_response(doc, api.get(base + '/messages?limit=-1'), msgs, 'GET')
    check_response(doc, api.get(base + '/messages/' + ids[0]), msg, 'GET')
    check_response(doc, api.get(base + '/messages/nope'), msg, 'GET')

    created = api.post(base + '/claims?limit=2', json={'ttl': 120,
                                                       'grace': 60})
    check_response(doc, created, claims, 'POST')
    claim_id = created.headers['Location'].rsplit('/', 1)[1]
    check_response(doc, api.get(base + '/claims/' + claim_id), claim, 'GET')
    check_response(doc, api.patch(base + '/claims/' + claim_id,
                                  json={'ttl': 200}), claim, 'PATCH')
    check_response(doc, api.patch(base + '/claims/' + claim_id,
                                  json={'ttl': 10**6}), claim, 'PATCH')
    check_response(doc, api.get(base + '/claims/nope'), claim, 'GET')
    check_response(doc, api.post(base + '/claims', json={'ttl': 'x'}),
                   claims, 'POST')
    check_response(doc, api.post('/v2/queues/empty-%s/claims' % q[5:]),
                   claims, 'POST')                                 # 204
    claimed_ids = [m['id'] for m in created.json()['messages']]
    check_response(doc, api.delete(base + '/messages/' + claimed_ids[0]),
                   msg, 'DELETE')                                  # 403
    check_response(doc, api.delete('%s/messages/%s?claim_id=%s'
                                   % (base, claimed_ids[0], claim_id)),
                   msg, 'DELETE')
    check_response(doc, api.delete(base + '/claims/' + claim_id), claim,
                   'DELETE')
    check_response(doc, api.delete(base + '/messages?pop=1'), msgs,
                   'DELETE')
    check_response(doc, api.delete(base + '/messages?ids=' + ids[-1]),
                   msgs, 'DELETE')
    check_response(doc, api.delete(base + '/messages'), msgs, 'DELETE')
    api.delete(base)


def test_refused_pre_signed_urls_are_documented(api, doc):
    """Every operation that is not public answers a pre-signed URL that
    does not verify with Zaqar's bare 404 (``swiftq_server`` has no
    ``[signed_url] secret_key``: Zaqar refuses every signature then)."""
    bad = {'URL-Signature': 'ab' * 32, 'URL-Expires': '2099-01-01T00:00:00',
           'URL-Methods': 'GET', 'URL-Paths': '/v2/queues'}
    tried = 0
    for template, item in doc['paths'].items():
        path = re.sub(r'{[^}]+}', 'signed1', template)
        for method, op in item.items():
            if method not in METHODS or op.get('security') == []:
                continue
            resp = api.request(method.upper(), path, headers=bad)
            assert resp.status_code == 404, (method, path, resp.text)
            if method != 'head':
                assert resp.json() == {'title': '404 Not Found'}
            check_response(doc, resp, template, method)
            tried += 1
    assert tried >= 20


def test_router_errors_use_the_error_schema(api, doc):
    schema = to_json_schema(doc, {'$ref': '#/components/schemas/Error'})
    for resp in (api.get('/v2/nothing'), api.post('/v2/queues'),
                 api.put('/v2/queues/q/messages')):
        assert resp.status_code in (404, 405)
        jsonschema.validate(resp.json(), schema)
    # A deep copy keeps the cached document untouched by the checks.
    assert copy.deepcopy(doc) == openapi.document()


def test_json_home_resources_are_documented(doc):
    """Every resource of the JSON-home document (``/v2``) is a documented
    path with its methods."""
    from swiftq.api import homedoc
    for rel, resource in homedoc.JSON_HOME['resources'].items():
        template = resource['href-template'].split('{?')[0]
        assert template in doc['paths'], rel
        documented = {m.upper() for m in doc['paths'][template]}
        assert set(resource['hints']['allow']) <= documented, rel
