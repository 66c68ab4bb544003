"""BankID's recommended user messages (RFA1…RFA23) and which hintCode or errorCode shows which."""

from __future__ import annotations

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

RFA: dict[str, Promise] = {
    "RFA1": _("Starta BankID-appen."),
    "RFA2": _("Du har inte BankID-appen installerad. Kontakta din bank."),
    "RFA3": _("Åtgärden avbruten. Försök igen."),
    "RFA4": _("En identifiering eller underskrift för det här personnumret är redan påbörjad. Försök igen."),
    "RFA5": _("Internt tekniskt fel. Försök igen."),
    "RFA6": _("Åtgärden avbruten."),
    "RFA8": _(
        "BankID-appen svarar inte. Kontrollera att den är startad och att du har internetanslutning. "
        "Om du inte har något giltigt BankID kan du skaffa ett hos din bank. Försök sedan igen."
    ),
    "RFA9": _("Skriv in din säkerhetskod i BankID-appen och välj Identifiera."),
    "RFA13": _("Försöker starta BankID-appen."),
    "RFA14A": _(
        "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID har "
        "hittats har du sannolikt inget BankID som går att använda för den aktuella identifieringen i den här "
        "datorn. Om du har ett BankID-kort, sätt in det i kortläsaren. Om du inte har något BankID kan du skaffa "
        "ett hos din bank. Om du har ett BankID på en annan enhet kan du starta din BankID-app där."
    ),
    "RFA14B": _(
        "Söker efter BankID, det kan ta en liten stund … Om det har gått några sekunder och inget BankID har "
        "hittats har du sannolikt inget BankID som går att använda för den aktuella identifieringen i den här "
        "enheten. Om du inte har något BankID kan du skaffa ett hos din bank. Om du har ett BankID på en annan "
        "enhet kan du starta din BankID-app där."
    ),
    "RFA16": _(
        "Det BankID du försöker använda är för gammalt eller spärrat. Använd ett annat BankID eller skaffa ett "
        "nytt hos din bank."
    ),
    "RFA17A": _(
        "BankID-appen verkar inte finnas i din dator eller telefon. Installera den och skaffa ett BankID hos din "
        "bank. Installera appen från din appbutik eller https://install.bankid.com."
    ),
    "RFA17B": _(
        "Misslyckades att läsa av QR-koden. Starta BankID-appen och läs av QR-koden. Kontrollera att "
        "BankID-appen är uppdaterad. Om du inte har BankID-appen måste du installera den och skaffa ett BankID "
        "hos din bank. Installera appen från din appbutik eller https://install.bankid.com."
    ),
    "RFA21": _("Identifiering pågår."),
    "RFA22": _("Okänt fel. Försök igen."),
    "RFA23": _("Fotografera och läs av din ID-handling med BankID-appen."),
    # Not an RFA code: our own refusal when BankID rates the order's risk as high.
    "RISK": _("Inloggningen stoppades av säkerhetsskäl. Försök igen från din egen enhet, eller kontakta förskolan."),
}


def message_for(*, status: str, hint_code: str = "", error_code: str = "", mode: str = "qr") -> str:
    """Return the RFA code for a collect answer or an error, following BankID's guidelines.

    `mode` is "qr" (BankID on another device) or "autostart" (BankID on this device).
    """
    if error_code:
        if error_code == "alreadyInProgress":
            return "RFA4"
        if error_code in {"requestTimeout", "maintenance", "internalError", "transport"}:
            return "RFA5"
        return "RFA22"
    if status == "pending":
        if hint_code == "outstandingTransaction":
            return "RFA13" if mode == "autostart" else "RFA1"
        if hint_code == "noClient":
            return "RFA1"
        if hint_code == "started":
            return "RFA14B" if mode == "autostart" else "RFA14A"
        if hint_code == "userMrtd":
            return "RFA23"
        if hint_code == "userSign":
            return "RFA9"
        return "RFA21"
    if status == "failed":
        if hint_code == "expiredTransaction":
            return "RFA8"
        if hint_code == "certificateErr":
            return "RFA16"
        if hint_code == "userCancel":
            return "RFA6"
        if hint_code in {"cancelled", "userDeclinedCall"}:
            return "RFA3"
        if hint_code == "startFailed":
            return "RFA17A" if mode == "autostart" else "RFA17B"
        return "RFA22"
    return "RFA21"
