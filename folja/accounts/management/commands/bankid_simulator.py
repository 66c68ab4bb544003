"""Run the BankID simulator for development: `manage.py bankid_simulator --port 18443`."""

from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from folja.accounts.bankid import testpki
from folja.accounts.bankid.simulator import BankIDSimulator


class Command(BaseCommand):
    help = "Run a BankID RP API v6.0 simulator over mTLS on 127.0.0.1, with a page that acts as the phone."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--port", type=int, default=18443, help="port of the RP API (mTLS)")
        parser.add_argument("--device-port", type=int, default=18444, help="port of the simulated phone (HTTP)")
        parser.add_argument("--dir", default=str(settings.VAR_DIR / "bankid-simulator"), help="where certificates go")

    def handle(self, *args: object, **options: object) -> None:
        """Generate certificates, print the settings to use, and serve until interrupted."""
        pki = testpki.generate(Path(str(options["dir"])))
        sim = BankIDSimulator(
            server_cert=pki.server_cert, server_key=pki.server_key, client_ca=pki.ca_cert, port=int(options["port"])
        ).start()
        device_port = int(options["device_port"])
        sim.serve_device_page("127.0.0.1", device_port)
        self.stdout.write("BankID simulator running. Start Följa with:\n")
        self.stdout.write(f"  FOLJA_BANKID_URL={sim.url}")
        self.stdout.write(f"  FOLJA_BANKID_CERT={pki.client_cert}")
        self.stdout.write(f"  FOLJA_BANKID_KEY={pki.client_key}")
        self.stdout.write(f"  FOLJA_BANKID_CA={pki.ca_cert}")
        self.stdout.write(f"  FOLJA_BANKID_APP_URL=http://127.0.0.1:{device_port}/")
        self.stdout.write(f"The phone: http://127.0.0.1:{device_port}/ (scan the QR code or open the autostart link)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            sim.stop()
