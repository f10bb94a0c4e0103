"""swiftq-bench: a bounded load generator for the Zaqar v2 HTTP API.

It speaks only the public Zaqar v2 API (plus plain Swift for the raw
baseline), so it measures swiftq or any Zaqar-compatible endpoint.
Modules:

- :mod:`~swiftq.bench.cli`: the command;
- :mod:`~swiftq.bench.load_config`: what one load run does, and its bounds;
- :mod:`~swiftq.bench.load`: one load run: producers, consumers, phases;
- :mod:`~swiftq.bench.pacing`: shared clock, message budget, post-rate cap;
- :mod:`~swiftq.bench.load_results`: a load run's result document;
- :mod:`~swiftq.bench.ledger`: exact loss/duplicate accounting;
- :mod:`~swiftq.bench.stats`: latency samples, summaries, timeline;
- :mod:`~swiftq.bench.client`: how to reach an endpoint, and log in;
- :mod:`~swiftq.bench.raw_swift`: the physical limit (plain Swift);
- :mod:`~swiftq.bench.report`: tables, JSON, plot;
- :mod:`~swiftq.bench.local`: a throw-away LocalSwift + swiftq-api;
- :mod:`~swiftq.bench.zaqar_peer`: upstream Zaqar on the same Swift;
- :mod:`~swiftq.bench.tempauth_keystone`: the Keystone stand-in for it;
- :mod:`~swiftq.bench._zaqar_wsgi`: that Zaqar's WSGI app for gunicorn;
- :mod:`~swiftq.bench.websocket`: ``swiftq-bench websocket``, idle
  sockets' memory and post-to-push latency of swiftq-websocket;
- :mod:`~swiftq.bench.sqs`: ``swiftq-bench sqs``, the SQS endpoint's
  throughput (boto3) beside the Zaqar API's on the same server;
- :mod:`~swiftq.bench.sqs_paths`: the two paths it drives.

See doc/source/performance.rst.
"""
