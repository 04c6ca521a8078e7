"""``manage.py simulate_calls``: play simulated callers through the CTI actions and the ACD."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from escalade.contactcenter.host import AcdInvalid, AcdRefused
from escalade.telephony.simulator import (
    Clock,
    RealClock,
    Settings,
    SimulatorError,
    VirtualClock,
    simulate,
)


class Command(BaseCommand):
    help = (
        "Simulate inbound calls to a queue, through the same actions as a PBX bridge: the ACD "
        "rings available agents (their consoles pop the caller), simulated phones answer, "
        "callers hang up after talking or when their patience runs out."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--rate", type=float, default=6.0, help="Calls per minute (6).")
        parser.add_argument(
            "--minutes", type=float, default=5.0, help="How long callers arrive (5)."
        )
        parser.add_argument("--talk", type=float, default=120.0, help="Mean talk seconds (120).")
        parser.add_argument("--seed", type=int, default=1, help="Random seed (1).")
        parser.add_argument("--queue", default="", help="Queue name (default: one with agents).")
        parser.add_argument(
            "--agents", type=int, default=0, help="Log in this many agents of the queue first."
        )
        parser.add_argument(
            "--speed",
            type=float,
            default=1.0,
            help="Time runs this many times faster (1: real time); 0: as fast as possible.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        settings = Settings(
            rate=options["rate"],
            minutes=options["minutes"],
            talk=options["talk"],
            seed=options["seed"],
            queue=options["queue"],
            agents=options["agents"],
        )
        speed = options["speed"]
        if speed < 0:
            raise CommandError("--speed must be 0 or more.")
        clock: Clock = VirtualClock() if speed == 0 else RealClock(speed)
        try:
            outcome = simulate(settings, clock=clock, progress=self.stderr.write)
        except (SimulatorError, AcdInvalid, AcdRefused) as exc:
            raise CommandError(str(exc)) from exc
        if outcome.interrupted:
            self.stderr.write("Interrupted: the calls still live were ended.")
        self.stdout.write(outcome.summary())
