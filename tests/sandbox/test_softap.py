"""The simulated Photon SoftAP, driven the way a setup app drives a real one (docs/softap.md).

A small setup-app client lives here (`TcpClient`, `HttpClient`); then the byte-level rules of
each command. What the device keeps is tested in test_softap_memory.py, Particle's own JS client
in test_softap_node_client.py.
"""
import http.client
import io
import json
import re
import socket
import threading

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding
from hypothesis import given
from hypothesis import strategies as st

from bff.sandbox.softap import PhotonMemory, SoftAPServer, WifiCredentials
from bff.sandbox.softap.commands import SET_KEYS, parse_request
from bff.sandbox.softap.memory import generate_private_key_pem
from bff.sandbox.softap.transport import read_body, utf16_units

DEVICE_ID = "220038000947333531303339"
SPKI_1024_HEADER = bytes.fromhex("30819F300D06092A864886F70D010101050003818D00")
CLAIM_CODE = "i31YZ5bRq9Z9xxX+YgGO6rY+DDJn6CzFpNA02wiBF9SvIgYbW3QtIhgnYVAt0Ow"  # 63 chars
WAIT = 10  # seconds; generous, only ever waited on events
HOME = {"ssid": "Home Net", "password": "correct horse", "security": "wpa2_aes",
        "channel": 6, "rssi": -48}


def frame(name: str, body: str = "", length: int | None = None) -> bytes:
    """A TCP request; the length counts UTF-16 code units, as JS, Java and iOS clients do."""
    if length is None:
        length = len(body.encode("utf-16-le")) // 2
    return f"{name}\n{length}\n\n{body}".encode("utf-8")


def compact(body: dict) -> str:
    """JSON as JSON.stringify writes it (no spaces, non-ASCII kept)."""
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


class TcpClient:
    """The setup app's side of the raw TCP protocol: one connection per command."""

    def __init__(self, host: str, port: int):
        self.address = (host, port)

    def raw(self, request: bytes) -> bytes:
        """Send one request and read until the device closes the connection."""
        with socket.create_connection(self.address, timeout=WAIT) as connection:
            connection.sendall(request)
            answer = b""
            while chunk := connection.recv(4096):
                answer += chunk
        return answer

    def command(self, name: str, body: dict | None = None) -> dict:
        """Run a command and return its JSON answer (after checking the `\\n\\n` preamble)."""
        answer = self.raw(frame(name, compact(body) if body is not None else ""))
        assert answer.startswith(b"\n\n"), answer
        return json.loads(answer[2:])


class HttpClient:
    """The HTTP variant, as the JS library speaks it: GET, or POST with JSON labelled as a form."""

    def __init__(self, host: str, port: int):
        self.address = (host, port)

    def request(self, method: str, path: str, body: str | None = None) -> tuple:
        """(status, headers, body bytes) of one request on a fresh connection."""
        connection = http.client.HTTPConnection(*self.address, timeout=WAIT)
        headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
        connection.request(method, path, body=body.encode("utf-8") if body else None,
                           headers=headers)
        response = connection.getresponse()
        answer = (response.status, dict(response.getheaders()), response.read())
        connection.close()
        return answer

    def command(self, name: str, body: dict | None = None) -> dict:
        """Run a command and return its JSON answer."""
        method, text = ("POST", compact(body)) if body is not None else ("GET", None)
        status, headers, answer = self.request(method, f"/{name}", text)
        assert status == 200 and headers["Content-Type"] == "application/json"
        return json.loads(answer)


def device_public_key(key_hex: str):
    """The key from `public-key`: check the 22-byte SPKI header, drop the filler, load the DER."""
    slot = bytes.fromhex(key_hex)
    assert slot[:22] == SPKI_1024_HEADER
    spki_length = 3 + slot[2]  # 30 81 9F: a long-form length of one byte
    assert slot[spki_length:] == bytes(len(slot) - spki_length)
    return serialization.load_der_public_key(slot[:spki_length])


def encrypt_password(key_hex: str, password: str) -> str:
    """`pwd` as the apps send it: RSA PKCS#1 v1.5 of the UTF-8 password, lower-case hex."""
    public_key = device_public_key(key_hex)
    return public_key.encrypt(password.encode("utf-8"), padding.PKCS1v15()).hex()


