"""Importing device IDs into a product in batches: a result per line, worked in the background."""
