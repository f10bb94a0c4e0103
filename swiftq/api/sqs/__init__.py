"""An Amazon SQS-compatible endpoint on swiftq's queues (doc/source/sqs.rst).

Served at ``/sqs`` of the API (:func:`mount`, a layer of
:func:`swiftq.app.build_pipeline`, before Keystone's ``auth_token``: SQS
clients sign their requests with AWS Signature Version 4 instead of
sending a token). The queues are the Zaqar API's: a message sent over SQS
can be claimed over Zaqar and the other way round.

``endpoint.py``
    The WSGI application: authentication (``swiftq.auth.sigv4``;
    ``swiftq.auth.ec2`` with Keystone), the action table, errors.
``protocol.py``
    SQS's JSON protocol (``X-Amz-Target``, ``application/x-amz-json-1.0``).
``call.py``
    One request: the caller's project, queue URLs and names.
``queue_actions.py``, ``message_actions.py``
    The actions, over :mod:`swiftq.storage.base`'s contract.
``attributes.py``
    SQS queue attributes over the queue's metadata.
``receipts.py``
    Signed receipt handles (message id + claim id).
``params.py``, ``errors.py``
    Typed parameters; SQS's errors.
"""

from oslo_log import log as logging

from swiftq.api.sqs import endpoint

LOG = logging.getLogger(__name__)

#: Where the endpoint answers.
MOUNT_PATH = '/sqs'


class _Mounted:
    """Requests for ``MOUNT_PATH`` and below go to ``mounted`` (with the
    mount moved from PATH_INFO to SCRIPT_NAME); the others to
    ``application``."""

    def __init__(self, application, mounted):
        self.application = application
        self.mounted = mounted

    def __call__(self, environ, start_response):
        path = environ.get('PATH_INFO', '')
        if path == MOUNT_PATH or path.startswith(MOUNT_PATH + '/'):
            environ['SCRIPT_NAME'] = environ.get('SCRIPT_NAME', '') + \
                MOUNT_PATH
            environ['PATH_INFO'] = path[len(MOUNT_PATH):]
            return self.mounted(environ, start_response)
        return self.application(environ, start_response)


def mount(application, conf, service):
    """``application`` with the SQS endpoint at ``/sqs`` when ``[sqs]
    enabled``. With Keystone, receipt handles need a key of the
    deployment's own (``[sqs] receipt_handle_key`` or ``[signed_url]
    secret_key``): without one, the endpoint is not served."""
    if service is None or not conf.sqs.enabled:
        return application
    if conf.auth_strategy == 'keystone' and not (
            conf.sqs.receipt_handle_key or conf.signed_url.secret_key):
        LOG.warning('The SQS endpoint is not served: set [sqs] '
                    'receipt_handle_key (or [signed_url] secret_key).')
        return application
    return _Mounted(application, endpoint.SQSEndpoint(service))
