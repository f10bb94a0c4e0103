"""The Swift mapping: queues, messages and claims as Swift objects."""
