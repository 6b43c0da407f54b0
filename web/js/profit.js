// The overview's profit screens: the periods (resolved in each marketplace's own calendar, as the
// API does, so the requests of one period can start together), the P&L of a period against its
// comparison, and the profit-per-SKU table with sorting, filtering and CSV export.
//
// Every amount is added exactly (decimal strings → integers of 10⁻⁶, dom.js `exact`), so each line
// of the P&L is the sum of the lines beneath it and equals the API's figure to the cent.

import { h, clear, money, count, ratioPercent, delta, pointsDelta, lowerIsBetter, exact, exactSum, exactText, toNumber, downloadCsv } from "./dom.js";
import { localDay, marketplaceName } from "./marketplaces.js";

// --- periods ------------------------------------------------------------------------------------
export const PERIODS = [
  ["today", "Today"],
  ["yesterday", "Yesterday"],
  ["last7", "Last 7 days"],
  ["last30", "Last 30 days"],
  ["last90", "Last 90 days"],
  ["mtd", "Month to date"],
  ["lastmonth", "Last month"],
  ["custom", "Custom…"],
];

export function addDays(day, n) {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

const LAST = { last7: 7, last30: 30, last90: 90 };

/** [start, end] of a named period relative to a marketplace's `today` (sellerflow.analytics.ranges). */
export function resolvePeriod(name, today) {
  if (name === "today") return { start: today, end: today };
  if (name === "yesterday") return { start: addDays(today, -1), end: addDays(today, -1) };
  if (name === "mtd") return { start: `${today.slice(0, 8)}01`, end: today };
  if (name === "lastmonth") {
    const end = addDays(`${today.slice(0, 8)}01`, -1);
    return { start: `${end.slice(0, 8)}01`, end };
  }
  return { start: addDays(today, -(LAST[name] || 30) + 1), end: today };
}

/**
 * The current window of each marketplace in scope, and the dashboard's query for the period.
 * "Last month" is not one of the API's named ranges: it is sent as a custom range of the first
 * marketplace's last calendar month (the same days for every marketplace, as a custom range is).
 */
export function periodPlan(name, marketplaceIds, now = new Date(), custom = null) {
  if (name === "custom" && custom) {
    return {
      query: { range: "custom", from: custom.from, to: custom.to },
      windows: marketplaceIds.map((m) => ({ marketplace_id: m, start: custom.from, end: custom.to })),
    };
  }
  if (name === "lastmonth") {
    const span = resolvePeriod(name, localDay(marketplaceIds[0] || "", now));
    return {
      query: { range: "custom", from: span.start, to: span.end },
      windows: marketplaceIds.map((m) => ({ marketplace_id: m, ...span })),
    };
  }
  return {
    query: { range: name },
    windows: marketplaceIds.map((m) => ({ marketplace_id: m, ...resolvePeriod(name, localDay(m, now)) })),
  };
}

/** The dashboard's own windows, in periodPlan's shape (to check a plan made before it answered). */
export function windowsOf(dashboard) {
  return dashboard.marketplaces.map((w) => ({ marketplace_id: w.marketplace_id, start: w.current.start, end: w.current.end }));
}

export const sameWindows = (a, b) => JSON.stringify(a) === JSON.stringify(b);

// --- the P&L ------------------------------------------------------------------------------------
/** Fees Amazon charges the account rather than an order (as `rollups.account_row_of_fee` names them). */
const isAccountFee = (type) => type.startsWith("Subscription") || type.includes("Storage");

/** "FBAPerUnitFulfillmentFee" → "FBA per unit fulfillment fee". */
export function feeName(type) {
  const words = type.replace(/([a-z])([A-Z])/g, "$1 $2").replace(/([A-Z]+)([A-Z][a-z])/g, "$1 $2").split(" ");
  return words.map((w, i) => (i && !/^[A-Z]{2,}$/.test(w) ? w.toLowerCase() : w)).join(" ");
}

const amountOf = (k, name) => (k && k[name] ? k[name].amount : "0");
const feeAmount = (k, type) => (k && k.amazon_fees_by_type && k.amazon_fees_by_type[type] ? k.amazon_fees_by_type[type].amount : "0");
const neg = (v) => -exact(v);

/** A P&L line: its value in the current and previous period (signed: costs negative), and its parts. */
function line(id, label, cur, prev, children = []) {
  return { id, label, cur, prev, children };
}

function group(id, label, children) {
  return line(id, label, children.reduce((a, c) => a + c.cur, 0n), children.reduce((a, c) => a + c.prev, 0n), children);
}

function feeLines(prefix, types, cur, prev) {
  return types.map((t) => line(`${prefix}:${t}`, feeName(t), neg(feeAmount(cur, t)), neg(feeAmount(prev, t))));
}

/** The P&L of one currency: the tree of lines, then the ratios and the payout. */
export function profitAndLoss(totals) {
  const cur = totals.current;
  const prev = totals.previous;
  const types = [...new Set([...Object.keys(cur.amazon_fees_by_type || {}), ...Object.keys(prev.amazon_fees_by_type || {})])].sort();
  const selling = types.filter((t) => !isAccountFee(t));
  const account = types.filter(isAccountFee);
  const sales = (p = "") =>
    group(`${p}sales`, "Sales", [
      line(`${p}product_sales`, "Product sales", exact(amountOf(cur, "gross_sales")), exact(amountOf(prev, "gross_sales"))),
      line(`${p}shipping`, "Shipping credits", exact(amountOf(cur, "shipping")), exact(amountOf(prev, "shipping"))),
    ]);
  const promotions = (p = "") => line(`${p}promotions`, "Promotions", neg(amountOf(cur, "promotions")), neg(amountOf(prev, "promotions")));
  const refunds = (p = "") => line(`${p}refunds`, "Refunds", neg(amountOf(cur, "refunds")), neg(amountOf(prev, "refunds")));
  const missing = !cur.cogs_complete;
  const excl = missing ? " (excl. missing costs)" : "";
  const gross = group(`gross_profit`, `Gross profit${excl}`, [
    sales(),
    promotions(),
    refunds(),
    group("amazon_fees", "Amazon fees", feeLines("fee", selling, cur, prev)),
    line("ad_spend", "Advertising", neg(amountOf(cur, "ad_spend")), neg(amountOf(prev, "ad_spend"))),
    line("cogs", `Cost of goods (COGS)${missing ? " — some SKUs have no cost" : ""}`, neg(amountOf(cur, "cogs")), neg(amountOf(prev, "cogs"))),
  ]);
  const other = group("other_costs", "Other costs (subscription, storage)", feeLines("account", account, cur, prev));
  const net = group("net_profit", `Net profit${excl}`, [gross, other]);
  const payout = group("estimated_payout", "Expected payout", [
    sales("payout-"),
    promotions("payout-"),
    refunds("payout-"),
    group("payout-fees", "Amazon fees, all", feeLines("payout-fee", types, cur, prev)),
  ]);
  const revenue = (k) => exactSum([amountOf(k, "gross_sales"), amountOf(k, "shipping")]) - exact(amountOf(k, "promotions"));
  const roi = (profit, cogs) => (cogs > 0n ? toNumber(profit) / toNumber(cogs) : null);
  return {
    currency: totals.currency,
    net,
    payout,
    missing,
    hasPrevious: prev.days_with_data > 0,
    ratios: [
      { id: "margin", label: `Margin${excl}`, cur: cur.margin, prev: prev.margin, base: [revenue(cur), revenue(prev)] },
      { id: "roi", label: `ROI (net profit ÷ COGS)${excl}`, cur: roi(net.cur, exact(amountOf(cur, "cogs"))), prev: roi(net.prev, exact(amountOf(prev, "cogs"))) },
    ],
  };
}

const show = (v, currency) => money({ amount: exactText(v), currency });

function changeCell(cur, prev, currency, hasPrevious, costLike) {
  // A cost's base is its size: fees of 100 → 120 is +20 % (and shown as bad).
  const change = delta(costLike ? -cur : cur, costLike ? -prev : prev, (n) => money({ amount: n, currency }), { hasPrevious });
  const d = costLike ? lowerIsBetter(change) : change;
  return h("td", { class: `num delta ${d.cls}`, "data-testid": "pl-change" }, d.text);
}

function plRows(node, pl, depth, parent, expanded, rows) {
  const open = expanded.has(node.id);
  const hasChildren = node.children.length > 0;
  // Subtotals (gross and net profit) list their parts above them, the way a P&L reads;
  // groups (sales, fees, other costs, payout) open to show their parts beneath.
  const subtotal = node.id === "gross_profit" || node.id === "net_profit";
  const costLike = node.cur < 0n || (node.cur === 0n && node.prev < 0n);
  const label = hasChildren && !subtotal
    ? h("button", { type: "button", class: "link expander", "aria-expanded": open ? "true" : "false", "data-testid": `pl-toggle-${node.id}` }, node.label)
    : node.label;
  const row = h(
    "tr",
    { class: `pl-line depth-${depth}${subtotal ? " subtotal" : ""}`, "data-line": node.id, "data-parent": parent || "" },
    h("th", { scope: "row" }, label),
    h("td", { class: "num", "data-testid": "pl-current" }, show(node.cur, pl.currency)),
    h("td", { class: "num", "data-testid": "pl-previous" }, pl.hasPrevious ? show(node.prev, pl.currency) : "—"),
    changeCell(node.cur, node.prev, pl.currency, pl.hasPrevious, costLike && !subtotal),
  );
  if (subtotal) {
    for (const child of node.children) plRows(child, pl, depth, node.id, expanded, rows);
    rows.push(row);
    return;
  }
  rows.push(row);
  if (hasChildren && open) for (const child of node.children) plRows(child, pl, depth + 1, node.id, expanded, rows);
}

function ratioCell(value, kind) {
  if (value === null || value === undefined) return "—";
  return kind === "margin" ? ratioPercent(value) : `${(Number(value) * 100).toFixed(1)}%`;
}

function ratioChange(r, hasPrevious) {
  const d = pointsDelta(r.cur, r.prev, { hasPrevious });
  return h("td", { class: `num delta ${d.cls}`, "data-testid": "pl-change" }, d.text);
}

/**
 * One currency's P&L table; groups open and close with their button (state kept in `expanded`, per
 * table: `key`, the currency by default). `testid` and `title` name the home-currency P&L apart.
 */
export function plTable(pl, period, expanded, { key = pl.currency, testid = "pl", title = `Profit and loss, ${pl.currency}` } = {}) {
  const body = h("tbody", {});
  const open = { has: (id) => expanded.has(`${key}|${id}`) };
  const fill = () => {
    const rows = [];
    plRows(pl.net, pl, 0, null, open, rows);
    for (const r of pl.ratios) {
      rows.push(
        h(
          "tr",
          { class: "pl-line ratio", "data-line": r.id },
          h("th", { scope: "row" }, r.label),
          h("td", { class: "num", "data-testid": "pl-current" }, ratioCell(r.cur, r.id)),
          h("td", { class: "num", "data-testid": "pl-previous" }, pl.hasPrevious ? ratioCell(r.prev, r.id) : "—"),
          ratioChange(r, pl.hasPrevious),
        ),
      );
    }
    plRows(pl.payout, pl, 0, null, open, rows);
    clear(body, rows);
  };
  body.addEventListener("click", (event) => {
    const button = event.target.closest("button.expander");
    if (!button) return;
    const id = button.closest("tr").dataset.line;
    const scoped = `${key}|${id}`;
    if (expanded.has(scoped)) expanded.delete(scoped);
    else expanded.add(scoped);
    fill();
    body.querySelector(`tr[data-line="${CSS.escape(id)}"] button.expander`)?.focus();
  });
  fill();
  return h(
    "section",
    { class: "pl card", "data-testid": testid, "data-currency": pl.currency },
    h(
      "div",
      { class: "table-wrap" },
      h(
        "table",
        { class: "pl-table" },
        h("caption", {}, `${title} · ${period}`),
        h(
          "thead",
          {},
          h("tr", {}, h("th", { scope: "col" }, "Line"), h("th", { scope: "col", class: "num" }, "This period"), h("th", { scope: "col", class: "num" }, "Previous period"), h("th", { scope: "col", class: "num" }, "Change")),
        ),
        body,
      ),
    ),
  );
}

// --- profit per SKU -----------------------------------------------------------------------------
const ROW_LABELS = {
  subscription: "Account: subscription",
  storage: "Account: storage fees",
  other_fees: "Account: other fees",
  no_sku_sales: "Account: sales without a SKU",
  unattributed_ads: "Ads not attributed to a SKU",
};

/** A row of the table from an `/analytics/skus` row: amounts as exact integers, costs positive. */
export function skuRow(r) {
  const sales = exactSum([r.gross_sales.amount, r.shipping.amount]);
  const cogs = exact(r.cogs.amount);
  const profit = exact(r.net_profit.amount);
  const name = r.row_type === "sku" ? r.sku : ROW_LABELS[r.row_type === "unattributed_ads" ? "unattributed_ads" : r.label] || r.label || r.row_type;
  return {
    kind: r.row_type,
    name,
    marketplace_id: r.marketplace_id,
    currency: r.currency,
    convertedFrom: r.converted_from || "",
    units: r.units,
    sales,
    promotions: exact(r.promotions.amount),
    refunds: exact(r.refunds.amount),
    fees: exact(r.fees.amount),
    ads: exact(r.ad_spend.amount),
    cogs,
    profit,
    margin: r.margin,
    roi: cogs > 0n ? toNumber(profit) / toNumber(cogs) : null,
    missingCost: r.row_type === "sku" && !r.cogs_complete,
  };
}

const MONEY_COLUMNS = [
  ["sales", "Sales"],
  ["promotions", "Promotions"],
  ["refunds", "Refunds"],
  ["fees", "Amazon fees"],
  ["ads", "Ads"],
  ["cogs", "COGS"],
  ["profit", "Profit"],
];

const COLUMNS = [
  { key: "name", label: "SKU", text: true },
  { key: "marketplace_id", label: "Marketplace", text: true },
  { key: "units", label: "Units" },
  ...MONEY_COLUMNS.map(([key, label]) => ({ key, label, money: true })),
  { key: "margin", label: "Margin" },
  { key: "roi", label: "ROI" },
];

function sortValue(row, key) {
  if (key === "marketplace_id") return marketplaceName(row.marketplace_id);
  const v = row[key];
  if (v === null || v === undefined) return -Infinity;
  if (typeof v === "bigint") return toNumber(v);
  return typeof v === "string" && key !== "name" ? Number(v) : v;
}

/** Currencies in order: the home currency (all the converted rows) first, then the others. */
const currencyOrder = (home) => (a, b) => (a === home ? -1 : b === home ? 1 : a.localeCompare(b));

function totalsByCurrency(rows, home = null) {
  const out = new Map();
  for (const r of rows) {
    const t = out.get(r.currency) || { currency: r.currency, units: 0, ...Object.fromEntries(MONEY_COLUMNS.map(([k]) => [k, 0n])) };
    t.units += r.units;
    for (const [k] of MONEY_COLUMNS) t[k] += r[k];
    out.set(r.currency, t);
  }
  const order = currencyOrder(home);
  return [...out.values()].sort((a, b) => order(a.currency, b.currency));
}

/**
 * The profit-per-SKU table: SKU rows (sortable by any column), then the account and unattributed-ads
 * rows that complete the period's totals; a filter on SKU or marketplace, "only SKUs without a cost",
 * a totals row per currency, and a CSV export of the rows shown with the same totals (each row names
 * the currency of its figures, and in the home-currency view the marketplace currency it came from).
 * `home`: the rows are the API's home-currency view (currency=home): its rows sort together, the
 * rows of days without a rate (in their own currency) after them.
 */
export function skuTable(apiRows, { costsHref, filename, home = null }) {
  const rows = apiRows.map(skuRow);
  const state = { sort: "profit", dir: -1, filter: "", missingOnly: false };
  const filter = h("input", { type: "search", placeholder: "Filter by SKU or marketplace", "aria-label": "Filter SKUs", "data-testid": "sku-filter" });
  const missing = h("input", { type: "checkbox", "data-testid": "sku-missing-only" });
  const exportButton = h("button", { type: "button", class: "secondary", "data-testid": "sku-export" }, "Export CSV");
  const holder = h("div", {});
  const shown = () => {
    const q = state.filter.trim().toLowerCase();
    const match = (r) => !q || r.name.toLowerCase().includes(q) || marketplaceName(r.marketplace_id).toLowerCase().includes(q) || r.marketplace_id.toLowerCase().includes(q);
    const skus = rows.filter((r) => r.kind === "sku" && match(r) && (!state.missingOnly || r.missingCost));
    const key = state.sort;
    const byMoney = COLUMNS.some((c) => c.key === key && c.money);
    skus.sort((a, b) => {
      // Amounts are compared within a currency (never across): the currencies stay grouped.
      if (byMoney && a.currency !== b.currency) return currencyOrder(home)(a.currency, b.currency);
      const x = sortValue(a, key);
      const y = sortValue(b, key);
      return (x < y ? -1 : x > y ? 1 : 0) * state.dir || a.name.localeCompare(b.name);
    });
    const others = state.missingOnly ? [] : rows.filter((r) => r.kind !== "sku" && match(r));
    return [...skus, ...others];
  };
  const cell = (r, c) => {
    if (c.key === "name") {
      return r.missingCost ? h("span", {}, r.name, " ", h("a", { href: costsHref, class: "pill restock_now", "data-testid": "sku-missing-cost" }, "no cost")) : r.name;
    }
    if (c.key === "marketplace_id") return marketplaceName(r.marketplace_id);
    if (c.key === "units") return r.kind === "sku" || r.units ? count(r.units) : "";
    if (c.money) return money({ amount: exactText(r[c.key]), currency: r.currency });
    if (c.key === "margin") return ratioPercent(r.margin);
    return r.roi === null ? "—" : `${(r.roi * 100).toFixed(1)}%`;
  };
  const render = () => {
    const list = shown();
    const head = h(
      "tr",
      {},
      COLUMNS.map((c) => {
        const active = state.sort === c.key;
        const button = h("button", { type: "button", class: "link sort", "data-sort": c.key }, c.label, active ? (state.dir < 0 ? " ▼" : " ▲") : "");
        button.addEventListener("click", () => {
          if (state.sort === c.key) state.dir = -state.dir;
          else Object.assign(state, { sort: c.key, dir: c.text ? 1 : -1 });
          render();
          holder.querySelector(`button[data-sort="${c.key}"]`)?.focus();
        });
        return h("th", { scope: "col", class: c.text ? null : "num", "aria-sort": active ? (state.dir < 0 ? "descending" : "ascending") : null }, button);
      }),
    );
    const body = list.map((r) =>
      h("tr", { class: r.kind === "sku" ? null : "account-row", "data-kind": r.kind, "data-currency": r.currency, "data-sku": r.kind === "sku" ? r.name : null, "data-marketplace": r.marketplace_id || null }, COLUMNS.map((c) => h(c.key === "name" ? "th" : "td", { class: c.text ? null : "num", scope: c.key === "name" ? "row" : null }, cell(r, c)))),
    );
    const foot = totalsByCurrency(list, home).map((t) =>
      h(
        "tr",
        { class: "totals", "data-testid": "sku-total", "data-currency": t.currency },
        h("th", { scope: "row" }, `Total ${t.currency}`),
        h("td", {}, ""),
        h("td", { class: "num" }, count(t.units)),
        MONEY_COLUMNS.map(([k]) => h("td", { class: "num" }, money({ amount: exactText(t[k]), currency: t.currency }))),
        h("td", {}, ""),
        h("td", {}, ""),
      ),
    );
    clear(
      holder,
      list.length
        ? h(
            "div",
            { class: "table-wrap" },
            h("table", { "data-testid": "sku-table" }, h("caption", { class: "sr-only" }, "Profit per SKU"), h("thead", {}, head), h("tbody", {}, body), h("tfoot", {}, foot)),
          )
        : h("p", { class: "state empty", "data-testid": "empty" }, "No SKU matches this filter."),
    );
  };
  filter.addEventListener("input", () => ((state.filter = filter.value), render()));
  missing.addEventListener("change", () => ((state.missingOnly = missing.checked), render()));
  exportButton.addEventListener("click", () => {
    const list = shown();
    // "currency" is the currency of every amount of the row; "converted_from" the marketplace's own
    // currency when the row was converted to the home currency (empty otherwise)
    const header = ["row_type", "sku", "marketplace_id", "marketplace", "currency", "converted_from", "units", ...MONEY_COLUMNS.map(([k]) => k), "margin", "roi"];
    const lines = list.map((r) => [
      r.kind,
      r.name,
      r.marketplace_id,
      marketplaceName(r.marketplace_id).replace(/^\S+ /, ""),
      r.currency,
      r.convertedFrom,
      r.units,
      ...MONEY_COLUMNS.map(([k]) => exactText(r[k])),
      r.margin === null ? "" : r.margin,
      r.roi === null ? "" : r.roi.toFixed(4),
    ]);
    const totals = totalsByCurrency(list, home).map((t) => ["total", "", "", "", t.currency, "", t.units, ...MONEY_COLUMNS.map(([k]) => exactText(t[k])), "", ""]);
    downloadCsv(filename, [header, ...lines, ...totals]);
  });
  render();
  const missingCount = new Set(rows.filter((r) => r.missingCost).map((r) => r.name)).size;
  return h(
    "div",
    { class: "sku-profit" },
    h("div", { class: "filters" }, filter, h("label", { class: "check" }, missing, `Only SKUs without a cost (${missingCount})`), exportButton),
    holder,
  );
}

/** Distinct SKUs sold in the period without a unit cost. */
export function missingCostSkus(apiRows) {
  return [...new Set(apiRows.filter((r) => r.row_type === "sku" && !r.cogs_complete).map((r) => r.sku))].sort();
}
