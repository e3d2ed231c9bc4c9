#!/usr/bin/env node
// Drives the sandbox Particle cloud with Particle's own JS client, unchanged
// (`new Particle({baseUrl})`), and prints one JSON object with what each call returned.
//
// Configuration (environment): SANDBOX_URL, PRODUCT (id or slug), CLIENT_ID, CLIENT_SECRET,
// DEV_USERNAME, DEV_PASSWORD, CLAIM_DEVICE (an online device of the product),
// IMPORT_DEVICE (a device of the product's platform not yet in the product),
// CUSTOMER_EMAIL (a new customer's email).
// The sandbox control API (/sandbox/...) is called with plain fetch to power a device.
'use strict';

const Particle = require('particle-api-js');

const env = (name) => {
	const value = process.env[name];
	if (!value) {
		throw new Error(`missing environment variable ${name}`);
	}
	return value;
};

const config = {
	baseUrl: env('SANDBOX_URL'),
	product: env('PRODUCT'),
	clientId: env('CLIENT_ID'),
	clientSecret: env('CLIENT_SECRET'),
	username: env('DEV_USERNAME'),
	password: env('DEV_PASSWORD'),
	claimDevice: env('CLAIM_DEVICE'),
	importDevice: env('IMPORT_DEVICE'),
	customerEmail: env('CUSTOMER_EMAIL'),
};

function errorSummary(error) {
	// particle-api-js attaches the fetch response to the parsed error body; keep the JSON only.
	const { response, ...body } = (error && error.body) || {};
	return { statusCode: error.statusCode, body, message: error.message };
}

async function control(path) {
	const response = await fetch(`${config.baseUrl}/sandbox/${path}`, { method: 'POST' });
	if (!response.ok) {
		throw new Error(`control ${path}: ${response.status}`);
	}
}

function firstStatusEvent(stream, deviceId) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error('no spark/status event within 10 s')), 10000);
		stream.on('event', (event) => {
			if (event.name === 'spark/status' && event.coreid === deviceId) {
				clearTimeout(timer);
				resolve(event);
			}
		});
	});
}

async function run() {
	const particle = new Particle({
		baseUrl: config.baseUrl, clientId: config.clientId, clientSecret: config.clientSecret,
	});
	const result = {};
	const owner = await particle.loginAsClientOwner();
	const productToken = owner.body.access_token;
	result.loginAsClientOwner = { statusCode: owner.statusCode, keys: Object.keys(owner.body).sort() };

	const customer = await particle.createCustomer({
		email: config.customerEmail, password: 'customer-password', product: config.product,
	});
	const customerToken = customer.body.access_token;
	result.createCustomer = { statusCode: customer.statusCode, token_type: customer.body.token_type };

	// The developer logs in with the library's default client (particle-api:particle-api).
	const developer = await new Particle({ baseUrl: config.baseUrl })
		.login({ username: config.username, password: config.password });
	result.login = { statusCode: developer.statusCode, expires_in: developer.body.expires_in };

	const listed = await particle.listDevices({ product: config.product, auth: productToken, perPage: 2 });
	result.listDevices = { count: listed.body.devices.length, meta: listed.body.meta,
		hasCustomers: Array.isArray(listed.body.customers) };

	const added = await particle.addDeviceToProduct({
		deviceId: config.importDevice, product: config.product, auth: developer.body.access_token,
	});
	result.addDeviceToProduct = added.body;

	const code = await particle.getClaimCode({ product: config.product, auth: customerToken });
	result.getClaimCode = { length: code.body.claim_code.length, device_ids: code.body.device_ids };

	const claimed = await particle.claimDevice({ deviceId: config.claimDevice, auth: customerToken });
	result.claimDevice = claimed.body;

	const device = await particle.getDevice({ deviceId: config.claimDevice, auth: customerToken });
	result.getDevice = { id: device.body.id, owner: device.body.owner, online: device.body.online,
		platform_id: device.body.platform_id };

	const renamed = await particle.renameDevice({
		deviceId: config.claimDevice, name: 'from_pjs', auth: customerToken,
	});
	result.renameDevice = { name: renamed.body.name };

	const stream = await particle.getEventStream({ deviceId: 'mine', auth: customerToken });
	const statusEvent = firstStatusEvent(stream, config.claimDevice);
	await control(`devices/${config.claimDevice}/offline`);
	const event = await statusEvent;
	stream.abort();
	result.getEventStream = { name: event.name, data: event.data, coreid: event.coreid };

	const removed = await particle.removeDeviceOwner({
		deviceId: config.claimDevice, product: config.product, auth: productToken,
	});
	result.removeDeviceOwner = removed.body;

	try {
		await particle.claimDevice({ deviceId: '000000000000000000000000', auth: customerToken });
		result.claimUnknown = { statusCode: 200 };
	} catch (error) {
		result.claimUnknown = errorSummary(error);
	}
	try {
		await particle.listDevices({ product: config.product, auth: customerToken });
		result.customerOnProductRoute = { statusCode: 200 };
	} catch (error) {
		result.customerOnProductRoute = errorSummary(error);
	}
	return result;
}

run().then((result) => {
	process.stdout.write(`${JSON.stringify(result)}\n`);
	process.exit(0);
}).catch((error) => {
	process.stdout.write(`${JSON.stringify({ failed: error.message || String(error),
		details: errorSummary(error) })}\n`);
	process.exit(1);
});
