// The home currency of the overview's one total (GET/PUT /sellers/{id}/settings/currency): the
// current one, a select of the seller's marketplaces' currencies, the common ones and the rest of
// the ECB's, and Save for owners (read-only for every other role; the API allows owners only).
import { h, clear } from "./dom.js";
import { api } from "./session.js";
import { currencyOf } from "./marketplaces.js";

const COMMON = ["USD", "EUR", "GBP", "JPY", "CAD", "AUD", "CHF", "SEK", "PLN", "MXN", "INR"];
const DEFAULT = ""; // the select's value for null: the main marketplace's currency

/** Options in three groups: the seller's marketplaces', the common ones, every other the API accepts. */
function options(d, marketplaceIds) {
  const accepted = new Set(d.choices || []);
  const selected = d.chosen ? d.home_currency : DEFAULT;
  const own = [...new Set(marketplaceIds.map(currencyOf).filter((c) => c && accepted.has(c)))];
  const common = COMMON.filter((c) => accepted.has(c) && !own.includes(c));
  const rest = [...accepted].filter((c) => !own.includes(c) && !common.includes(c)).sort();
  const option = (c) => h("option", { value: c, selected: c === selected }, c);
  return [
    h("option", { value: DEFAULT, selected: selected === DEFAULT }, `Default: ${d.default} (main marketplace)`),
    own.length ? h("optgroup", { label: "Your marketplaces" }, own.map(option)) : null,
    common.length ? h("optgroup", { label: "Common" }, common.map(option)) : null,
    rest.length ? h("optgroup", { label: "Other" }, rest.map(option)) : null,
  ];
}

function current(d) {
  return h(
    "p",
    { "data-testid": "home-currency-current" },
    "Totals are shown in ",
    h("strong", {}, d.home_currency),
    d.chosen ? " (chosen)." : " (the main marketplace's, by default).",
  );
}

/** Renders the panel into `body` from the API's answer `d`; `reload` re-reads it after a save. */
export function homeCurrencyView(d, base, seller, reload, saved = false) {
  const intro = h("p", { class: "muted" }, "The overview totals every marketplace in this currency, each day at the ECB's reference rate; the per-currency figures stay below it.");
  if (seller.role !== "owner") {
    return h("div", {}, intro, current(d), h("p", { class: "muted", "data-testid": "home-currency-readonly" }, "Only owners can change it."));
  }
  const select = h("select", { name: "home_currency", "aria-label": "Home currency", "data-testid": "home-currency-select" }, options(d, seller.marketplace_ids || []));
  const status = h("p", { class: saved ? "state ok" : "state", role: "status", "data-testid": "home-currency-status", hidden: !saved }, saved ? "Saved." : "");
  const form = h("form", { class: "inline-form", "data-testid": "home-currency-form" }, select, h("button", { type: "submit" }, "Save"));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    status.hidden = true;
    try {
      await api(`${base}/settings/currency`, { method: "PUT", body: { home_currency: select.value === DEFAULT ? null : select.value } });
      reload(true);
    } catch (error) {
      status.hidden = false;
      status.className = "state error";
      status.setAttribute("role", "alert");
      clear(status, error.message);
    }
  });
  return h("div", {}, intro, current(d), form, status);
}
