"""The SQS endpoint: a WSGI application that authenticates a request
(AWS Signature Version 4, :mod:`swiftq.auth.sigv4`), reads the action of
SQS's JSON protocol and runs it on the service's storage.

Authentication: with ``auth_strategy = keystone``, the request is signed
with an EC2 credential of Keystone, which verifies it and names its
project (:mod:`swiftq.auth.ec2`); with ``noauth``, every request is signed
with the one development secret ``[sqs] noauth_secret_key``, with any
access key id, which is the caller's project.
"""

import re

from oslo_log import log as logging
from werkzeug import exceptions as wz_exceptions
from werkzeug import wrappers

from swiftq.api.sqs import call as call_lib
from swiftq.api.sqs import errors
from swiftq.api.sqs import message_actions
from swiftq.api.sqs import protocol
from swiftq.api.sqs import queue_actions
from swiftq.api.sqs import receipts
from swiftq.auth import ec2
from swiftq.auth import sigv4
from swiftq.storage import errors as storage_errors

LOG = logging.getLogger(__name__)

_REQUEST_ID = 'openstack.request_id'
ACCESS_KEY = re.compile(r'^[A-Za-z0-9_-]{1,128}$')

#: Every action served, by its X-Amz-Target name.
ACTIONS = {
    'CreateQueue': queue_actions.create_queue,
    'GetQueueUrl': queue_actions.get_queue_url,
    'ListQueues': queue_actions.list_queues,
    'DeleteQueue': queue_actions.delete_queue,
    'GetQueueAttributes': queue_actions.get_queue_attributes,
    'SetQueueAttributes': queue_actions.set_queue_attributes,
    'PurgeQueue': queue_actions.purge_queue,
    'TagQueue': queue_actions.tag_queue,
    'UntagQueue': queue_actions.untag_queue,
    'ListQueueTags': queue_actions.list_queue_tags,
    'SendMessage': message_actions.send_message,
    'SendMessageBatch': message_actions.send_message_batch,
    'ReceiveMessage': message_actions.receive_message,
    'DeleteMessage': message_actions.delete_message,
    'DeleteMessageBatch': message_actions.delete_message_batch,
    'ChangeMessageVisibility': message_actions.change_message_visibility,
    'ChangeMessageVisibilityBatch':
        message_actions.change_message_visibility_batch,
}

#: SQS actions answered UnsupportedOperation, with the reason.
REFUSED = {
    'AddPermission': 'queue policies are not supported',
    'RemovePermission': 'queue policies are not supported',
    'ListDeadLetterSourceQueues': 'not implemented',
    'StartMessageMoveTask': 'message move tasks are not supported',
    'CancelMessageMoveTask': 'message move tasks are not supported',
    'ListMessageMoveTasks': 'message move tasks are not supported',
}


class SQSEndpoint:
    """The WSGI application of ``/sqs``. ``service``: the Zaqar API's
    :class:`swiftq.api.context.Service` (configuration and storage)."""

    def __init__(self, service):
        self.service = service
        conf = service.conf
        self._secret = conf.sqs.noauth_secret_key
        self._ec2 = (ec2.Ec2Tokens(conf)
                     if conf.auth_strategy == 'keystone' else None)
        self._max_age = conf.sqs.signature_max_age
        self._max_body = conf.api.max_request_body_size
        self._receipts = receipts.ReceiptHandles(
            conf.sqs.receipt_handle_key or conf.signed_url.secret_key or
            conf.sqs.noauth_secret_key)     # (noauth only: see mount)

    def __call__(self, environ, start_response):
        request = wrappers.Request(environ)
        request_id = environ.get(_REQUEST_ID)
        try:
            response = protocol.success(self._serve(request), request_id)
        except errors.SQSError as exc:
            response = protocol.failure(exc, request_id)
        except storage_errors.ServiceUnavailable as exc:
            LOG.warning('SQS request failed, storage unavailable: %s', exc)
            response = protocol.failure(errors.service_unavailable(),
                                        request_id)
        except Exception:
            LOG.exception('SQS request failed')
            response = protocol.failure(errors.internal_error(), request_id)
        return response(environ, start_response)

    def _serve(self, request):
        if request.method != 'POST':
            raise errors.SQSError(
                'InvalidAction', 'The SQS endpoint answers POST requests '
                'of the JSON protocol only.', status=405)
        body = self._body(request)
        project, region = self._authenticate(request, body)
        action, params = protocol.parse(request, body)
        run = ACTIONS.get(action)
        if run is None:
            if action in REFUSED:
                raise errors.unsupported_operation(
                    '%s is not supported by swiftq: %s.'
                    % (action, REFUSED[action]))
            raise errors.unknown_operation(request.headers['X-Amz-Target'])
        call = call_lib.Call(
            self.service, project, params,
            request.host_url.rstrip('/') + request.script_root,
            region, self._receipts)
        return run(call)

    def _body(self, request):
        length = request.content_length
        if length is not None and length > self._max_body:
            raise errors.request_too_large(self._max_body)
        try:
            body = request.stream.read(self._max_body + 1)
        except wz_exceptions.ClientDisconnected:
            raise errors.SQSError('IncompleteBody',
                                  'The request body was cut short.')
        if len(body) > self._max_body:
            raise errors.request_too_large(self._max_body)
        return body

    def _authenticate(self, request, body):
        headers = {name.lower(): value for name, value
                   in request.headers.items()}
        environ = request.environ
        signed = sigv4.SignedRequest(
            request.method,
            environ.get('SCRIPT_NAME', '') + environ.get('PATH_INFO', ''),
            environ.get('QUERY_STRING', ''), headers, body)
        try:
            if self._ec2 is not None:
                project = self._ec2.project_of(signed, self._max_age)
                region = sigv4.parse_authorization(
                    headers['authorization']).region
                return project, region
            credential = sigv4.verify(signed, self._secret_of,
                                      self._max_age)
        except sigv4.SignatureError as exc:
            raise errors.authentication(exc.code, exc.message)
        except ec2.KeystoneUnavailable:
            raise errors.SQSError(
                'ServiceUnavailable', 'Keystone could not verify the '
                'credentials; retry later.', status=503, sender=False)
        return credential.access_key, credential.region

    def _secret_of(self, access_key):
        """noauth: any access key of up to 128 letters, digits, ``_`` and
        ``-`` (it becomes the project id), with the development secret."""
        if not ACCESS_KEY.match(access_key):
            return None
        return self._secret
