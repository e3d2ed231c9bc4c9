"""Every text bff answers an SMS command with, in one place (so one test can check them all).

Rules: plain words a 12-year-old reads; what happened and what to do next; plain GSM-7 basic
characters only (no curly quotes, no emoji, none of ^{}[]~|\\ or the euro sign, which cost two);
at most 160 characters once the placeholders are filled with their longest values (`LONGEST`),
so every reply is one SMS segment. `bff.twilio.sender.to_gsm_segment` is applied to every reply
as well, as a last guard for text that comes from elsewhere (device names, error texts).
"""
from __future__ import annotations

from bff import labels
from bff.claims.texts import CLAIMED_FOR_YOU_TEXTS

EXAMPLE = labels.LABEL_CODE_EXAMPLE

# The longest value each placeholder can take (device names are cut to 24 by short_name;
# E.164 numbers have at most 15 digits; Particle claim codes are 63 characters).
LONGEST = {
    "device": "x" * 24,
    "phone": "+" + "9" * 15,
    "name": "n" * 24,
    "code": "c" * 63,
    "minutes": "60",
    "product": "p" * 24,
    "count": "99",
}

# -- general ---------------------------------------------------------------------------------------

MENU = (f"Text CLAIM and the box code to add a device, like CLAIM {EXAMPLE}. "
        "STATUS lists your devices. NAME code newname renames one. CODE gets a Wi-Fi setup code.")
MENU_OPERATOR = (f"Staff: CLAIM {EXAMPLE} or a device ID, add FOR +12015550123 to add it for a "
                 "customer. STATUS, NAME code newname, CODE product, MENU.")
UNKNOWN = ("Sorry, we did not understand that. Text CLAIM and the code on the box, STATUS, "
           "NAME code newname, CODE, or MENU to see what they do.")
WORKING = "Working on it. We will text you the result in a minute or two."
SORRY = "Sorry, something went wrong on our side. Please try again in a few minutes."
TOO_MANY_TEXTS = "You sent many texts in a short time. Please wait 10 minutes, then try again."

# -- CLAIM -------------------------------------------------------------------------------------------

CLAIM_NO_CODE = f"Text CLAIM and the 12-letter code from the box, like CLAIM {EXAMPLE}."
CLAIM_DEVICE_ID = (f"Please text the 12-letter code from the box label, like CLAIM {EXAMPLE}. "
                   "The long device ID does not work here.")
CLAIM_NOT_A_CODE = (f"That does not look like a box code. It has 12 letters and numbers, like {EXAMPLE}. "
                    "Check the box and try again.")
CLAIM_SERIAL_NEXT = f"Text CLAIM and the 12-letter code from the box label, like CLAIM {EXAMPLE}."
CLAIM_FOR_STAFF_ONLY = ("Only staff can add a device for someone else. To add it to your own account, "
                        "text CLAIM and the code on the box.")
CLAIM_FOR_NO_PHONE = f"Add the customer's phone number after FOR, like CLAIM {EXAMPLE} FOR +12015550123."
CLAIMED = "Done: {device} is now yours. Text STATUS to see your devices."
ALREADY_YOURS = "{device} is already yours. There is nothing more to do."
WAITING = "Switch {device} on. It is not online now, so we will finish when it connects and text you."
TRYING = "This is taking longer than usual. We will keep trying and text you when {device} is added."

# Operators claiming FOR a customer: the operator's reply, and the customer's text.
FOR_CLAIMED = "Done: {device} is now on the account of {phone}. We texted them."
FOR_ALREADY = "{device} was already on the account of {phone}. Nothing more to do."
FOR_WAITING = "{device} is off. It goes to {phone} when it connects, and we will text them."
FOR_TRYING = "Still trying to add {device} for {phone}. We will text them when it is done."
# (the customer's own text is the claims service's: bff/claims/texts.py; checked here with the rest)
FOR_CUSTOMER_CLAIMED = CLAIMED_FOR_YOU_TEXTS["claimed"]
FOR_CUSTOMER_WAITING = CLAIMED_FOR_YOU_TEXTS["waiting"]

# -- CODE --------------------------------------------------------------------------------------------

CODE_FOR_PRODUCT = "Your Wi-Fi setup code for {product} (valid {minutes} min): {code}"
CODE_PLAIN = "Your Wi-Fi setup code (valid {minutes} min): {code}"
CODE_UNAVAILABLE = "Wi-Fi setup codes are not available by text yet. Please use the setup page instead."

# -- STATUS ------------------------------------------------------------------------------------------

STATUS_NONE = "You have no devices yet. To add one, text CLAIM and the code on the box."
STATUS_DEVICES = "Your devices: "
STATUS_WAITING = "Waiting to add: "
STATUS_ON, STATUS_OFF, STATUS_UNSEEN = "{device} on", "{device} off", "{device} not seen yet"
STATUS_WAITING_ITEM = "{device}"
STATUS_SWITCH_ON = " (switch on)"
STATUS_MORE = " +{count} more"

# -- NAME --------------------------------------------------------------------------------------------

NAME_HOW = f"Text NAME, the code on the box and the new name, like NAME {EXAMPLE} pump_2."
NAME_NO_NAME = f"Add the new name after the code, like NAME {EXAMPLE} pump_2."
NAME_BAD = f"A name can use letters, numbers, - and _, up to 24. Try again, like NAME {EXAMPLE} pump_2."
NAME_NOT_YOURS = "We could not find that device among yours. Text STATUS to see your devices and their names."
NAME_DONE = "Done: your device is now called {name}."

# Every template above with its placeholders, for the test that checks them all.
TEMPLATES = {name: value for name, value in globals().items()
             if name.isupper() and isinstance(value, str) and name != "EXAMPLE"}
