// Amazon (locally: the simulator's consent page) sends the browser here after the seller authorized
// Sellerflow: ?state&selling_partner_id&spapi_oauth_code. The signed-in user's token completes the
// connection; the code never leaves this page except to the Sellerflow API.

import { api, currentSession } from "./session.js";

const status = document.getElementById("status");

function show(text, kind) {
  status.className = `state ${kind}`;
  status.textContent = text;
}

function link(href, text) {
  const a = document.createElement("a");
  a.href = href;
  a.textContent = text;
  status.append(" ", a);
}

async function complete() {
  const params = new URLSearchParams(location.search);
  const body = {
    state: params.get("state") || "",
    selling_partner_id: params.get("selling_partner_id") || "",
    spapi_oauth_code: params.get("spapi_oauth_code") || "",
  };
  // Keep the one-time code out of the history and of any later Referer.
  history.replaceState(null, "", location.pathname);
  if (params.get("error")) {
    show(`Amazon did not authorize Sellerflow (${params.get("error")}).`, "error");
    return link("/#/connect", "Try again");
  }
  if (!body.state || !body.selling_partner_id || !body.spapi_oauth_code) {
    show("This page was opened without Amazon's authorization details.", "error");
    return link("/#/connect", "Start the connection again");
  }
  if (!currentSession()) {
    show("Your Sellerflow session ended before Amazon sent you back. Sign in and connect again.", "error");
    return link("/#/signin", "Sign in");
  }
  try {
    const connected = await api("/connect/amazon/callback", { method: "POST", body });
    show("Connected. The first sync has started…", "ok");
    location.replace(`/#/sellers/${encodeURIComponent(connected.seller_id)}`);
  } catch (error) {
    const message =
      error.status === 400 || error.status === 410
        ? "This authorization link has expired or was already used. Start the connection again."
        : error.message;
    show(message, "error");
    link("/#/connect", "Start again");
  }
}

complete();
