"""What one load run does: :class:`LoadConfig`, checked against Zaqar's
bounds before the run starts."""

import dataclasses

#: Zaqar's bounds the options are checked against before a run.
MAX_CLAIM_LIMIT = 20
MIN_CLAIM_TTL = 60


@dataclasses.dataclass
class LoadConfig:
    producers: int = 4
    consumers: int = 4
    queues: int = 1
    batch: int = 10
    claim_limit: int = 10
    body_size: int = 100
    duration: float = 10.0
    messages: int = None
    message_ttl: int = 3600
    claim_ttl: int = 60
    claim_grace: int = 60
    delete_mode: str = 'bulk'
    consume_mode: str = 'delete'
    prefill: int = 0
    prefill_batch: int = None
    prefill_threads: int = 4
    post_rate: float = None
    drain_timeout: float = 30.0
    idle_sleep: float = 0.05
    queue_prefix: str = None
    keep_queues: bool = False
    stripes: int = None
    verify_limit: int = 2000
    interval: float = 1.0
    name: str = None

    def check(self):
        problems = []
        if self.producers < 0 or self.consumers < 0:
            problems.append('producers and consumers must be >= 0')
        if self.producers == 0 and self.consumers == 0:
            problems.append('need at least one producer or consumer')
        if self.queues < 1:
            problems.append('queues must be >= 1')
        if self.batch < 1:
            problems.append('batch must be >= 1')
        if not 1 <= self.claim_limit <= MAX_CLAIM_LIMIT:
            problems.append('claim limit must be 1..%d' % MAX_CLAIM_LIMIT)
        if self.duration is None and self.messages is None and \
                self.producers:
            problems.append('give a duration and/or a message count')
        if self.delete_mode not in ('bulk', 'single'):
            problems.append('delete mode is bulk or single')
        if self.consume_mode not in ('delete', 'release'):
            problems.append('consume mode is delete or release')
        if self.body_size < 0:
            problems.append('body size must be >= 0')
        if problems:
            raise ValueError('; '.join(problems))
        return self

    def as_dict(self):
        return dataclasses.asdict(self)
