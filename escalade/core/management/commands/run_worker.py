"""Run the background pollers: ``manage.py run_worker [--once] [--poller NAME …]``.

Run it next to the web server (one or more processes); it stops gracefully on
SIGTERM or SIGINT once the batch in progress is done. ``--once`` runs every
poller one time and exits, for tests and cron.
"""

import signal
import threading
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.core.worker import Worker, select_pollers

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Command(BaseCommand):
    help = "Run the background pollers (webhook deliveries, SLA timers…) until stopped."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="run each poller one time, then exit"
        )
        parser.add_argument(
            "--poller",
            action="append",
            dest="pollers",
            metavar="NAME",
            help="run only this poller (repeat for several)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pollers = select_pollers(options["pollers"])
        except LookupError as exc:
            raise CommandError(str(exc)) from exc
        if not pollers:
            raise CommandError("No poller is registered; is the app that owns one installed?")
        worker = Worker(pollers)
        if options["once"]:
            counts = worker.run_each_once()
            for name, handled in counts.items():
                self.stdout.write(f"{name}: {handled}")
            if worker.failures:
                # Cron and scripts see a failed run; the details are in the log.
                raise CommandError(f"{worker.failures} poller(s) failed; see the log.")
            return
        names = ", ".join(poller.name for poller in pollers)
        self.stdout.write(f"Worker running: {names}. Stop with SIGTERM or Ctrl-C.")
        previous = self._install_stop_handlers(worker)
        try:
            worker.run_forever()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
        self.stdout.write("Worker stopped.")

    def _install_stop_handlers(self, worker: Worker) -> dict[int, Any]:
        # Signal handlers can only be set from the main thread (not when embedded in a thread).
        if threading.current_thread() is not threading.main_thread():
            return {}

        previous: dict[int, Any] = {}

        def on_signal(signum: int, frame: FrameType | None) -> None:
            worker.stop()
            # A second signal is not polite any more: it acts as it would have without us.
            signal.signal(signum, previous[signum])

        for signum in STOP_SIGNALS:
            previous[signum] = signal.signal(signum, on_signal)
        return previous
