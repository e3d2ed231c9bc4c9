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

# MENU has two pages (each one segment): what everyone starts with, then MENU 2 (after the first claim).
MENU = (f"CLAIM and the box code adds a device: CLAIM {EXAMPLE}. STATUS lists yours. "
        "NAME device newname. CODE: Wi-Fi setup. YES or NO answers us. MENU 2: more")
MENU_OPERATOR = (f"Staff: CLAIM {EXAMPLE} or a device ID, add FOR +12015550123 to add it for a "
                 "customer. STATUS, NAME code newname, CODE product. MENU 2: more")
MENU_2 = ("REMOVE device. GIVE device phone. SHARE device phone. UNSHARE device phone. LEAVE device "
          "(stop seeing it). ASK boxcode (ask its owner). BLOCK device: no asks")
UNKNOWN = ("Sorry, we did not understand that. Text CLAIM and the code on the box, STATUS, "
           "NAME code newname, CODE, or MENU to see what they do.")
WORKING = "Working on it. We will text you the result in a minute or two."
SORRY = "Sorry, something went wrong on our side. Please try again in a few minutes."
TOO_MANY_TEXTS = "You sent many texts in a short time. Please wait 10 minutes, then try again."

# -- CLAIM -------------------------------------------------------------------------------------------

CLAIM_NO_CODE = f"Text CLAIM and the 12-letter code from the box, like CLAIM {EXAMPLE}."
CLAIM_DEVICE_ID = ("The long device ID does not work here. "
                   f"Please text the 12-letter code from the box label, like CLAIM {EXAMPLE}.")
CLAIM_NOT_A_CODE = (f"That does not look like a box code. It has 12 letters and numbers, like {EXAMPLE}. "
                    "Check the box and try again.")
CLAIM_SERIAL_NEXT = f"Text CLAIM and the 12-letter code from the box label, like CLAIM {EXAMPLE}."
CLAIM_FOR_STAFF_ONLY = ("Only staff can add a device for someone else. To add it to your own account, "
                        "text CLAIM and the code on the box.")
CLAIM_FOR_NO_PHONE = f"Add the customer's phone number after FOR, like CLAIM {EXAMPLE} FOR +12015550123."
CLAIM_ASK_OWNER = "This device is on someone else's account. Text ASK {code} to ask the owner for it."
CLAIMED = "Done: {device} is now yours. Text STATUS to see your devices."
ALREADY_YOURS = "{device} is already yours. There is nothing more to do."
WAITING = "{device} is not online now. Switch it on: we will finish when it connects and text you."
TRYING = "This is taking longer than usual. We will keep trying and text you when {device} is added."

# Operators claiming FOR a customer: the operator's reply, and the customer's text.
FOR_CLAIMED = "Done: {device} is now on the account of {phone}. We texted them. Text CLAIM and the next box code to add another."
FOR_ALREADY = "{device} was already on the account of {phone}. Nothing more to do."
FOR_WAITING = ("{device} is off. It goes to {phone} when it connects, and we will text them. "
               "Switch it on to finish now.")
FOR_TRYING = ("Still adding {device} for {phone}: we are having trouble reaching the device cloud. "
              "We will keep trying and text them.")
# An operator's CLAIM ... FOR that is refused: about the customer's account, never "your account".
FOR_HELD = ("{device} is held by another person's open claim, so it cannot go to {phone} now. "
            "Check that claim in the console first.")
FOR_REFUSED = ("We could not add {device} to the account of {phone}. "
               "Open the device in the console to see why.")
# (the customer's own text is the claims service's: bff/claims/texts.py; checked here with the rest)
FOR_CUSTOMER_CLAIMED = CLAIMED_FOR_YOU_TEXTS["claimed"]
FOR_CUSTOMER_WAITING = CLAIMED_FOR_YOU_TEXTS["waiting"]

# -- CODE --------------------------------------------------------------------------------------------

CODE_FOR_PRODUCT = "Wi-Fi setup code for {product}, {minutes} min. Type it in your setup tool: {code}"
CODE_PLAIN = ("Wi-Fi setup code, {minutes} min. Type it in your setup tool with your Wi-Fi name "
              "and password: {code}")
CODE_UNAVAILABLE = "Wi-Fi setup codes are not available by text yet. Please use the setup page instead."

# -- STATUS ------------------------------------------------------------------------------------------

