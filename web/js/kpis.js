// The overview's KPI tiles, shared by the per-currency tiles (views.js) and the home-currency total
// (home-total.js): which figures, how each is shown, and its change against the previous period.
import { money, count, ratioPercent, delta, pointsDelta, lowerIsBetter } from "./dom.js";

export const KPIS = [
  ["gross_sales", "Sales", "money"],
  ["orders", "Orders", "count"],
  ["units", "Units", "count"],
  ["refunds", "Refunds", "money"],
  ["amazon_fees", "Amazon fees", "money"],
  ["ad_spend", "Ad spend", "money"],
  ["net_profit", "Net profit", "money"],
  ["margin", "Margin", "ratio"],
];

const COSTS = new Set(["refunds", "amazon_fees", "ad_spend"]);

/** A figure as its tile shows it. */
export function kpiText(kind, value) {
  return kind === "money" ? money(value) : kind === "count" ? count(value) : ratioPercent(value);
}

/** The tile's change line: money and counts through `delta`, a ratio in points; less cost is good. */
export function kpiChange(name, kind, current, previous, hasPrevious, currency) {
  let d;
  if (kind === "ratio") {
    d = pointsDelta(current, previous, { hasPrevious });
  } else {
    const cur = kind === "money" ? current.amount : current;
    const prev = kind === "money" ? previous.amount : previous;
    d = delta(cur, prev, (n) => (kind === "money" ? money({ amount: n, currency }) : count(n)), { hasPrevious });
  }
  return COSTS.has(name) ? lowerIsBetter(d) : d;
}

/** Profit lines say so while some SKUs have no unit cost. */
export function kpiLabel(name, label, cogsComplete) {
  return (name === "net_profit" || name === "margin") && !cogsComplete ? `${label} (excl. missing costs)` : label;
}
