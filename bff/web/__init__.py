"""The web channel: the customer pages, sign-in, Wi-Fi setup pages, health, and what every HTTP
channel shares (error pages and the JSON error shape in `errors.py`, shared responses and live-updating pages in `responses.py`)."""