STATUS_NONE = "You have no devices yet. To add one, text CLAIM and the code on the box."
STATUS_DEVICES = "Your devices: "
STATUS_WAITING = "Waiting to add: "
STATUS_ADDING = "Working on adding: "  # claims being tried now (the result is texted)
STATUS_ON, STATUS_OFF, STATUS_UNSEEN = "{device} on", "{device} off", "{device} not seen yet"
STATUS_WAITING_ITEM = "{device}"
STATUS_SWITCH_ON = " (switch on)"
STATUS_MORE = " +{count} more"
STATUS_SHARED = " (shared)"
STATUS_QUESTION = "1 question waiting: reply YES or NO."
STATUS_QUESTIONS = "{count} questions waiting: reply YES 1 or NO 1 (1 is the newest)."

# -- NAME --------------------------------------------------------------------------------------------

NAME_HOW = f"Text NAME, the code on the box and the new name, like NAME {EXAMPLE} pump_2."
NAME_NO_NAME = f"Add the new name after the code, like NAME {EXAMPLE} pump_2."
NAME_BAD = f"A name can use letters, numbers, - and _, up to 24. Try again, like NAME {EXAMPLE} pump_2."
NAME_NOT_YOURS = "We could not find that device among yours. Text STATUS to see your devices and their names."
NAME_DONE = "Done: your device is now called {name}. Text STATUS to see it, and use this name in texts from now on."

# -- after the first claim: naming a device (bff/sms/device_words.py) ------------------------------

DEVICE_NOT_FOUND = ("We could not find {name} among your devices. Text STATUS to see their names, "
                    "or use the code on the box.")
DEVICE_AMBIGUOUS = "More than one of your devices is called {name}. Use the code on its box instead of the name."
CODE_UNKNOWN = "We do not know a device with that box code. Check the code on the label and try again."

# -- REMOVE, GIVE, SHARE, UNSHARE, LEAVE, ASK, BLOCK, ALLOW, YES, NO --------------------------------

REMOVE_HOW = f"Text REMOVE and the device name or box code, like REMOVE pump_2 or REMOVE {EXAMPLE}."
REMOVE_DONE = "Done: {device} is off your account. Pass the box on: its code works for the next owner."
REMOVE_LATER = "We are taking {device} off your account. It can take a few minutes. Text STATUS to check."
GIVE_HOW = "Text GIVE, the device name or box code, then their phone number, like GIVE pump_2 +12015550123."
GIVE_SENT = ("We asked {phone} to take {device}. It stays yours until they reply YES. "
             "We will text you their answer.")
SHARE_HOW = "Text SHARE, the device name or box code, then their phone number, like SHARE pump_2 +12015550123."
SHARE_SENT = "We asked {phone} to share {device}. We will text you their answer. UNSHARE ends it."
UNSHARE_HOW = "Text UNSHARE, the device name or box code, then their phone number, like UNSHARE pump_2 +12015550123."
UNSHARE_DONE = "Done: {device} is no longer shared with {phone}. We told them. Text STATUS to see your devices."
LEAVE_HOW = "Text LEAVE and the name of a device shared with you, like LEAVE pump_2. Text STATUS to see names."
LEAVE_NOT_SHARED = "{device} is yours, not shared with you. To take it off your account, text REMOVE {device}."
LEAVE_DONE = "Done: you no longer see {device}. Its owner keeps it. Text STATUS to see your devices."
ASK_HOW = f"Text ASK and the 12-letter code from the box, like ASK {EXAMPLE}."
ASK_SENT = ("We asked the owner of this device to give it to you. It can take up to 7 days. "
            "We will text you their answer.")
BLOCK_HOW = "Text BLOCK and the device name or box code, like BLOCK pump_2, to stop asks for it."
BLOCK_DONE = "Done: we will pass on no more asks for {device}. To take asks again, text ALLOW {device}."
ALLOW_HOW = "Text ALLOW and the device name or box code, like ALLOW pump_2, to take asks for it again."
ALLOW_DONE = "Done: people with the box code of {device} can ask you for it again. BLOCK {device} stops that."
ANSWER_HOW = "Reply YES or NO, or YES 2 or NO 2 with the number of the question. Text STATUS to see them."

# Every template above with its placeholders, for the test that checks them all.
TEMPLATES = {name: value for name, value in globals().items()
             if name.isupper() and isinstance(value, str) and name != "EXAMPLE"}
