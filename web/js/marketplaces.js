// The marketplaces Sellerflow knows (from sellerflow.marketplaces): name, flag, currency, time zone.
const MARKETPLACES = {
  ATVPDKIKX0DER: { name: "Amazon.com", country: "US", currency: "USD", timeZone: "America/Los_Angeles" },
  A2EUQ1WTGCTBG2: { name: "Amazon.ca", country: "CA", currency: "CAD", timeZone: "America/Los_Angeles" },
  A1PA6795UKMFR9: { name: "Amazon.de", country: "DE", currency: "EUR", timeZone: "Europe/Berlin" },
  A1F83G8C2ARO7P: { name: "Amazon.co.uk", country: "GB", currency: "GBP", timeZone: "Europe/London" },
  A13V1IB3VIYZZH: { name: "Amazon.fr", country: "FR", currency: "EUR", timeZone: "Europe/Paris" },
  A1VC38T7YXB528: { name: "Amazon.co.jp", country: "JP", currency: "JPY", timeZone: "Asia/Tokyo" },
};

export function currencyOf(marketplaceId) {
  return (MARKETPLACES[marketplaceId] || {}).currency || null;
}

export function timeZoneOf(marketplaceId) {
  return (MARKETPLACES[marketplaceId] || {}).timeZone || "UTC";
}

/** The flag emoji of a two-letter country code (regional indicator symbols). */
function flag(country) {
  return [...country].map((c) => String.fromCodePoint(0x1f1e6 + c.charCodeAt(0) - 65)).join("");
}

/** "🇩🇪 Amazon.de" for a known marketplace, the raw id otherwise. */
export function marketplaceName(marketplaceId) {
  const m = MARKETPLACES[marketplaceId];
  return m ? `${flag(m.country)} ${m.name}` : marketplaceId;
}

/** The marketplace's calendar day (YYYY-MM-DD) at `at`, in its own time zone. */
export function localDay(marketplaceId, at = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: timeZoneOf(marketplaceId), year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}
