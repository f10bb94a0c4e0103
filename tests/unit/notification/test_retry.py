"""The retry schedule of swiftq.notification.retry against Zaqar's
(zaqar/notification/tasks/webhook.py and zaqar/common/consts.py)."""

from swiftq.notification import retry


def test_default_schedule_is_zaqars():
    # 3 at once, 3 after 5 s, linear 5..25 by 5, 3 after 30 s.
    assert retry.delays({}) == [0, 0, 0, 5, 5, 5, 5, 10, 15, 20, 25,
                                30, 30, 30]


def test_backoff_functions_match_zaqars_formulas():
    base = {'retries_with_no_delay': 0, 'minimum_delay_retries': 0,
            'maximum_delay_retries': 0, 'minimum_delay': 5,
            'maximum_delay': 30}
    # Zaqar's functions with (5, 30, 5): x_max = 5 points.
    assert retry.delays(dict(base, retry_backoff_function='linear')) == \
        [5, 10, 15, 20, 25]
    assert retry.delays(dict(base, retry_backoff_function='geometric')) == \
        [5, 7, 12, 19, 30]
    assert retry.delays(dict(base,
                             retry_backoff_function='exponential')) == \
        [5, 7, 12, 19, 30]
    assert retry.delays(dict(base,
                             retry_backoff_function='arithmetic')) == \
        [5, 7, 12, 20, 30]


def test_degenerate_ranges_do_not_divide_by_zero():
    # Zaqar's geometric function divides by zero with one point.
    policy = {'minimum_delay': 1, 'maximum_delay': 6,
              'retry_backoff_function': 'geometric',
              'retries_with_no_delay': 0, 'minimum_delay_retries': 0,
              'maximum_delay_retries': 0}
    assert retry.delays(policy) == [1]


def test_bad_values_fall_back_to_defaults():
    assert retry.delays({'retries_with_no_delay': -1,
                         'minimum_delay_retries': 'x',
                         'maximum_delay_retries': True,
                         'retry_backoff_function': 'nope'}) == \
        retry.delays({})
    assert retry.delays(['not', 'a', 'dict']) == retry.delays({})


def test_precedence_is_zaqars():
    sub = {'retries_with_no_delay': 1}
    queue = {'retries_with_no_delay': 2}
    assert retry.choose(sub, queue) is sub
    assert retry.choose({}, queue) is queue
    assert retry.choose(None, None) == {}
    forced = dict(queue, ignore_subscription_override=True)
    assert retry.choose(sub, forced) is forced
    # The flag in the subscription's own policy also selects the queue's.
    assert retry.choose(dict(sub, ignore_subscription_override=True),
                        queue) is queue
