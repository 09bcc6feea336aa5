"""DiffuCode model server on Ray Serve (see docs/serving.md)."""
