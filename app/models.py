"""Import every model module so metadata (and Alembic) and outbox handlers see them all."""

from app import (
    audit,  # noqa: F401 - the append-only audit log
    mail,  # noqa: F401 - registers the mail.send outbox handler
)
from app.accounts import models as accounts  # noqa: F401
from app.accounts import sessions as accounts_sessions  # noqa: F401 - user_sessions
from app.accounts import two_factor as accounts_two_factor  # noqa: F401 - TOTP, codes
from app.accounts import verification as accounts_verification  # noqa: F401 - registry check
from app.exchange import models as exchange  # noqa: F401
from app.listings import import_jobs as listing_import_jobs  # noqa: F401 - bulk import jobs
from app.listings import models as listings  # noqa: F401
from app.listings import photos as listing_photos  # noqa: F401 - image-removal handler
from app.matching import handlers as matching_handlers  # noqa: F401 - matching runs
from app.matching import models as matching  # noqa: F401
from app.outbox import OutboxEvent  # noqa: F401
from app.payments import handlers as payment_handlers  # noqa: F401 - Stripe events, refunds
from app.payments import models as payments  # noqa: F401
from app.privacy import export as privacy_export  # noqa: F401 - export job, notification kind
from app.privacy import models as privacy  # noqa: F401
from app.privacy import retention as privacy_retention  # noqa: F401 - the warning's subject
from app.projects import models as projects  # noqa: F401 - building projects (TEK17)
from app.questions import models as questions  # noqa: F401
from app.questions import notify as questions_notify  # noqa: F401 - question kinds
from app.reporting import models as reporting  # noqa: F401
from app.reporting import rollups as reporting_rollups  # noqa: F401 - ledger flush listener
from app.searching import indexer as search_indexer  # noqa: F401 - listing.changed -> index
from app.searching import synonyms as search_synonyms  # noqa: F401 - edits, settings
from app.searching import zero_results as search_zero_results  # noqa: F401
from app.wanted import models as wanted  # noqa: F401
