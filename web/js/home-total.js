// The overview's one total: every marketplace's figures in the seller's home currency, each day at
// the ECB's reference rate of that day (the API's `home`; docs/dashboard.md, "Home currency"), above
// the per-currency tiles. Also marks the first paint with data (performance mark "dashboard:data"),
// which the first-paint bench reads (devtools/sellerflow_dev/bench/first_paint_bench.py).
import { h, exact, exactText } from "./dom.js";
import { KPIS, kpiChange, kpiLabel, kpiText } from "./kpis.js";

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

function rateNote(home) {
  const r = home.current_rates;
  const notes = [`${home.source}; each day at its own rate`];
  if (r.substituted.length) {
    const days = r.substituted.length;
    notes.push(`${days} day${days === 1 ? "" : "s"} without a published rate (weekend, holiday or not yet out) use the latest earlier rate`);
  }
  if (r.missing_rates.length) notes.push(`left out, no rate: ${r.missing_rates.join(", ")}`);
  return h("p", { class: "muted", "data-testid": "home-rates" }, notes.join(" · "));
}

/** The home-currency section, or nothing when the API gave none (one currency needs no total). */
export function homeTotal(d) {
  markDataPainted();
  const home = d.home;
  const currencies = new Set(d.totals.map((t) => t.currency));
  if (!home || (currencies.size <= 1 && currencies.has(home.currency))) return null;
  return h(
    "section",
    { class: "kpi-group home-total", "data-testid": "home-total", "data-currency": home.currency },
    h("h3", {}, `All marketplaces in ${home.currency}`),
    h("div", { class: "kpis" }, LINES.map((line) => tile(home, line))),
    rateNote(home),
  );
}

let marked = false;
/** After the first frame that shows the dashboard's figures: the bench's "first paint with data". */
export function markDataPainted() {
  if (marked || typeof performance === "undefined") return;
  marked = true;
  requestAnimationFrame(() => performance.mark("dashboard:data"));
}
