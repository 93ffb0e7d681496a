"""Code that more than one domain uses in the same way (listings and wanted requests)."""
