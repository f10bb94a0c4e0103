"""SQS's JSON protocol (``awsJson1_0``), as current AWS SDKs speak it::

    POST /sqs/ HTTP/1.1
    Content-Type: application/x-amz-json-1.0
    X-Amz-Target: AmazonSQS.SendMessage

    {"QueueUrl": "...", "MessageBody": "..."}

answered ``200`` with a JSON object (``{}`` for actions with no output),
or an error (:mod:`swiftq.api.sqs.errors`). The older query protocol
(``Action=...`` form posts answered in XML) is not served: such a request
is answered 400 with a JSON error that says so.
"""

import json

from werkzeug import wrappers

from swiftq.api.sqs import errors
from swiftq.api.sqs import params as params_lib

CONTENT_TYPE = 'application/x-amz-json-1.0'
TARGET_PREFIX = 'AmazonSQS.'


def parse(request, body):
    """``(action name, Params)`` of a request whose body was read."""
    mimetype = request.mimetype
    if mimetype == 'application/x-www-form-urlencoded':
        raise errors.unsupported_operation(
            'The query protocol is not supported: use an SDK that speaks '
            'SQS\'s JSON protocol (Content-Type: %s), as current boto3 and '
            'the AWS CLI do.' % CONTENT_TYPE)
    target = request.headers.get('X-Amz-Target', '')
    if not target.startswith(TARGET_PREFIX):
        raise errors.unknown_operation(target)
    if mimetype not in (CONTENT_TYPE, 'application/json'):
        raise errors.invalid_parameter_value(
            'Content-Type must be %s.' % CONTENT_TYPE)
    try:
        document = json.loads(body.decode('utf-8')) if body.strip() else {}
    except (ValueError, UnicodeDecodeError):
        raise errors.SQSError('SerializationException',
                              'The request body is not a JSON object.')
    if not isinstance(document, dict):
        raise errors.SQSError('SerializationException',
                              'The request body is not a JSON object.')
    return target[len(TARGET_PREFIX):], params_lib.Params(document)


def success(result, request_id):
    return _response(200, result, request_id)


def failure(error, request_id):
    response = _response(error.status, error.document(), request_id)
    response.headers['x-amzn-query-error'] = '%s;%s' % (
        error.code, 'Sender' if error.sender else 'Receiver')
    response.headers['X-Amzn-ErrorType'] = error.shape
    return response


def _response(status, document, request_id):
    response = wrappers.Response(
        json.dumps(document, ensure_ascii=False).encode('utf-8'),
        status=status, content_type=CONTENT_TYPE)
    if request_id:
        response.headers['x-amzn-RequestId'] = request_id
    return response
