"""Field mappings for helpdesk exports (JSON files read by ingest.readers.helpdesk)."""
