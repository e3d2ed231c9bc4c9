"""`python -m bff.sandbox [--host H] [--port P] [--state-file F]`: the sandbox cloud alone."""
from bff.sandbox.cli import sandbox_command

sandbox_command(prog_name="python -m bff.sandbox")
