"""DynamoDB's JSON 1.0 protocol on top of overcast's table storage."""
