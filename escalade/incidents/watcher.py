"""The SLA watcher: raises warnings and breaches when they fall due, exactly once each."""

import logging
from datetime import datetime, timedelta

from django.db import transaction

from escalade.core.worker import Poller, claim
from escalade.incidents.models import ACTIVE_STATUSES, Incident
from escalade.incidents.sla import refresh_clocks

logger = logging.getLogger(__name__)
RETRY_BROKEN = timedelta(hours=1)


class SlaPoller(Poller):
    """Looks at the incidents whose next warning or deadline has come.

    ``sla_check_at`` is recomputed by every action and by this poller, so the
    watcher never scans cases with nothing due. Several workers may run: rows are
    claimed with SKIP LOCKED on PostgreSQL, and the SlaEvent unique constraint
    makes a warning or breach happen once even if two workers computed it.
    """

    name = "sla"
    interval_seconds = 15.0
    batch_size = 200

    def run_once(self, now: datetime) -> int:
        handled = 0
        with transaction.atomic():
            due = claim(
                Incident.objects.filter(status__in=ACTIVE_STATUSES, sla_check_at__lte=now)
                .select_related(
                    "contract__plan__calendar", "tier", "queue", "account", "owner__user"
                )
                .order_by("sla_check_at"),
                self.batch_size,
            )
            for incident in due:
                try:
                    with transaction.atomic():
                        refresh_clocks(incident, now=now)
                except Exception:
                    logger.exception("SLA check of %s failed", incident.number)
                    # Look again later rather than spin on a broken case.
                    Incident.objects.filter(pk=incident.pk).update(sla_check_at=now + RETRY_BROKEN)
                handled += 1
        return handled
