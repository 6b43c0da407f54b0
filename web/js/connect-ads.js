// Granting Amazon Ads access for a seller (Login with Amazon, advertising scope). The state Sellerflow
// signs is opaque to the browser, so the seller being connected waits in this tab's sessionStorage
// while Amazon has the user; connect-ads-callback.html takes it back (once).

import { api } from "./session.js";

const SELLER_KEY = "sellerflow.adsConnectSeller";

export async function startAdsConnect(sellerId, region) {
  const query = region ? `?region=${encodeURIComponent(region)}` : "";
  const started = await api(`/sellers/${encodeURIComponent(sellerId)}/connect/amazon-ads${query}`, { accept: "application/json" });
  if (!started || !started.authorize_url) throw new Error("Amazon's sign-in page address is missing.");
  sessionStorage.setItem(SELLER_KEY, sellerId);
  location.assign(started.authorize_url);
}

export function takeAdsConnectSeller() {
  const sellerId = sessionStorage.getItem(SELLER_KEY);
  sessionStorage.removeItem(SELLER_KEY);
  return sellerId;
}
