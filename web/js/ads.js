// Advertising on the overview: ACOS, TACOS and ROAS tiles and the daily ACOS/TACOS chart, one per
// currency for every marketplace in scope (never only the first marketplace's currency).
//
//   ACOS  = ad spend ÷ ad-attributed sales (14 days)     lower is better
//   TACOS = ad spend ÷ total sales (all sales, ads or not) lower is better
//   ROAS  = ad-attributed sales ÷ ad spend                higher is better (= 1 ÷ ACOS)
//
// `/ads/daily` answers one currency over the marketplaces asked for; the page asks once per
// marketplace (each with its own local-day window) and adds the days of one currency exactly.
// The previous period (the same number of days just before, as the API's `DayRange.previous`) is
// asked at the same time; each tile shows the change with the overview's rule (`dom.js` `delta`:
// a percentage only from a positive base, else the absolute change; ACOS and TACOS in points).

import { h, money, exact, exactText, delta, lowerIsBetter } from "./dom.js";
import { currencyOf, marketplaceName } from "./marketplaces.js";
import { api } from "./session.js";
import { lineChart } from "./charts.js";
import { addDays } from "./profit.js";

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

const dayNumber = (day) => Date.UTC(+day.slice(0, 4), +day.slice(5, 7) - 1, +day.slice(8, 10)) / 86_400_000;

/** The window of equal length just before each window (the API's previous period). */
export function previousWindows(windows) {
  return windows.map((w) => {
    const days = dayNumber(w.end) - dayNumber(w.start) + 1;
    return { marketplace_id: w.marketplace_id, start: addDays(w.start, -days), end: addDays(w.start, -1) };
  });
}

function askDaily(base, windows) {
  return Promise.all(
    windows.map((w) =>
      api(`${base}/ads/daily`, { query: { from: w.start, to: w.end, marketplace: w.marketplace_id } }).then((series) => ({ marketplace_id: w.marketplace_id, series })),
    ),
  ).then(adsByCurrency);
}

/** Asks /ads/daily for every window (one per marketplace) and, in parallel, for the previous
 *  period's; each currency's group carries its `previous` group (null when that failed or has
 *  nothing). A 404 (ads not built) → null. */
export function loadAds(base, windows) {
  const before = askDaily(base, previousWindows(windows)).catch(() => null); // the change only
  return Promise.all([askDaily(base, windows), before]).then(
    ([groups, previous]) => groups.map((g) => ({ ...g, previous: (previous || []).find((p) => p.currency === g.currency) || null })),
    (error) => {
      if (error.status === 404) return null;
      throw error;
    },
  );
}

const hasData = (g) => Boolean(g) && g.days.some((d) => d.cost !== 0n || d.ad_sales !== 0n);

const pct = (r) => (r === null ? "—" : `${(r * 100).toFixed(1)}%`);
const times = (r) => (r === null ? "—" : `${r.toFixed(2)}×`);

const NO_PREVIOUS = { text: "no previous data", cls: "flat" };
const LOWER_IS_BETTER = new Set(["cost", "acos", "tacos"]);

/** The change of one tile against the previous period's group `prev` (null: none to compare with). */
export function adsChange(name, g, prev) {
  if (!hasData(prev)) return NO_PREVIOUS;
  let d;
  if (name === "cost" || name === "ad_sales") {
    d = delta(g[name], prev[name], (n) => money({ amount: n, currency: g.currency }));
  } else if (name === "roas") {
    d = g.roas === null || prev.roas === null ? NO_PREVIOUS : delta(g.roas.toFixed(6), prev.roas.toFixed(6), (n) => `${n.toFixed(2)}×`);
  } else {
    if (g[name] === null || prev[name] === null) return NO_PREVIOUS;
    const points = (g[name] - prev[name]) * 100; // a percentage's change, in points (as the margin's)
    const shown = Math.abs(points).toFixed(1);
    const flat = shown === "0.0";
    d = { text: `${flat ? "■ " : points > 0 ? "▲ +" : "▼ −"}${shown} pts vs previous`, cls: flat ? "flat" : points > 0 ? "up" : "down" };
  }
  return LOWER_IS_BETTER.has(name) ? lowerIsBetter(d) : d;
}

function tile(name, label, value, raw, g, hint) {
  const d = adsChange(name, g, g.previous);
  return h(
    "div",
    { class: "tile", "data-testid": `ads-${name}`, "data-currency": g.currency, "data-value": raw === null ? "" : String(raw), title: hint },
    h("span", { class: "label" }, label),
    h("span", { class: "value", "data-testid": "kpi-value" }, value),
    h("span", { class: `delta ${d.cls}`, "data-testid": "ads-change" }, d.text),
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
          tile("cost", "Ad spend", money({ amount: g.cost, currency: g.currency }), g.cost, g, "Amazon Ads cost"),
          tile("ad_sales", "Ad sales (attributed, 14 days)", money({ amount: g.ad_sales, currency: g.currency }), g.ad_sales, g, "attributed, 14 days"),
          tile("acos", "ACOS", pct(g.acos), g.acos, g, "ad spend ÷ ad sales"),
          tile("tacos", "TACOS", pct(g.tacos), g.tacos, g, "ad spend ÷ total sales"),
          tile("roas", "ROAS", times(g.roas), g.roas, g, "ad sales ÷ ad spend"),
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
