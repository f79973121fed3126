"""SQS's JSON protocol on the gateway (``X-Amz-Target: AmazonSQS.<Op>``), over :mod:`overcast.queues`."""
