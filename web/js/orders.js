// Orders: newest first, each with its SKUs, units, sales, Amazon fees, refunds, cost of goods and
// profit (`economics` of GET /orders, see analytics.order_profit), status names in words, paging,
// and a CSV export of every order the filters select. On a phone each order is a card of labelled
// figures (no sideways scrolling). No buyer data is requested or shown.

import { h, clear, section, empty, money, count, daysAgo, downloadCsv, exactText } from "./dom.js";
import { marketplaceName } from "./marketplaces.js";
import { api } from "./session.js";

const seg = (id) => encodeURIComponent(id);

export const STATUS_WORDS = {
  PENDING: "Pending",
  UNSHIPPED: "Unshipped",
  PARTIALLY_SHIPPED: "Partially shipped",
  SHIPPED: "Shipped",
  CANCELLED: "Cancelled",
  CANCELED: "Cancelled",
  UNFULFILLABLE: "Unfulfillable",
  PENDING_AVAILABILITY: "Pre-order (pending availability)",
  INVOICE_UNCONFIRMED: "Invoice unconfirmed",
  SHIPPING: "Shipping",
};
const statusText = (s) => STATUS_WORDS[s] || String(s || "").replace(/_/g, " ").toLowerCase().replace(/^./, (c) => c.toUpperCase());
const FILTER_STATUSES = ["", "PENDING", "UNSHIPPED", "PARTIALLY_SHIPPED", "SHIPPED", "CANCELLED", "UNFULFILLABLE", "PENDING_AVAILABILITY"];
const EXPORT_MAX = 5000;

const units = (o) => (o.economics ? o.economics.units : o.lines.reduce((n, l) => n + l.quantity_ordered, 0));
const skus = (o) => o.lines.map((l) => `${l.quantity_ordered} × ${l.seller_sku || l.asin || "—"}`);
const newestFirst = (a, b) => (a.created_time < b.created_time ? 1 : a.created_time > b.created_time ? -1 : 0);
const when = (o) => `${o.local_date} ${new Date(o.created_time).toISOString().slice(11, 16)} UTC`;

function profitCell(o) {
  const e = o.economics;
  if (!e) return "—";
  const notes = [];
  if (!e.fees_posted && o.status !== "CANCELLED") notes.push("fees not posted yet");
  if (!e.cogs_complete) notes.push("excl. missing cost");
  return h(
    "span",
    { class: Number(e.profit.amount) < 0 ? "profit-neg" : null },
    money(e.profit),
    notes.length ? h("span", { class: "muted" }, ` (${notes.join(", ")})`) : null,
  );
}

const COLUMNS = [
  { label: "Order", cell: (o) => h("code", {}, o.order_id) },
  { label: "Date", cell: (o) => when(o) },
  { label: "Marketplace", cell: (o) => marketplaceName(o.marketplace_id) },
  { label: "Status", cell: (o) => h("span", { class: `pill ${String(o.status).toLowerCase()}`, "data-testid": "order-status-text" }, statusText(o.status)) },
  { label: "SKUs", cell: (o) => h("ul", { class: "order-lines" }, skus(o).map((s) => h("li", {}, s))) },
  { label: "Units", num: true, cell: (o) => count(units(o)) },
  { label: "Sales", num: true, cell: (o) => (o.economics ? money(o.economics.sales) : o.order_total ? money(o.order_total) : "—") },
  { label: "Amazon fees", num: true, cell: (o) => (o.economics ? money(o.economics.fees) : "—") },
  { label: "Refunds", num: true, cell: (o) => (o.economics ? money(o.economics.refunds) : "—") },
  { label: "COGS", num: true, cell: (o) => (o.economics ? money(o.economics.cogs) : "—") },
  { label: "Profit", num: true, cell: profitCell, testid: "order-profit" },
];

function ordersTable(list) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: "cards", "data-testid": "orders-table" },
      h("caption", { class: "sr-only" }, "Orders, newest first"),
      h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
      h(
        "tbody",
        {},
        list.map((o) =>
          h(
            "tr",
            { "data-order": o.order_id },
            COLUMNS.map((c) => h("td", { class: c.num ? "num" : null, "data-label": c.label, "data-testid": c.testid || null }, c.cell(o))),
          ),
        ),
      ),
    ),
  );
}

