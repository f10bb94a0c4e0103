"""Project ids become part of Swift container names
(:mod:`swiftq.storage.naming`): ids with odd characters must not reach
another project's containers. Keystone's ids are 32 hex digits, but other
identity backends, and noauth, hand swiftq anything up to 256
characters."""

import uuid

from swiftq.storage import naming

ODD_PROJECTS = [
    'alpha',
    'alpha:q',            # ':' separates prefix, project and queue
    'alpha:',
    ':alpha',
    'alpha/q',
    '../alpha',
    'alpha%3Aq',
    '~' + 'a' * 40,
    naming.project_key('alpha:q'),    # another project's hashed key
    'ALPHA',
    'älpha',
    'alpha\u200b',        # zero-width space
    'a' * 64,
    'a' * 65,
    'x' * 256,
]


def test_keys_are_distinct_and_container_safe():
    keys = [naming.project_key(p) for p in ODD_PROJECTS]
    assert len(set(keys)) == len(keys)
    for key in keys:
        assert ':' not in key and '/' not in key
        assert key.isascii() and key.isprintable()
        container = naming.queue_container('swiftq', 'x', 'q')
        assert len(naming.queue_container('swiftq', key, 'q' * 64)) <= 256
        assert container.count(':') == 2


def test_a_prefix_listing_never_spans_projects():
    """The catalog of a project is the account listing under
    ``<prefix>:<key>:``: no other project's container starts with it."""
    containers = {p: naming.queue_container('sq', p, 'q')
                  for p in ODD_PROJECTS}
    for project in ODD_PROJECTS:
        prefix = naming.catalog_prefix('sq', project)
        mine = [p for p, c in containers.items() if c.startswith(prefix)]
        assert mine == [project]


def test_odd_project_ids_over_http(api_factory, queue='alpha'):
    """Each odd project puts the same queue name with its own metadata and
    a message; each sees only its own (noauth server: the project is the
    X-Project-ID header, so the odd ids reach storage as they are)."""
    run = uuid.uuid4().hex[:6]
    projects = [p + run if len(p) < 250 else p[:250] + run
                for p in ODD_PROJECTS]
    clients = {p: api_factory(project=p) for p in projects}
    for project, api in clients.items():
        # HTTP headers are bytes: non-ASCII ids travel as UTF-8, and reach
        # the server as whatever WSGI decodes them to.
        api.headers['X-Project-ID'] = project.encode('utf-8')
    for project, api in clients.items():
        resp = api.put('/v2/queues/' + queue, json={'owner': project})
        assert resp.status_code == 201, (project, resp.text)
        assert api.post('/v2/queues/%s/messages' % queue, json={
            'messages': [{'body': project}]}).status_code == 201
    for project, api in clients.items():
        assert api.get('/v2/queues/' + queue).json()['owner'] == project
        listing = api.get('/v2/queues?limit=20').json()['queues']
        assert [q['name'] for q in listing] == [queue]
        messages = api.get('/v2/queues/%s/messages?echo=true'
                           % queue).json()['messages']
        assert [m['body'] for m in messages] == [project]
    first = projects[0]
    assert clients[first].delete('/v2/queues/' + queue).status_code == 204
    for project in projects[1:]:
        stats = clients[project].get('/v2/queues/%s/stats' % queue).json()
        assert stats['messages']['total'] == 1
