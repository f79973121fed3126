"""Lambda's ``Invoke`` API on the gateway (REST-JSON, botocore service ``lambda``), for unmodified
``boto3.client("lambda").invoke(...)`` calls — from outside, or from functions (``AWS_ENDPOINT_URL_LAMBDA``
is in their environment).

``names`` finds the function a ``FunctionName`` means and decides whether a key may invoke it, ``request``
reads what a request asks and which version it reaches, ``errors`` holds Lambda's error shape (all three
pure); ``invoke`` answers the request.
"""

from overcast.compat.lambda_.invoke import handle, is_request

__all__ = ["handle", "is_request"]