/** The CSV of orders: one row per order, SKUs joined; amounts exact (decimal strings as sent). */
export function ordersCsv(list) {
  const amount = (o, k) => (o.economics ? exactText(o.economics[k].amount) : "");
  return [
    ["order_id", "purchase_date", "local_date", "marketplace_id", "marketplace", "status", "skus", "units", "currency", "sales", "amazon_fees", "refunds", "cogs", "profit", "fees_posted", "cogs_complete"],
    ...list.map((o) => [
      o.order_id,
      o.created_time,
      o.local_date,
      o.marketplace_id,
      marketplaceName(o.marketplace_id).replace(/^\S+\s/, ""),
      statusText(o.status),
      o.lines.map((l) => `${l.seller_sku || l.asin || ""}:${l.quantity_ordered}`).join(" "),
      units(o),
      o.economics ? o.economics.sales.currency : (o.order_total && o.order_total.currency) || "",
      amount(o, "sales"),
      amount(o, "fees"),
      amount(o, "refunds"),
      amount(o, "cogs"),
      amount(o, "profit"),
      o.economics ? String(o.economics.fees_posted) : "",
      o.economics ? String(o.economics.cogs_complete) : "",
    ]),
  ];
}

export function orders(page, seller) {
  const base = `/sellers/${seg(seller.seller_id)}`;
  const state = { status: "", from: daysAgo(30), to: daysAgo(-1), tokens: [null] };
  const list = h("div", {});
  const status = h("select", { "aria-label": "Status", "data-testid": "order-status" }, FILTER_STATUSES.map((s) => h("option", { value: s }, s ? statusText(s) : "Any status")));
  const from = h("input", { type: "date", value: state.from, "aria-label": "From", "data-testid": "order-from" });
  const to = h("input", { type: "date", value: state.to, "aria-label": "To", "data-testid": "order-to" });
  const apply = h("button", { type: "button", "data-testid": "order-apply" }, "Apply");
  const exportButton = h("button", { type: "button", class: "secondary", "data-testid": "orders-export" }, "Export CSV");
  const exportState = h("span", { class: "muted", role: "status" });
  apply.addEventListener("click", () => {
    Object.assign(state, { status: status.value, from: from.value, to: to.value, tokens: [null] });
    load();
  });
  const query = (token, limit) => ({ status: state.status, from: state.from, to: state.to, limit, next_token: token });
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportState.textContent = "Collecting the orders…";
    try {
      const all = [];
      let token = null;
      do {
        const p = await api(`${base}/orders`, { query: query(token, 100) });
        all.push(...p.orders);
        token = p.next_token;
        exportState.textContent = `Collecting the orders… ${all.length}`;
      } while (token && all.length < EXPORT_MAX);
      all.sort(newestFirst);
      downloadCsv(`sellerflow-orders-${state.from}-${state.to}.csv`, ordersCsv(all));
      exportState.textContent = `${all.length} order${all.length === 1 ? "" : "s"} exported${token ? ` (the first ${EXPORT_MAX}: narrow the dates for the rest)` : ""}.`;
    } catch (error) {
      exportState.textContent = `The export failed: ${error.message}`;
    } finally {
      exportButton.disabled = false;
    }
  });
  clear(
    page,
    h("h1", {}, "Orders"),
    h("div", { class: "filters" }, status, from, to, apply),
    h("div", { class: "toolbar" }, exportButton, exportState),
    h("p", { class: "muted" }, "Profit per order = sales − Amazon fees − refunds − cost of goods (ads are not split per order). Fees appear once Amazon posts them, usually at shipment."),
    list,
  );

  function load() {
    const token = state.tokens[state.tokens.length - 1];
    section(
      list,
      () => api(`${base}/orders`, { query: query(token, 25) }),
      (p) => {
        const prev = h("button", { type: "button", class: "secondary", disabled: state.tokens.length <= 1, "data-testid": "orders-prev" }, "← Newer");
        const next = h("button", { type: "button", class: "secondary", disabled: !p.next_token, "data-testid": "orders-next" }, "Older →");
        prev.addEventListener("click", () => (state.tokens.pop(), load()));
        next.addEventListener("click", () => (state.tokens.push(p.next_token), load()));
        return h(
          "div",
          {},
          p.orders.length ? ordersTable([...p.orders].sort(newestFirst)) : empty("No orders match these filters."),
          h("div", { class: "pager" }, prev, h("span", { class: "muted" }, `Page ${state.tokens.length}`), next),
        );
      },
    );
  }
  load();
}