class ConnectApCalls:
    """Records on_connect_ap callbacks, with an event to wait on."""

    def __init__(self):
        self.memories = []
        self.event = threading.Event()

    def __call__(self, memory: PhotonMemory) -> None:
        self.memories.append(memory)
        self.event.set()


@pytest.fixture(scope="session")
def device_key_pem():
    """One RSA key for every simulated device in this module (generating one costs time)."""
    return generate_private_key_pem()


@pytest.fixture
def memory(device_key_pem):
    """A factory-fresh Photon: unclaimed, no claim code, no Wi-Fi credentials."""
    return PhotonMemory(device_id=DEVICE_ID, ssid_suffix="7HXK2R", private_key_pem=device_key_pem)


@pytest.fixture
def networks():
    """The Wi-Fi networks the simulated radio sees (tests may change the list)."""
    return [dict(HOME), {"ssid": "Cafe", "password": "", "security": "open", "channel": 11,
                         "rssi": -70}]


@pytest.fixture
def connect_ap_calls():
    return ConnectApCalls()


@pytest.fixture
def softap(memory, networks, connect_ap_calls):
    """A started SoftAP, stopped after the test."""
    server = SoftAPServer(memory, networks=lambda: networks, on_connect_ap=connect_ap_calls)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def tcp_client(softap):
    return TcpClient("127.0.0.1", softap.start()["tcp_port"])


@pytest.fixture
def http_client(softap):
    return HttpClient("127.0.0.1", softap.start()["http_port"])


@pytest.fixture(params=["tcp", "http"])
def softap_client(request, softap):
    """A setup-app client over each transport."""
    address = softap.start()
    if request.param == "tcp":
        return TcpClient(address["host"], address["tcp_port"])
    return HttpClient(address["host"], address["http_port"])


