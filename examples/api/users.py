import os

TABLE = os.environ["TABLE_NAME"]


def handler(event, context):
    user_id = event["pathParameters"]["id"]
    return {"id": user_id, "table": TABLE, "stage": os.environ["STAGE"]}
