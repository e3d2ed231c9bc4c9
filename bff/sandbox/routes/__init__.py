"""The sandbox's Flask blueprints: Particle's routes (oauth, customers, devices, products,
events) and the control API under /sandbox/ (control, control_devices); plus the request side
they share: context (the parts of the cloud a request may use), params (body parameters,
flags, paging), caller (the token or client credentials of a request), device_updates."""