def refuses(port: int) -> bool:
    """True when nothing listens on the loopback port."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=WAIT).close()
    except ConnectionRefusedError:
        return True
    return False


def test_setup_app_flow(softap_client, softap, memory, connect_ap_calls):
    """device-id, public-key, set cc, scan-ap, configure-ap, connect-ap: what every app does."""
    assert softap_client.command("device-id") == {"id": DEVICE_ID.upper(), "c": "0"}
    key_hex = softap_client.command("public-key")["b"]
    assert softap_client.command("set", {"k": "cc", "v": CLAIM_CODE}) == {"r": 0}
    scans = softap_client.command("scan-ap")["scans"]
    home = next(scan for scan in scans if scan["ssid"] == HOME["ssid"])
    pwd = encrypt_password(key_hex, HOME["password"])
    configure = {"idx": 0, "ssid": home["ssid"], "sec": home["sec"], "ch": home["ch"], "pwd": pwd}
    assert softap_client.command("configure-ap", configure) == {"r": 0}
    assert memory.credentials == WifiCredentials("Home Net", 0x00400004, 6, "correct horse")
    assert not connect_ap_calls.event.is_set()

    assert softap_client.command("connect-ap", {"idx": 0}) == {"r": 0}

    assert connect_ap_calls.event.wait(WAIT)
    assert connect_ap_calls.memories == [memory]
    assert memory.claim_code == CLAIM_CODE and memory.claimed is False
    assert not softap.running
    assert refuses(softap_client.address[1])


def test_softap_restarts_on_the_same_ports(softap, tcp_client, connect_ap_calls):
    """After connect-ap both ports refuse; listening mode again brings the same ports back."""
    before = softap.start()
    tcp_client.command("connect-ap", {"idx": 0})
    assert connect_ap_calls.event.wait(WAIT)
    assert refuses(before["tcp_port"]) and refuses(before["http_port"])

    assert softap.start() == before
    assert softap.running
    assert tcp_client.command("version") == {"v": 2}


def test_stop_is_idempotent(softap):
    softap.stop()
    softap.stop()
    assert not softap.running


def test_start_takes_a_new_port_when_the_old_one_is_taken(softap):
    before = softap.start()
    softap.stop()
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", before["tcp_port"]))
        squatter.listen()
        after = softap.start()
    assert after["tcp_port"] != before["tcp_port"]
    assert after["http_port"] == before["http_port"]


def test_ssid_is_photon_and_the_persisted_suffix(softap):
    assert softap.ssid == "Photon-7HXK2R"


def test_claimed_flag_is_a_string(tcp_client, memory):
    """Apps compare `c` with "1" (JS) or read an int (Android): never send a boolean."""
    memory.set_claim_code(CLAIM_CODE)
    memory.acknowledge_claim()
    answer = tcp_client.raw(frame("device-id"))
    assert answer == b'\n\n{"id":"%s","c":"1"}' % DEVICE_ID.upper().encode()
    assert memory.claim_code == ""


def test_set_never_sets_the_claimed_flag(softap_client, memory):
    assert softap_client.command("set", {"k": "cc", "v": CLAIM_CODE}) == {"r": 0}
    assert softap_client.command("device-id")["c"] == "0"


def test_configure_ap_for_an_open_network(softap_client, memory):
    """Open networks come without `pwd`; the JS client sends a NaN channel as null."""
    answer = softap_client.command("configure-ap", {"idx": 0, "ssid": "Cafe", "sec": 0, "ch": None})
    assert answer == {"r": 0}
    assert memory.credentials == WifiCredentials("Cafe", 0, 0, "")


def test_configure_ap_password_in_upper_case_hex_and_non_ascii(softap_client, memory):
    key_hex = softap_client.command("public-key")["b"]
    pwd = encrypt_password(key_hex, "pässwörd ☃").upper()
    answer = softap_client.command("configure-ap", {"ssid": "Home Net", "sec": 4194308, "pwd": pwd})
    assert answer == {"r": 0}
    assert memory.credentials.password == "pässwörd ☃"
    assert memory.credentials.channel is None


@pytest.mark.parametrize("pwd", ["00" * 128, "zz" * 128, "abc", "ab" * 64])
def test_configure_ap_refuses_a_password_it_cannot_decrypt(softap_client, memory, pwd):
    assert softap_client.command("configure-ap", {"ssid": "Home Net", "sec": 4194308, "pwd": pwd}) == {
        "r": -1}
    assert memory.credentials is None


def test_commands_on_concurrent_connections(tcp_client):
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(tcp_client.command("device-id")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(WAIT)
    assert answers == [{"id": DEVICE_ID.upper(), "c": "0"}] * 8


def test_on_connect_ap_failure_does_not_break_the_server(memory, networks):
    called = threading.Event()

    def failing(memory):
        called.set()
        raise RuntimeError("cloud unreachable")

    server = SoftAPServer(memory, networks=lambda: networks, on_connect_ap=failing)
    address = server.start()
    client = TcpClient(address["host"], address["tcp_port"])
    assert client.command("connect-ap", {"idx": 0}) == {"r": 0}
    assert called.wait(WAIT)
    assert server.start() == address
    assert client.command("version") == {"v": 2}
    server.stop()


# --- The bytes on the wire: TCP -----------------------------------------------------------------

def test_answers_are_byte_exact(tcp_client):
    """Compact JSON in the firmware's field order, after the `\\n\\n` preamble."""
    assert tcp_client.raw(frame("version")) == b'\n\n{"v":2}'
    assert tcp_client.raw(frame("device-id")) == b'\n\n{"id":"220038000947333531303339","c":"0"}'
    assert tcp_client.raw(frame("scan-ap")) == (
        b'\n\n{"scans":[{"ssid":"Home Net","rssi":-48,"sec":4194308,"ch":6,"mdr":72200},'
        b'{"ssid":"Cafe","rssi":-70,"sec":0,"ch":11,"mdr":72200}]}')
    assert tcp_client.raw(frame("set", '{"k":"cc","v":"abc"}')) == b'\n\n{"r":0}'
    assert tcp_client.raw(frame("connect-ap", '{"idx":0}')) == b'\n\n{"r":0}'


def test_public_key_is_the_padded_key_slot_in_upper_case_hex(tcp_client, memory):
    answer = tcp_client.raw(frame("public-key"))
    assert re.fullmatch(rb'\n\n\{"b":"[0-9A-F]{588}","r":0\}', answer)
    key = device_public_key(json.loads(answer[2:])["b"])
    assert (key.key_size, key.public_numbers().e) == (1024, 65537)
    assert key.public_numbers() == memory.private_key().public_key().public_numbers()


