"""bff/console: the sandbox console's pages and its phone-SMS simulator."""
