"""Queues and topics: one set of views serves both.

Zaqar's topics (``/v2/topics``, since Rocky) are queues without claims:
messages posted to a topic are kept like a queue's and fanned out to its
subscriptions by the notifier. So the views of queues, messages and
subscriptions serve topics too: :func:`register` adds their blueprints a
second time under ``/v2/topics/<topic_name>`` (``topic_`` before each
blueprint's name). What differs is named here, per *kind*:

* the storage controllers (``topics``, ``topic_messages``,
  ``topic_subscriptions`` of :class:`swiftq.storage.base.Storage`), which
  keep topics apart from queues of the same name;
* the policy rules of the resource itself (``topics:*`` for ``queues:*``;
  a topic's messages and subscriptions use ``messages:*`` and
  ``subscription:*``, as Zaqar's routes do);
* the words of Zaqar's errors ("Topic could not be created.", "Invalid
  topic identification"), the listing's key (``topics``) and the reserved
  metadata shown (a topic shows only the three Zaqar's topic resource
  fills in: no claims, so no claim count or dead-letter queue).

The views keep one argument name, ``queue_name``: :func:`rename_variable`
(a URL value preprocessor) hands them the topic's.
"""

import re

import flask

_QUEUE_WORD = re.compile(r'\b([Qq])ueue(s?)\b')


class Kind:
    """``name``: the collection (``queues``, ``topics``); ``noun``: one of
    it; ``controllers``: the Storage attributes of its resource, messages
    and subscriptions; ``reserved_keys``: the reserved metadata shown
    (None: all)."""

    def __init__(self, name, noun, controllers, reserved_keys=None):
        self.name = name
        self.noun = noun
        self.controllers = controllers
        self.reserved_keys = reserved_keys

    def rule(self, rule):
        """The policy rule of this kind for a queue rule name."""
        resource, _, action = rule.partition(':')
        return self.name + ':' + action if resource == 'queues' else rule

    def reword(self, text):
        """Zaqar's wording of ``text`` (written for queues) for this kind:
        the word queue(s), not its letters ("enqueued" stays)."""
        if self.noun == 'queue':
            return text
        return _QUEUE_WORD.sub(
            lambda m: (self.noun.capitalize() if m.group(1) == 'Q'
                       else self.noun) + m.group(2), text)

    def reserved(self, reserved_metadata):
        if self.reserved_keys is None:
            return reserved_metadata
        return {key: value for key, value in reserved_metadata.items()
                if key in self.reserved_keys}


QUEUES = Kind('queues', 'queue', ('queues', 'messages', 'subscriptions'))
TOPICS = Kind('topics', 'topic',
              ('topics', 'topic_messages', 'topic_subscriptions'),
              reserved_keys=('_max_messages_post_size',
                             '_default_message_ttl',
                             '_default_message_delay'))

TOPIC_PREFIX = 'topic_'
TOPIC_VARIABLE = 'topic_name'


def current():
    """The kind of the request's resource (queues for unmatched URLs)."""
    blueprint = flask.request.blueprint if flask.has_request_context() \
        else None
    if blueprint and blueprint.startswith(TOPIC_PREFIX):
        return TOPICS
    return QUEUES


def rename_variable(endpoint, values):
    """Hand the views the topic's name as ``queue_name``."""
    if values and TOPIC_VARIABLE in values:
        values['queue_name'] = values.pop(TOPIC_VARIABLE)


def register(app, topic_blueprints):
    """Serve ``topic_blueprints`` (``[(blueprint, url_prefix)]``) as
    topics."""
    app.url_value_preprocessor(rename_variable)
    for blueprint, url_prefix in topic_blueprints:
        app.register_blueprint(blueprint, name=TOPIC_PREFIX + blueprint.name,
                               url_prefix=url_prefix)