@pytest.mark.parametrize("request_bytes", [
    frame("bogus"), frame("ant-internal"), frame("ant-external"), frame("VERSION"),
    frame("provision-keys", "{}"), frame("", "")])
def test_unknown_commands_get_no_bytes(tcp_client, request_bytes):
    assert tcp_client.raw(request_bytes) == b""


@pytest.mark.parametrize("name, body", [
    ("set", '{"k":"cc","v":"abc"'),
    ("set", "not json"),
    ("set", ""),
    ("set", '["cc","abc"]'),
    ("set", '{"k":"cc","v":"abc","x":1}'),
    ("set", '{"k":"cc","v":42}'),
    ("configure-ap", '{"ssid":7}'),
    ("configure-ap", '{"ssid":"Home Net","ch":"6"}'),
    ("configure-ap", '{"ssid":"Home Net","sec":{"v":4194308}}'),
    ("configure-ap", '{"ssid":"Home Net","password":"x"}'),
    ("configure-ap", '{"ssid":"Home Net","\\u0073ec":0}'),  # keys are compared as sent
])
def test_parse_failures_get_only_the_preamble(tcp_client, memory, name, body):
    assert tcp_client.raw(frame(name, body)) == b"\n\n"
    assert memory.claim_code == "" and memory.credentials is None


def test_further_header_lines_are_skipped(tcp_client):
    assert tcp_client.raw(b"version\n0\nX-Note: ignored\nmore\n\n") == b'\n\n{"v":2}'


@pytest.mark.parametrize("body, answer, kept", [
    ({"k": "cc", "v": "A" * 70}, {"r": 0}, "A" * 63),
    ({"k": "xx", "v": "code"}, {"r": -1}, ""),
    ({"k": "c", "v": "code"}, {"r": -1}, ""),
    ({"k": "", "v": "code"}, {"r": -1}, ""),
    ({"k": "cc", "v": ""}, {"r": -1}, ""),
    ({"k": "cc"}, {"r": -1}, ""),
    ({"v": "code", "k": "cc"}, {"r": 0}, "code"),
    ({"k": "ccx", "v": "code"}, {"r": 0}, "code"),  # the firmware keeps 2 characters of `k`
])
def test_set_rules(softap_client, memory, body, answer, kept):
    assert softap_client.command("set", body) == answer
    assert memory.claim_code == kept


def test_set_keeps_json_escapes(tcp_client, memory):
    """No un-escaping on the device: that is why iOS and Android strip backslashes first."""
    assert tcp_client.raw(frame("set", r'{"k":"cc","v":"ab\/cd\u0041"}')) == b'\n\n{"r":0}'
    assert memory.claim_code == r"ab\/cd\u0041"


@pytest.mark.parametrize("count", ["characters", "bytes"])
def test_body_length_in_characters_or_bytes(tcp_client, memory, count):
    """Clients announce UTF-16 code units; a byte count works too."""
    body = compact({"idx": 0, "ssid": "Café ☕ 🐢", "sec": 0, "ch": 6})
    length = len(body.encode("utf-8")) if count == "bytes" else None
    assert tcp_client.raw(frame("configure-ap", body, length)) == b'\n\n{"r":0}'
    assert memory.credentials.ssid == "Café ☕ 🐢"


def test_scan_ap_reports_networks_as_a_photon_does(tcp_client, networks):
    networks[:] = [
        {"ssid": "", "password": "", "security": "open"},
        {"ssid": "Old", "password": "pw-old", "security": "wpa_tkip", "channel": 1, "rssi": -80},
        {"ssid": "Wep", "password": "pw-wep", "security": 1, "channel": 3, "rssi": -60},
        {"ssid": "NoSec", "password": "pw-none"},
        {"ssid": "Odd", "password": "pw-odd", "security": "nonsense"},
        {"ssid": "L" * 40, "password": "", "security": "open", "channel": 1, "rssi": -30},
    ]
    answer = tcp_client.raw(frame("scan-ap"))
    assert answer == b'\n\n{"scans":[' + b",".join([
        b'{"ssid":"Old","rssi":-80,"sec":2097154,"ch":1,"mdr":54000}',
        b'{"ssid":"Wep","rssi":-60,"sec":1,"ch":3,"mdr":54000}',
        b'{"ssid":"NoSec","rssi":-56,"sec":4194308,"ch":6,"mdr":72200}',
        b'{"ssid":"' + b"L" * 32 + b'","rssi":-30,"sec":0,"ch":1,"mdr":72200}',
    ]) + b"]}"
    assert b"pw-" not in answer


