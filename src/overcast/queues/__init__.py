"""SQS-compatible queues on JetStream: messages, visibility, delays, redrive, FIFO groups."""
