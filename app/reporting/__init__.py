"""Municipal reporting: roll-ups of the reuse ledger, the EU 2021/19 table, exports,
the dashboard, an organisation's own figures and the public open data.

Every figure is summed from the append-only ledger (``app.exchange.models.ReuseRecord``),
reversals included, so a period's total is always the corrected one. Fast pages read
daily roll-ups (``app.reporting.models``) that a flush listener keeps in the ledger's own
transaction (``app.reporting.rollups``); ``direct`` sums the ledger itself, for checks.
Periods are Europe/Oslo calendar dates.
"""
