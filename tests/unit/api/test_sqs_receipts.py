"""Receipt handles (swiftq.api.sqs.receipts): they carry the message and
its claim, and none can be forged or moved to another queue or project."""

import pytest

from swiftq.api.sqs import errors
from swiftq.api.sqs import receipts

HANDLES = receipts.ReceiptHandles('key')


def test_a_handle_opens_to_its_message_and_claim():
    handle = HANDLES.issue('p1', 'jobs', 'msg+01', 'claim,1')
    assert HANDLES.open('p1', 'jobs', handle) == ('msg+01', 'claim,1')


@pytest.mark.parametrize('project, queue, handle', [
    ('p2', 'jobs', None),                    # another project
    ('p1', 'other', None),                   # another queue
    ('p1', 'jobs', 'garbage'),
    ('p1', 'jobs', ''),
    ('p1', 'jobs', 'a.b.c'),
    ('p1', 'jobs', 'x' * 5000),
    ('p1', 'jobs', 12),
])
def test_other_handles_are_invalid(project, queue, handle):
    if handle is None:
        handle = HANDLES.issue('p1', 'jobs', 'm', 'c')
    with pytest.raises(errors.SQSError) as exc:
        HANDLES.open(project, queue, handle)
    assert exc.value.shape == 'ReceiptHandleIsInvalid'


def test_a_handle_made_with_another_key_or_edited_is_invalid():
    forged = receipts.ReceiptHandles('guess').issue('p1', 'jobs', 'm', 'c')
    genuine = HANDLES.issue('p1', 'jobs', 'm', 'c')
    payload, _, mac = genuine.partition('.')
    edited = HANDLES.issue('p1', 'jobs', 'm2', 'c').partition('.')[0] + \
        '.' + mac
    for handle in (forged, edited):
        with pytest.raises(errors.SQSError):
            HANDLES.open('p1', 'jobs', handle)
