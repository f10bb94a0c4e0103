"""One SQS request as the actions see it: the caller's project, the
parameters, the queue named by ``QueueUrl`` and the service's storage.

Queue URLs are ``<endpoint>/<project>/<queue name>`` (as AWS's
``https://sqs.<region>.amazonaws.com/<account>/<name>``), the endpoint
being the URL the client called (``http://host:port/sqs``). A URL's
project must be the caller's (else ``AccessDenied``).
"""

import re
import urllib.parse
import uuid

from swiftq.api.sqs import attributes
from swiftq.api.sqs import errors
from swiftq.storage import errors as storage_errors

#: SQS's queue names: 1 to 80 of these characters.
SQS_NAME = re.compile(r'^[A-Za-z0-9_-]{1,80}$')
#: swiftq keeps Zaqar's limit, so every queue is a Zaqar queue too.
MAX_NAME = 64

_CLIENT_IDS = uuid.UUID('5d6b6f1e-2f0a-4c51-9a8e-53c0f1a5c9d1')


class Call:

    def __init__(self, service, project, params, endpoint, region,
                 receipts):
        self.service = service
        self.storage = service.storage
        self.conf = service.conf
        self.project = project
        self.params = params
        self.endpoint = endpoint
        self.region = region
        self.receipts = receipts
        self.limits = attributes.Limits(service.conf)

    @property
    def client_id(self):
        """The Zaqar Client-ID of messages this caller sends: one UUID per
        project (Zaqar's ``echo`` hides a client's own messages from its
        listings)."""
        return str(uuid.uuid5(_CLIENT_IDS, self.project))

    def queue_url(self, name):
        return '%s/%s/%s' % (self.endpoint,
                             urllib.parse.quote(self.project, safe=''), name)

    def arn(self, name):
        return 'arn:swiftq:sqs:%s:%s:%s' % (self.region, self.project, name)

    def new_queue_name(self):
        """``QueueName`` of CreateQueue, checked."""
        name = self.params.string('QueueName', required=True)
        if name.endswith('.fifo') and SQS_NAME.match(name[:-5]):
            raise errors.invalid_parameter_value(
                'FIFO queues are not supported by swiftq.')
        if not SQS_NAME.match(name):
            raise errors.invalid_parameter_value(
                'Can only include alphanumeric characters, hyphens, or '
                'underscores. 1 to 80 in length')
        if len(name) > MAX_NAME:
            raise errors.invalid_parameter_value(
                'Queue names are at most %d characters on swiftq (the Zaqar '
                'API\'s limit; SQS allows 80).' % MAX_NAME)
        return name

    def queue_name(self):
        """The queue ``QueueUrl`` names (or ``QueueName`` for GetQueueUrl),
        which must be the caller's; QueueDoesNotExist for a name no queue
        can have."""
        url = self.params.string('QueueUrl', required=True)
        path = urllib.parse.urlsplit(url).path if '://' in url else url
        parts = [urllib.parse.unquote(p) for p in path.split('/') if p]
        if not parts:
            raise errors.queue_does_not_exist()
        if '://' in url:
            if len(parts) < 2:
                raise errors.queue_does_not_exist()
            if parts[-2] != self.project:
                raise errors.access_denied(
                    'The queue URL names another project than the '
                    'caller\'s (the access key\'s).')
        return self.checked_name(parts[-1])

    @staticmethod
    def checked_name(name):
        if not SQS_NAME.match(name) or len(name) > MAX_NAME:
            raise errors.queue_does_not_exist()
        return name

    def metadata(self, name, fresh=True):
        """The queue's metadata; QueueDoesNotExist. ``fresh=False`` allows
        the cached copy (message calls)."""
        try:
            return self.storage.queues.get_metadata(self.project, name,
                                                    fresh=fresh)
        except storage_errors.QueueDoesNotExist:
            raise errors.queue_does_not_exist()
