"""Console scripts: ``swiftq-api`` (the service) and ``swiftq-dev`` (the
service on an embedded Swift, for development)."""
