"""Who owns a device, and moving it: release (unclaim in the cloud and in bff), give to another phone."""
