"""The pages a public service publishes: about, contact, privacy, terms, accessibility."""
