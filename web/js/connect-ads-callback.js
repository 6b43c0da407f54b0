// Login with Amazon (locally: the simulator's /ap/oa) sends the browser here after the owner allowed
// Sellerflow to read their advertising data: ?code&scope&state (or ?error). The seller it is for was
// kept in sessionStorage when the owner left (connect-ads.js); the signed-in user's token completes
// the grant. The code never leaves this page except to the Sellerflow API.

import { api, currentSession } from "./session.js";
import { takeAdsConnectSeller } from "./connect-ads.js";

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
  const body = { state: params.get("state") || "", code: params.get("code") || "" };
  const sellerId = takeAdsConnectSeller();
  // Keep the one-time code out of the history and of any later Referer.
  history.replaceState(null, "", location.pathname);
  const back = sellerId ? `/#/sellers/${encodeURIComponent(sellerId)}` : "/#/";
  if (params.get("error")) {
    show(`Amazon did not give Sellerflow access to your advertising data (${params.get("error")}).`, "error");
    return link(back, "Back to the seller");
  }
  if (!sellerId) {
    show("This page was opened without a connection in progress in this tab.", "error");
    return link("/#/", "Start again from the seller's overview");
  }
  if (!body.state || !body.code) {
    show("This page was opened without Amazon's authorization details.", "error");
    return link(back, "Start again");
  }
  if (!currentSession()) {
    show("Your Sellerflow session ended before Amazon sent you back. Sign in and connect Amazon Ads again.", "error");
    return link("/#/signin", "Sign in");
  }
  try {
    await api(`/sellers/${encodeURIComponent(sellerId)}/connect/amazon-ads/callback`, { method: "POST", body });
    show("Amazon Ads connected. Advertising data arrives with the next sync…", "ok");
    location.replace(back);
  } catch (error) {
    const message =
      error.status === 400 || error.status === 403
        ? "This authorization has expired or was already used. Connect Amazon Ads again."
        : error.message;
    show(message, "error");
    link(back, "Back to the seller");
  }
}

complete();
