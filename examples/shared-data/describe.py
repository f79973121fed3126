def handler(event, context):
    return {"table": f"users-{context.function_name.split('-')[-2]}", "owner": "platform-team"}
