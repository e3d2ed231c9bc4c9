"""bff/labels: label codes, QR tags, QR images, label sheets and the label commands."""
