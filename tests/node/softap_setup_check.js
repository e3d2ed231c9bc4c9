'use strict';
// Runs a whole Wi-Fi setup with Particle's own SoftAP client (@particle/softap-setup, unchanged)
// against a simulated Photon on loopback, and prints one JSON line with what the client saw.
//
//   node softap_setup_check.js '{"port": 40123, "protocol": "tcp", "claimCode": "...",
//                                "ssid": "Home", "security": "wpa2_aes", "password": "...", "channel": 6}'
//
// Output: {"ok": true, "device": {...}, "publicKey": "-----BEGIN PUBLIC KEY-----...", "scan": [...],
// "configure": {"r": 0}, "connected": true} or {"ok": false, "error": "...", "step": "..."}.
// Used by tests/sandbox/test_softap_node_client.py.
const SoftAPSetup = require('@particle/softap-setup');

const options = JSON.parse(process.argv[2] || '{}');
const result = { ok: false, protocol: options.protocol || 'tcp' };
let step = 'start';

function finish(error) {
	if (error) {
		result.error = String(error && error.message || error);
		result.step = step;
	} else {
		result.ok = true;
	}
	process.stdout.write(JSON.stringify(result) + '\n');
	process.exit(0);
}

// The library may call a callback twice (checkResponse, then the caller) or throw from a socket
// handler when a response is missing: keep the first answer and report any throw as a failure.
function call(name, ...args) {
	step = name;
	return new Promise(function run(resolve, reject) {
		let answered = false;
		softap[name](...args, function callback(error, value) {
			if (answered) {
				return;
			}
			answered = true;
			if (error) {
				reject(error);
			} else {
				resolve(value);
			}
		});
	});
}

process.on('uncaughtException', finish);

const softap = new SoftAPSetup({ host: options.host || '127.0.0.1', port: options.port,
	protocol: result.protocol });

async function setup() {
	result.device = await call('deviceInfo');
	result.publicKey = await call('publicKey');
	await call('setClaimCode', options.claimCode);
	result.scan = await call('scan');
	result.configure = await call('configure', { ssid: options.ssid, security: options.security,
		password: options.password, channel: options.channel });
	await call('connect');
	result.connected = true;
}

setup().then(function done() {
	finish();
}, finish);
