"""Kinesis-compatible streams on JetStream: shards, sequence numbers, put and read."""
