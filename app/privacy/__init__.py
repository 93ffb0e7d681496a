"""Personal data (GDPR): download my data, delete my account, retention, record of processing."""
