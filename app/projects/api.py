"""Projects in the API: placeholder until its helper fills it in (issue #21)."""
