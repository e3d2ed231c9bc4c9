"""bff/particle: the Particle cloud client against the sandbox, its tokens, events and error replies."""
