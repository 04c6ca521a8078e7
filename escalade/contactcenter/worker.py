"""The ``acd`` poller: what time alone brings to the ACD, and the dialling of callbacks.

It runs every second but decides only when something is due: ``RoutingVersion``
holds the next instant (a wrap-up that ends, an overflow step, a ring timeout, a
scheduled callback), so an idle contact center costs one small query per second.
Several workers may run: decisions are serialised by the routing lock, and the
reserved callbacks are taken one worker at a time.
"""

from datetime import datetime

from escalade.contactcenter.service import service
from escalade.contactcenter.stats import close_intervals
from escalade.core.worker import Poller


class AcdPoller(Poller):
    name = "acd"
    interval_seconds = 1.0
    batch_size = 100

    def run_once(self, now: datetime) -> int:
        return service.tick(now) + service.dial_reserved_callbacks(now)


class CallbackSweeper(Poller):
    """Callbacks left "dialing" by a process that died before placing the call go back in
    line with their place kept (``service.requeue_stale_callbacks``)."""

    name = "acd-callbacks"
    interval_seconds = 15.0
    batch_size = 20

    def run_once(self, now: datetime) -> int:
        return service.requeue_stale_callbacks(now, limit=self.batch_size)


class IntervalStatsPoller(Poller):
    """Closes the finished 15- and 30-minute intervals into ``IntervalStat`` rows."""

    name = "acd-stats"
    interval_seconds = 30.0
    # Never "a full batch": one run closes every finished interval.
    batch_size = 1_000_000_000

    def run_once(self, now: datetime) -> int:
        return close_intervals(now)
