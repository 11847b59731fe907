// Lets this network past the account-wide lock when the owner clicks.
"use strict";

window.gqlAuth.confirmButton(document.getElementById("confirm"), "unlockAccount");
