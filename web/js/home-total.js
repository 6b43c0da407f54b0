// The overview's one total: every marketplace's figures in the seller's home currency, each day at
// the ECB's reference rate of that day (the API's `home`; docs/dashboard.md, "Home currency"), above
// the per-currency tiles. Also marks the first paint with data (performance mark "dashboard:data"),
// which the first-paint bench reads (devtools/sellerflow_dev/bench/first_paint_bench.py).
import { h, exact, exactText, money } from "./dom.js";
import { KPIS, kpiChange, kpiLabel, kpiText } from "./kpis.js";
import { profitAndLoss, plTable } from "./profit.js";

// The overview's tiles; its sales are the P&L's (product sales + shipping credits)
const LINES = KPIS.map(([name, label, kind]) => [name === "gross_sales" ? "sales" : name, label, kind]);

/** Sales as the P&L shows them: product sales + shipping credits (exact decimals). */
function valueOf(kpis, name) {
  if (name === "sales") return { amount: exactText(exact(kpis.gross_sales.amount) + exact(kpis.shipping.amount)), currency: kpis.gross_sales.currency };
  return kpis[name];
}

function tile(home, [name, label, kind]) {
  const cur = valueOf(home.current, name);
  const d = kpiChange(name, kind, cur, valueOf(home.previous, name), home.previous.days_with_data > 0, home.currency);
  return h(
    "div",
    { class: "tile", "data-testid": `home-${name}`, "data-value": kind === "money" ? cur.amount : String(cur ?? "") },
    h("span", { class: "label" }, kpiLabel(name, label, home.current.cogs_complete)),
    h("span", { class: "value" }, kpiText(kind, cur)),
    h("span", { class: `delta ${d.cls}` }, d.text),
  );
}

/** What the home figures rest on: the rates' days, the days that used an earlier day's rates, and
 *  the figures left out for want of a rate (in their own currency: never taken at 1 or 0). */
export function ratesNote(source, r, testid = "home-rates") {
  const notes = [`${source}; each day at its own rate`];
  if (r.rates_from) notes.push(r.rates_from === r.rates_to ? `rates of ${r.rates_from}` : `rates of ${r.rates_from} – ${r.rates_to}`);
  if (r.substituted.length) {
    const days = r.substituted.length;
    notes.push(`${days} day${days === 1 ? "" : "s"} without a published rate (weekend, holiday or not yet out) use the latest earlier rate`);
  }
  const left = (r.unconverted || []).map(
    (u) => `${u.currency} on ${u.days.length} day${u.days.length === 1 ? "" : "s"} (${u.days.slice(0, 3).join(", ")}${u.days.length > 3 ? ", …" : ""}): sales ${money(u.gross_sales)}, net profit ${money(u.net_profit)}`,
  );
  if (left.length) notes.push(`not converted, no reference rate — left out of these figures: ${left.join("; ")}`);
  else if (r.missing_rates.length) notes.push(`left out, no rate: ${r.missing_rates.join(", ")}`);
  return h("p", { class: left.length ? "state warn-box" : "muted", "data-testid": testid }, notes.join(" · "));
}

/** Whether the dashboard has figures worth one total: several currencies, or one that is not home. */
export function homeShown(d) {
  const currencies = new Set(d.totals.map((t) => t.currency));
  return !!d.home && !(currencies.size <= 1 && currencies.has(d.home.currency));
}

/** The home-currency section, or nothing when the API gave none (one currency needs no total). */
export function homeTotal(d) {
  markDataPainted();
  const home = d.home;
  if (!homeShown(d)) return null;
  return h(
    "section",
    { class: "kpi-group home-total", "data-testid": "home-total", "data-currency": home.currency },
    h("h3", {}, `All marketplaces in ${home.currency}`),
    h("div", { class: "kpis" }, LINES.map((line) => tile(home, line))),
    ratesNote(home.source, home.current_rates),
  );
}

/** The P&L of every marketplace in the home currency (above the per-currency ones), or nothing. */
export function homeProfitAndLoss(d, expanded, period) {
  if (!homeShown(d)) return null;
  const home = d.home;
  const pl = profitAndLoss({ currency: home.currency, current: home.current, previous: home.previous });
  return h(
    "div",
    { class: "home-pl", "data-testid": "home-pl" },
    plTable(pl, period, expanded, { key: "home", testid: "pl-home", title: `Profit and loss, all marketplaces in ${home.currency}` }),
    ratesNote(home.source, home.current_rates, "home-pl-rates"),
  );
}

let marked = false;
/** After the first frame that shows the dashboard's figures: the bench's "first paint with data". */
export function markDataPainted() {
  if (marked || typeof performance === "undefined") return;
  marked = true;
  requestAnimationFrame(() => performance.mark("dashboard:data"));
}
