"""swiftq-bench: a bounded load generator for the Zaqar v2 HTTP API.

It speaks only the public Zaqar v2 API (plus plain Swift for the raw
baseline), so it measures swiftq or any Zaqar-compatible endpoint.
Modules: :mod:`~swiftq.bench.cli` (the command), :mod:`~swiftq.bench.load`
(producers, consumers, phases), :mod:`~swiftq.bench.ledger` (exact
loss/duplicate accounting), :mod:`~swiftq.bench.raw_swift` (the physical
limit), :mod:`~swiftq.bench.report` (tables, JSON, plot),
:mod:`~swiftq.bench.local` (a throw-away LocalSwift + swiftq-api).
See doc/source/performance.rst.
"""
