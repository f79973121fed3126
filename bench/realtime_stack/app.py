"""Bench handler: republish what the rule selected to bench/out/<n> with boto3's IoT data-plane client."""

import json

import boto3

iot = boto3.client("iot-data")  # endpoint, keys and region come from the platform's environment


def relay(event, context):
    iot.publish(topic=f"bench/out/{event['n']}", qos=0, payload=json.dumps(event))
