"""A topic itself over real HTTP and a real Swift: the queue resource
tests of ``test_api_contract.py`` (metadata, patch, listing limits,
purge) run against ``/v2/topics/{topic}``
(:mod:`tests.functional.topic_client`). ``test_topics.py`` has the
topic's own: its lifecycle, listing, reserved metadata, stats, errors
worded for topics, and its isolation from a queue of the same name.

Not imported: the tests that claim (``test_stats``), compare a queue's
seven reserved keys (``test_patch_metadata``, ``test_queue_lifecycle``,
``test_get_missing_queue_is_defaults``), a queue listing's ``queues``
key or ``count`` (``test_list_queues*`` but the limits), or the queue
identification title (``test_invalid_queue_names``).
"""

import pytest

from tests.functional.topic_client import TopicClient
# The tests, run here against topics.
from tests.functional.test_api_contract import (  # noqa: F401
    test_bad_metadata,
    test_head_queue,
    test_list_queues_bad_boolean,
    test_list_queues_limit,
    test_metadata_must_be_an_object,
    test_metadata_size,
    test_patch_bad_documents,
    test_patch_content_type,
    test_patch_missing_queue,
    test_purge,
    test_purge_validation,
    test_reserved_metadata_rules,
    test_valid_queue_names,
)


@pytest.fixture(scope='module')
def api_client_class():
    return TopicClient
