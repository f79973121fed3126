"""Event sources: what makes functions run without an HTTP request.

The dispatcher process (``python -m overcast.sources``) runs, on every node:

- the owners of SQS-compatible queues (``overcast.queues``): receive, visibility, redrive;
- event-source mappings from Kinesis-compatible streams, table change streams and queues to
  functions, with batching, retries, bisect-on-error, partial batch failures, record age and
  on-failure destinations (``mappings``, ``shards``, ``batching``);
- schedules (``schedules``, ``scheduler``): a tick is claimed through the engine, so it fires once
  across nodes;
- asynchronous invocations (``async_invoke``): retries with backoff, maximum event age,
  on-success / on-failure destinations.

Everything a dispatcher holds is also in JetStream, so a dispatcher killed at any moment loses no
acknowledged record: a consumer is acknowledged only after the handler succeeded or the record
reached its on-failure destination.
"""
