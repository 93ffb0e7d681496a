"""Building projects (issue #21): the reuse mapping TEK17 § 9-7 asks for before a
demolition or a large renovation, its components published as listings ahead of the
demolition, and each project's reuse achieved (the § 9-9 final report)."""
