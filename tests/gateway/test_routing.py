import pytest

from overcast.gateway.routing import Match, RouteTable
from overcast.spec.routes import parse_route_key


def table(*keys):
    # the target is the route key text, so tests read what was selected
    return RouteTable((parse_route_key(k), k) for k in keys)


def pick(t, method, path):
    m = t.match(method, path)
    return None if m is None else m.target


def test_match_returns_target_key_and_parameters():
    t = RouteTable([(parse_route_key("GET /items/{id}"), "target-object")])
    assert t.match("GET", "/items/42") == Match("target-object", "GET /items/{id}", {"id": "42"})


def test_static_route_has_no_path_parameters():
    t = table("GET /items")
    assert t.match("GET", "/items") == Match("GET /items", "GET /items", None)


def test_literal_beats_param_beats_greedy():
    t = table("GET /pets/dog/1", "GET /pets/dog/{id}", "GET /pets/{proxy+}", "$default")
    assert pick(t, "GET", "/pets/dog/1") == "GET /pets/dog/1"
    assert pick(t, "GET", "/pets/dog/2") == "GET /pets/dog/{id}"
    assert pick(t, "GET", "/pets/cat/2") == "GET /pets/{proxy+}"
    assert pick(t, "GET", "/pets/dog/1/x") == "GET /pets/{proxy+}"
    assert pick(t, "GET", "/other") == "$default"


def test_compared_segment_by_segment_from_the_left():
    t = table("GET /a/{x}/c", "GET /a/b/{y}")
    assert t.match("GET", "/a/b/c").route_key == "GET /a/b/{y}"
    assert t.match("GET", "/a/z/c") == Match("GET /a/{x}/c", "GET /a/{x}/c", {"x": "z"})
    t = table("GET /a/{x}/{rest+}", "GET /a/{all+}")
    assert t.match("GET", "/a/b/c/d").path_parameters == {"x": "b", "rest": "c/d"}
    assert t.match("GET", "/a/b").path_parameters == {"all": "b"}


def test_backtracks_when_the_more_specific_branch_fails_deeper():
    t = table("GET /a/b/c", "GET /a/{x}/d")
    assert t.match("GET", "/a/b/d").path_parameters == {"x": "b"}
    assert t.match("GET", "/a/b/e") is None


def test_exact_method_beats_any():
    t = table("ANY /items/{id}", "GET /items/{id}")
    assert pick(t, "GET", "/items/1") == "GET /items/{id}"
    assert pick(t, "DELETE", "/items/1") == "ANY /items/{id}"


def test_path_specificity_decides_before_method():
    t = table("ANY /items/1", "GET /items/{id}")
    assert pick(t, "GET", "/items/1") == "ANY /items/1"
    assert pick(t, "GET", "/items/2") == "GET /items/{id}"


def test_method_mismatch_falls_back_to_less_specific_routes():
    t = table("GET /items/1", "POST /items/{id}", "ANY /{proxy+}")
    assert pick(t, "POST", "/items/1") == "POST /items/{id}"
    assert pick(t, "PUT", "/items/1") == "ANY /{proxy+}"
    t = table("GET /items", "ANY /{proxy+}")
    assert t.match("POST", "/items") == Match("ANY /{proxy+}", "ANY /{proxy+}", {"proxy": "items"})


def test_methods_are_exact_and_case_sensitive():
    t = table("GET /items")
    assert t.match("HEAD", "/items") is None  # HTTP APIs do not map HEAD to GET
    assert t.match("get", "/items") is None
    assert pick(table("ANY /items"), "HEAD", "/items") == "ANY /items"


def test_default_only_when_nothing_matches():
    t = table("$default", "GET /items")
    assert pick(t, "GET", "/items") == "GET /items"
    assert t.match("POST", "/items") == Match("$default", "$default", None)
    assert t.match("GET", "/nope/x%20y") == Match("$default", "$default", None)
    assert table("GET /items").match("GET", "/other") is None


def test_greedy_needs_at_least_one_segment():
    t = table("GET /files/{proxy+}")
    assert t.match("GET", "/files") is None
    assert t.match("GET", "/files/") is None
    assert t.match("GET", "/files/a").path_parameters == {"proxy": "a"}
    assert t.match("GET", "/files/a/b/c.txt").path_parameters == {"proxy": "a/b/c.txt"}
    t = table("GET /files", "GET /files/{proxy+}")
    assert pick(t, "GET", "/files") == "GET /files"


def test_trailing_slash_is_a_different_path():
    t = table("GET /items", "GET /items/{id}")
    assert t.match("GET", "/items/") is None
    assert t.match("GET", "/items/1/") is None


def test_root_route():
    t = table("GET /", "GET /{name}")
    assert pick(t, "GET", "/") == "GET /"
    assert pick(t, "GET", "/x") == "GET /{name}"
    assert table("ANY /{proxy+}").match("GET", "/") is None
    assert table("GET /items").match("GET", "/") is None


def test_parameters_are_percent_decoded_after_splitting():
    t = table("GET /users/{name}/files/{path+}")
    m = t.match("GET", "/users/J%C3%BCrgen%20M/files/a%2Fb/c%20d")
    assert m.path_parameters == {"name": "Jürgen M", "path": "a/b/c d"}
    # an encoded slash stays inside its segment
    assert table("GET /a/{x}").match("GET", "/a/b%2Fc").path_parameters == {"x": "b/c"}
    assert table("GET /a/b").match("GET", "/a%2Fb") is None
    # '+' is not a space in a path
    assert table("GET /a/{x}").match("GET", "/a/b+c").path_parameters == {"x": "b+c"}


def test_literals_match_on_decoded_segments():
    t = table("GET /hello%20world")
    assert pick(t, "GET", "/hello%20world") == "GET /hello%20world"
    assert pick(table("GET /items"), "GET", "/%69tems") == "GET /items"
    encoded_slash = table("GET /a%2Fb")
    assert pick(encoded_slash, "GET", "/a%2Fb") == "GET /a%2Fb"
    assert encoded_slash.match("GET", "/a/b") is None


def test_empty_segment_does_not_fill_a_parameter():
    t = table("GET /a/{x}/b")
    assert t.match("GET", "/a//b") is None


def test_param_names_belong_to_their_route():
    t = table("GET /a/{id}/x", "GET /a/{name}/y")
    assert t.match("GET", "/a/1/x").path_parameters == {"id": "1"}
    assert t.match("GET", "/a/1/y").path_parameters == {"name": "1"}


def test_routes_lists_keys_in_order_and_accepts_strings():
    t = RouteTable([("GET /b", 1), ("$default", 2), (parse_route_key("post /a"), 3)])
    assert t.routes == ("GET /b", "$default", "POST /a")
    assert t.match("POST", "/a").target == 3


def test_duplicates_are_refused():
    with pytest.raises(ValueError, match="duplicate"):
        table("GET /items", "GET /items")
    with pytest.raises(ValueError, match="duplicate"):
        table("$default", "$default")
    with pytest.raises(ValueError, match="same requests"):
        table("GET /a/{x}", "GET /a/{y}")
    table("GET /a/{x}", "ANY /a/{y}")  # different methods: fine


def test_path_without_leading_slash_only_reaches_default():
    assert pick(table("GET /items", "$default"), "OPTIONS", "*") == "$default"
    assert table("GET /items").match("GET", "items") is None