# --- The bytes on the wire: HTTP ----------------------------------------------------------------

def test_http_answer_is_chunked_json_with_cors(softap):
    raw = TcpClient("127.0.0.1", softap.start()["http_port"]).raw(
        b"GET /version HTTP/1.1\r\nHost: 192.168.0.1\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"HTTP/1.1 200 OK"
    for header in (b"Content-Type: application/json", b"Transfer-Encoding: chunked",
                   b"Access-Control-Allow-Origin: *"):
        assert header in lines
    assert body == b'7\r\n{"v":2}\r\n0\r\n\r\n'


def test_http_post_with_a_character_count(softap, memory):
    """The JS client's Content-Length is `payload.length`, as on TCP."""
    body = compact({"idx": 0, "ssid": "Café ☕ 🐢", "sec": 0}).encode("utf-8")
    request = (b"POST /configure-ap HTTP/1.1\r\nHost: 192.168.0.1\r\n"
               b"Content-Type: application/x-www-form-urlencoded\r\n"
               b"Content-Length: %d\r\n\r\n%s" % (utf16_units(body), body))
    raw = TcpClient("127.0.0.1", softap.start()["http_port"]).raw(request)
    assert raw.endswith(b'\r\n\r\n7\r\n{"r":0}\r\n0\r\n\r\n')
    assert memory.credentials.ssid == "Café ☕ 🐢"


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/set", "nope"), ("GET", "/configure-ap", None), ("GET", "/set", None)])
def test_http_parse_failure_is_an_empty_200(http_client, method, path, body):
    status, headers, answer = http_client.request(method, path, body)
    assert (status, headers["Content-Type"], answer) == (200, "application/json", b"")


@pytest.mark.parametrize("path, status, location, text", [
    ("/", 301, "/index", b""), ("/index", 301, "/hello", b""),
    ("/hello", 200, None, b"Soft AP Setup"), ("/nope", 404, None, b""),
    ("/ant-internal", 404, None, b"")])
def test_http_pages(http_client, path, status, location, text):
    answer_status, headers, answer = http_client.request("GET", path)
    assert (answer_status, headers.get("Location"), answer) == (status, location, text)


# --- Reading a body announced in characters -----------------------------------------------------

def strict_reader(data: bytes):
    """A `read(n)` that fails the test if asked for bytes the client never sent."""
    stream = io.BytesIO(data)

    def read(count: int) -> bytes:
        assert stream.tell() + count <= len(data), "read past the body"
        return stream.read(count)
    return read


@given(st.text(st.characters(exclude_categories=("Cs",))))
def test_read_body_takes_character_or_byte_counts(ssid):
    data = compact({"idx": 0, "ssid": ssid}).encode("utf-8")
    for announced in (len(data), utf16_units(data)):
        assert read_body(strict_reader(data), announced) == data


# --- Parsing requests as the firmware's tokenizer sees them -------------------------------------

request_values = st.dictionaries(
    st.sampled_from(["k", "v"]), st.text(st.characters(exclude_categories=("Cs",))), max_size=2)


@given(request_values, st.sampled_from([None, 0, 2]), st.booleans())
def test_parse_request_returns_strings_as_sent(values, indent, ascii_only):
    """Whatever spacing or escaping the client uses, each value comes back as its raw JSON text."""
    body = json.dumps(values, indent=indent, ensure_ascii=ascii_only)
    expected = {key: json.dumps(value, ensure_ascii=ascii_only)[1:-1]
                for key, value in values.items()}
    assert parse_request(body, SET_KEYS) == expected
