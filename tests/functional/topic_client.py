"""Queue tests run against topics.

Zaqar's topics are served by the queue resources without claims and
sharing (:mod:`swiftq.api.kinds`), so what the queue tests prove of a
queue's messages and subscriptions must hold of a topic's. A module that
redefines the ``api_client_class`` fixture as :class:`TopicClient` and
imports queue tests runs them against ``/v2/topics``: every request for
``/v2/queues...`` goes to ``/v2/topics...`` instead; answers are not
touched (hrefs and ``Location`` name the topic), so only the tests that
follow the service's hrefs rather than build their own are imported.
"""

from tests.functional import server as server_lib

QUEUES = '/v2/queues'
TOPICS = '/v2/topics'


def as_topic_path(url):
    if url == QUEUES or url.startswith((QUEUES + '/', QUEUES + '?')):
        return TOPICS + url[len(QUEUES):]
    return url


class TopicClient(server_lib.ApiClient):
    """An ApiClient whose ``/v2/queues`` paths are ``/v2/topics``."""

    def request(self, method, url, *args, **kwargs):
        return super().request(method, as_topic_path(url), *args, **kwargs)
