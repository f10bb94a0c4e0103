"""The notifier's cursor (swiftq.notification.cursor): what the
watermark may pass, and its stored form."""

from swiftq.notification import cursor


def key(ns, suffix='00000000'):
    return '%016x%s' % (ns, suffix)


def test_key_at_sorts_before_every_key_of_its_nanosecond():
    mark = cursor.key_at(2.0)
    assert key(1999999999, 'ffffffff') < mark < key(2000000000)


def test_watermark_stops_below_the_first_pending_segment():
    progress = cursor.Progress(cursor.key_at(1))
    for ns in (1100000000, 1200000000, 1400000000):
        progress.mark(key(ns))
    progress.advance(cursor.key_at(10), first_pending=key(1300000000))
    assert progress.watermark == key(1200000000)
    assert progress.handled == {key(1400000000)}
    assert not progress.is_handled(key(1300000000))
    assert progress.is_handled(key(1100000000))


def test_watermark_stops_at_settled_time():
    progress = cursor.Progress(cursor.key_at(1))
    progress.mark(key(5000000000))
    progress.advance(cursor.key_at(3), first_pending=None)
    assert progress.watermark == cursor.key_at(3)
    # A late segment below the unsettled one is still to be handled.
    assert not progress.is_handled(key(4000000000))
    assert progress.is_handled(key(5000000000))


def test_watermark_never_moves_back():
    progress = cursor.Progress(cursor.key_at(5))
    progress.advance(cursor.key_at(3), first_pending=None)
    assert progress.watermark == cursor.key_at(5)


def test_round_trip():
    stored = cursor.Cursor({'s1': cursor.Progress(
        cursor.key_at(1), [key(2000000000)], cursor.REQUESTED)})
    loaded = cursor.Cursor.decode(stored.encode())
    progress = loaded.progress['s1']
    assert progress.watermark == cursor.key_at(1)
    assert progress.handled == {key(2000000000)}
    assert progress.notice == cursor.REQUESTED
