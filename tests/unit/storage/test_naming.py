from swiftq.storage import naming


def test_project_keys_cannot_collide_or_escape():
    assert naming.project_key('abc123') == 'abc123'
    hashed = naming.project_key('a/b:c')
    assert hashed.startswith('~') and ':' not in hashed and '/' not in hashed
    assert naming.project_key('x' * 65) != naming.project_key('x' * 66)
    assert naming.queue_container('sq', 'p', 'q') == 'sq:p:q'
    assert naming.sibling_container('sq:p:q', 'dlq') == 'sq:p:dlq'


def test_segment_keys_increase_within_a_process():
    gen = naming.SegmentKeyGenerator()
    keys = gen.next_keys(3) + gen.next_keys(2)
    assert keys == sorted(keys) and len(set(keys)) == 5
    assert all(len(k) == naming.KEY_LEN for k in keys)


def test_content_type_round_trip():
    ct = naming.segment_content_type(10, 3600, 5)
    assert naming.parse_segment_content_type(ct) == (10, 3600, 5)
    assert naming.parse_segment_content_type('text/plain') is None
    assert naming.parse_segment_content_type(
        naming.SEGMENT_CONTENT_TYPE + ';count=x') is None
