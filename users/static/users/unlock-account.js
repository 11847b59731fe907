// Lets this network past the account-wide lock when the owner clicks.
"use strict";

window.gqlAuth.confirmButton(document.getElementById("confirm"),
  "mutation($key: String!) { result: unlockAccount(key: $key) { success errors { code message } } }");
