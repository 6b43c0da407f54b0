// Advertising on the overview: ACOS, TACOS and ROAS tiles and the daily ACOS/TACOS chart, one per
// currency for every marketplace in scope (never only the first marketplace's currency).
//
//   ACOS  = ad spend ÷ ad-attributed sales (14 days)     lower is better
//   TACOS = ad spend ÷ total sales (all sales, ads or not) lower is better
//   ROAS  = ad-attributed sales ÷ ad spend                higher is better (= 1 ÷ ACOS)
//
// `/ads/daily` answers one currency over the marketplaces asked for; the page asks once per
// marketplace (each with its own local-day window) and adds the days of one currency exactly.

import { h, money, exact, exactText } from "./dom.js";
import { currencyOf, marketplaceName } from "./marketplaces.js";
import { api } from "./session.js";
import { lineChart } from "./charts.js";

const SCALE = 1_000_000n;

/** a ÷ b of two exact amounts (micro-units) as a number, null when b is zero. */
export function ratio(a, b) {
  const num = exact(a);
  const den = exact(b);
  if (den === 0n) return null;
  return Number((num * SCALE * 100n) / den) / Number(SCALE * 100n);
}

/** The answers of /ads/daily per marketplace → per currency: the days (summed across the
 *  currency's marketplaces) and the period's sums and ratios. */
export function adsByCurrency(answers) {
  const groups = new Map();
  for (const { marketplace_id: mid, series } of answers) {
    const currency = series.currency || currencyOf(mid);
    if (!groups.has(currency)) groups.set(currency, { currency, marketplaces: [], days: new Map() });
    const g = groups.get(currency);
    g.marketplaces.push(mid);
    for (const d of series.days) {
      const day = g.days.get(d.day) || { day: d.day, cost: 0n, ad_sales: 0n, total_sales: 0n };
      day.cost += exact(d.cost);
      day.ad_sales += exact(d.ad_sales);
      day.total_sales += exact(d.total_sales);
      g.days.set(d.day, day);
    }
  }
  return [...groups.values()].map((g) => {
    const days = [...g.days.values()].sort((a, b) => (a.day < b.day ? -1 : 1));
    const sum = (k) => days.reduce((n, d) => n + d[k], 0n);
    const cost = sum("cost");
    const adSales = sum("ad_sales");
    const totalSales = sum("total_sales");
    return {
      currency: g.currency,
      marketplaces: g.marketplaces,
      days,
      cost: exactText(cost),
      ad_sales: exactText(adSales),
      total_sales: exactText(totalSales),
      acos: ratio(cost, adSales),
      tacos: ratio(cost, totalSales),
      roas: ratio(adSales, cost),
    };
  });
}

/** Asks /ads/daily for every window (one per marketplace). A 404 (ads not built) → null. */
export function loadAds(base, windows) {
  return Promise.all(
    windows.map((w) =>
      api(`${base}/ads/daily`, { query: { from: w.start, to: w.end, marketplace: w.marketplace_id } }).then((series) => ({ marketplace_id: w.marketplace_id, series })),
    ),
  ).then(adsByCurrency, (error) => {
    if (error.status === 404) return null;
    throw error;
  });
}

const pct = (r) => (r === null ? "—" : `${(r * 100).toFixed(1)}%`);
const times = (r) => (r === null ? "—" : `${r.toFixed(2)}×`);

function tile(name, label, value, raw, currency, hint) {
  return h(
    "div",
    { class: "tile", "data-testid": `ads-${name}`, "data-currency": currency, "data-value": raw === null ? "" : String(raw), title: hint },
    h("span", { class: "label" }, label),
    h("span", { class: "value", "data-testid": "kpi-value" }, value),
    h("span", { class: "delta flat" }, hint),
  );
}

/** Tiles and the chart, one block per currency. */
export function adsSection(groups) {
  return h(
    "div",
    {},
    groups.map((g) =>
      h(
        "section",
        { class: "kpi-group", "data-testid": "ads-group", "data-currency": g.currency },
        h("h3", {}, `${g.currency} · ${g.marketplaces.map(marketplaceName).join(", ")}`),
        h(
          "div",
          { class: "kpis" },
          tile("cost", "Ad spend", money({ amount: g.cost, currency: g.currency }), g.cost, g.currency, "Amazon Ads cost"),
          tile("ad_sales", "Ad sales", money({ amount: g.ad_sales, currency: g.currency }), g.ad_sales, g.currency, "attributed, 14 days"),
          tile("acos", "ACOS", pct(g.acos), g.acos, g.currency, "ad spend ÷ ad sales"),
          tile("tacos", "TACOS", pct(g.tacos), g.tacos, g.currency, "ad spend ÷ total sales"),
          tile("roas", "ROAS", times(g.roas), g.roas, g.currency, "ad sales ÷ ad spend"),
        ),
        g.days.some((d) => d.ad_sales !== 0n || d.cost !== 0n)
          ? lineChart({
              title: `ACOS and TACOS (${g.currency})`,
              days: g.days.map((d) => d.day),
              series: [
                { name: "ACOS", cls: "s1", values: g.days.map((d) => (ratio(d.cost, d.ad_sales) === null ? null : ratio(d.cost, d.ad_sales) * 100)) },
                { name: "TACOS", cls: "s2", values: g.days.map((d) => (ratio(d.cost, d.total_sales) === null ? null : ratio(d.cost, d.total_sales) * 100)) },
              ],
              format: (v) => `${Number(v).toFixed(1)}%`,
              testid: "chart-acos",
            })
          : h("p", { class: "state empty" }, `No ad spend in ${g.currency} in this period.`),
      ),
    ),
  );
}
