"""AWS wire protocols: what unmodified AWS SDK clients send, checked and answered the AWS way."""
