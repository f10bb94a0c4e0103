"""SQS's errors as the JSON protocol answers them.

An error is answered with its HTTP status, the body ``{"__type":
"com.amazonaws.sqs#<Shape>", "message": ...}`` and the header
``x-amzn-query-error: <code>;Sender`` (or ``;Receiver``), from which
botocore takes the error code clients see (``Error.Code``) and the
modelled exception it raises (``client.exceptions.<Shape>``). Shapes and
codes are SQS's, as moto (the project's oracle) answers them.
"""


class SQSError(Exception):
    """An SQS error: ``shape`` (the ``__type``), ``code`` (the query
    protocol's code), ``status`` and who is at fault."""

    def __init__(self, shape, message, code=None, status=400, sender=True):
        super().__init__(message)
        self.shape = shape
        self.message = message
        self.code = code or shape
        self.status = status
        self.sender = sender

    def document(self):
        return {'__type': 'com.amazonaws.sqs#' + self.shape,
                'message': self.message}

    def batch_failure(self, entry_id):
        """The entry of a batch answer's ``Failed`` list."""
        return {'Id': entry_id, 'SenderFault': self.sender,
                'Code': self.code, 'Message': self.message}


def queue_does_not_exist():
    return SQSError('QueueDoesNotExist', 'The specified queue does not exist.',
                    code='AWS.SimpleQueueService.NonExistentQueue')


def queue_name_exists():
    return SQSError('QueueNameExists', 'The specified queue already exists.',
                    code='QueueAlreadyExists')


def receipt_handle_is_invalid():
    return SQSError('ReceiptHandleIsInvalid',
                    'The input receipt handle is invalid.')


def message_not_inflight():
    return SQSError('MessageNotInflight',
                    'The message referred to is not in flight.',
                    code='AWS.SimpleQueueService.MessageNotInflight')


def invalid_parameter_value(message):
    return SQSError('InvalidParameterValue', message)


def missing_parameter(name):
    return SQSError('MissingParameter',
                    'The request must contain the parameter %s.' % name)


def invalid_attribute_name(name):
    return SQSError('InvalidAttributeName', 'Unknown Attribute %s.' % name)


def invalid_attribute_value(name, reason=''):
    return SQSError('InvalidAttributeValue',
                    'Invalid value for the parameter %s.%s'
                    % (name, ' Reason: ' + reason if reason else ''))


def invalid_message_contents(message):
    return SQSError('InvalidMessageContents', message)


def empty_batch_request(kind):
    return SQSError('EmptyBatchRequest',
                    'There should be at least one %sRequestEntry in the '
                    'request.' % kind,
                    code='AWS.SimpleQueueService.EmptyBatchRequest')


def too_many_entries(count):
    return SQSError('TooManyEntriesInBatchRequest',
                    'Maximum number of entries per request are 10. You have '
                    'sent %d.' % count,
                    code='AWS.SimpleQueueService.TooManyEntriesInBatchRequest')


def batch_ids_not_distinct(entry_id):
    return SQSError('BatchEntryIdsNotDistinct', 'Id %s repeated.' % entry_id,
                    code='AWS.SimpleQueueService.BatchEntryIdsNotDistinct')


def invalid_batch_entry_id():
    return SQSError('InvalidBatchEntryId',
                    'A batch entry id can only contain alphanumeric '
                    'characters, hyphens and underscores. It can be at most '
                    '80 letters long.',
                    code='AWS.SimpleQueueService.InvalidBatchEntryId')


def batch_request_too_long(length, limit):
    return SQSError('BatchRequestTooLong',
                    'Batch requests cannot be longer than %d bytes. You have '
                    'sent %d bytes.' % (limit, length),
                    code='AWS.SimpleQueueService.BatchRequestTooLong')


def unsupported_operation(message):
    return SQSError('UnsupportedOperation', message,
                    code='AWS.SimpleQueueService.UnsupportedOperation')


def unknown_operation(target):
    return SQSError('UnknownOperationException',
                    'Unknown operation %r: X-Amz-Target must be '
                    'AmazonSQS.<Action> of an action this endpoint serves '
                    '(doc/source/sqs.rst).' % target)


def access_denied(message):
    return SQSError('AccessDenied', message, status=403)


def authentication(code, message):
    """An AWS Signature Version 4 failure (swiftq.auth.sigv4)."""
    status = 400 if code in ('IncompleteSignature', 'RequestExpired') else 403
    return SQSError(code, message, status=status)


def request_too_large(limit):
    return SQSError('RequestEntityTooLarge',
                    'The request body is larger than %d bytes.' % limit,
                    status=413)


def service_unavailable():
    return SQSError('ServiceUnavailable',
                    'The storage is unavailable; retry later.', status=503,
                    sender=False)


def internal_error():
    return SQSError('InternalError',
                    'We encountered an internal error. Please try again.',
                    status=500, sender=False)
