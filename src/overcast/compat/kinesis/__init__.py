"""Kinesis-compatible AWS endpoint (JSON 1.1, ``Kinesis_20131202.*``) over the streams data plane."""
