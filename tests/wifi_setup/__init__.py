"""bff/wifi_setup: Wi-Fi setup of Photons with claim codes, from the service to the pages and a browser."""
