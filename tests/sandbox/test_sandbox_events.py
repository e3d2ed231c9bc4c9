"""Server-sent events: wire format, keep-alive, spark/status, scopes, publishing, stream ends."""
import requests

from .sandbox_client import wait_for


def test_stream_starts_with_ok_and_is_an_event_stream(api):
    token = api.product_token()
    response = requests.get(api.url + "/v1/products/9901/events?nonce=123.456",
                            headers={"Authorization": f"Bearer {token}"}, stream=True, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/event-stream")
    first = next(response.iter_content(chunk_size=None))
    assert first.startswith(b":ok\n\n")
    response.close()
    api.delete("/sandbox/streams")


def test_spark_status_online_and_offline_in_particle_format(api, streams):
    device = api.device(online=False)
    stream = streams(api, "/v1/products/9901/events", api.product_token())
    api.power(device["id"], True)
    name, data = stream.next_event()
    assert name == "spark/status"
    assert set(data) >= {"data", "ttl", "published_at", "coreid"}
    assert data["data"] == "online" and data["coreid"] == device["id"] and data["ttl"] == 60
    assert data["published_at"].endswith("Z")
    api.power(device["id"], False)
    assert stream.next_event()[1]["data"] == "offline"
    raw = stream.bytes_so_far()
    assert b"event: spark/status\ndata: {" in raw and raw.endswith(b"}\n\n")


def test_keepalive_newline_with_a_short_interval(api, streams):
    api.options(sse_keepalive=0.05)
    stream = streams(api, "/v1/products/9901/events", api.product_token())
    wait_for(lambda: stream.bytes_so_far().startswith(b":ok\n\n\n\n"))


def test_prefix_filters_events(api, streams):
    device = api.device()
    stream = streams(api, "/v1/products/9901/events/temp?nonce=1", api.product_token())
    api.post(f"/sandbox/devices/{device['id']}/events", json={"name": "humidity", "data": "40"})
    api.post(f"/sandbox/devices/{device['id']}/events", json={"name": "temperature", "data": "21.5"})
    name, data = stream.next_event()
    assert (name, data["data"]) == ("temperature", "21.5")


def test_encoded_prefix_with_a_slash_as_particle_api_js_sends_it(api, streams):
    device = api.device(online=False)
    stream = streams(api, "/v1/products/9901/events/spark%2Fstatus", api.product_token())
    api.power(device["id"], True)
    assert stream.next_event()[0] == "spark/status"


def test_customers_see_their_devices_but_not_claim_code_presentations(api, streams):
    _, token = api.new_customer()
    device = api.device()
    api.post("/v1/devices", token, json={"id": device["id"]})
    mine = streams(api, "/v1/devices/events", token)
    one = streams(api, f"/v1/devices/{device['id']}/events/spark", token)
    other = api.device()
    api.post(f"/sandbox/devices/{device['id']}/events",
             json={"name": "spark/device/claim/code", "data": "secret"})
    api.power(other["id"], False)
    api.power(device["id"], False)
    name, data = mine.next_event()  # the claim code and the other device's event never came
    assert (name, data["data"], data["coreid"]) == ("spark/status", "offline", device["id"])
    assert one.next_event()[1]["data"] == "offline"


def test_device_stream_of_someone_elses_device_is_refused(api):
    _, token = api.new_customer()
    device = api.device()
    response = api.get(f"/v1/devices/{device['id']}/events", token)
    assert response.status_code == 403 and response.json()["error"] == "Permission Denied"


def test_product_stream_shows_claim_code_presentations(api, streams):
    device = api.device()
    stream = streams(api, "/v1/products/9901/events", api.product_token())
    api.post(f"/sandbox/devices/{device['id']}/events",
             json={"name": "spark/device/claim/code", "data": "c0de"})
    assert stream.next_event()[1]["data"] == "c0de"


def test_events_without_prefix_is_400(api):
    response = api.get("/v1/events", api.user_token())
    assert response.status_code == 400
    assert response.json() == {"ok": False, "error": "event prefix filter is required"}


def test_events_with_prefix_shows_the_callers_events(api, streams):
    user = api.user_token()
    stream = streams(api, "/v1/events/hello", user)
    assert api.post("/v1/devices/events", user, data={"name": "hello/world", "data": "hi",
                                                      "private": "true"}).json() == {"ok": True}
    name, data = stream.next_event()
    assert (name, data["data"], data["coreid"]) == ("hello/world", "hi", "api")


def test_publish_to_a_product(api, streams):
    token = api.product_token()
    stream = streams(api, "/v1/products/sandbox-electron/events", token)
    assert api.post("/v1/products/9901/events", token, json={"name": "ota", "data": "go"}).json() == {"ok": True}
    assert stream.next_event()[0] == "ota"
    assert api.post("/v1/products/9901/events", token, json={"data": "x"}).status_code == 400


def test_stream_auth_errors_are_json(api):
    response = api.get("/v1/devices/events", "bad-token")
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"


def test_closing_streams_from_the_control_api_ends_them(api, streams):
    stream = streams(api, "/v1/products/9901/events", api.product_token())
    api.delete("/sandbox/streams")
    assert stream.ended.wait(10)


def test_stop_ends_open_streams(private_cloud):
    from .sandbox_client import EventStreamReader, SandboxApi

    client = SandboxApi(private_cloud.base_url, private_cloud.demo_info())
    response = requests.get(client.url + "/v1/products/9901/events", stream=True, timeout=10,
                            headers={"Authorization": f"Bearer {client.product_token()}"})
    reader = EventStreamReader(response)
    wait_for(lambda: reader.bytes_so_far())
    private_cloud.stop()
    assert reader.ended.wait(10)
