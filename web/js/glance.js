// The overview's "at a glance" card, the seller's morning check in one screen: the period's net
// profit (in the home currency when there are several, and per currency), its most profitable SKUs
// and what to reorder today, with links to the full profit-per-SKU table and to the inventory.
// No request of its own but the inventory's (once per overview); the rest is the overview's answers.
import { h, money, exactText } from "./dom.js";
import { marketplaceName } from "./marketplaces.js";
import { dueToday, reorderSummary } from "./inventory.js";
import { kpiLabel } from "./kpis.js";
import { homeShown } from "./home-total.js";
import { skuRow } from "./profit.js";

const TOP = 3; // SKUs per currency
const REORDER_SHOWN = 5;

/** SKU rows of one currency, most profitable first (ties by SKU, then marketplace), as the table sorts. */
export function topSkus(apiRows, n = TOP) {
  const byCurrency = new Map();
  for (const r of apiRows.filter((x) => x.row_type === "sku").map(skuRow)) {
    if (!byCurrency.has(r.currency)) byCurrency.set(r.currency, []);
    byCurrency.get(r.currency).push(r);
  }
  return [...byCurrency.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([currency, rows]) => ({
      currency,
      rows: rows
        .sort((a, b) => (a.profit > b.profit ? -1 : a.profit < b.profit ? 1 : a.name.localeCompare(b.name) || a.marketplace_id.localeCompare(b.marketplace_id)))
        .slice(0, n),
    }));
}

function netProfit(d) {
  const home = homeShown(d) ? d.home : null;
  // a currency without a reference rate is left out of the home figure: said, never silently
  const leftOut = home ? [...new Set([...(home.current_rates.unconverted || []).map((u) => u.currency), ...home.current_rates.missing_rates])].sort() : [];
  const line = (k, currency, testid, big) =>
    h(
      "p",
      { class: big ? "glance-figure" : "glance-sub", "data-testid": testid, "data-currency": currency, "data-value": k.net_profit.amount },
      h("span", { class: "label", "data-testid": "glance-net-label" }, `${kpiLabel("net_profit", "Net profit", k.cogs_complete)}${testid === "glance-net-home" ? `, all marketplaces in ${currency}` : `, ${currency}`}`),
      " ",
      h("strong", { "data-testid": "glance-net-value" }, money(k.net_profit)),
      testid === "glance-net-home" && leftOut.length
        ? h("span", { class: "warn", "data-testid": "glance-left-out" }, ` without ${leftOut.join(", ")} (no exchange rate yet)`)
        : null,
    );
  if (!d.totals.length) return h("p", { class: "muted", "data-testid": "glance-profit" }, "No sales in this period yet.");
  return h(
    "div",
    { class: "glance-part", "data-testid": "glance-profit" },
    home ? line(home.current, home.currency, "glance-net-home", true) : null,
    d.totals.map((t) => line(t.current, t.currency, "glance-net", !home)),
  );
}

/** A button to the profit-per-SKU table below (a link's #fragment would be taken by the router). */
function toSkuTable() {
  const button = h("button", { type: "button", class: "link", "data-testid": "glance-skus-link" }, "Profit of every SKU ↓");
  button.addEventListener("click", () => document.querySelector("[data-testid=sku-area]")?.scrollIntoView({ block: "start" }));
  return button;
}

function topProducts(rows) {
  const groups = topSkus(rows);
  return h(
    "div",
    { class: "glance-part", "data-testid": "glance-top" },
    h("h3", {}, "Products by profit"),
    groups.length
      ? groups.map((g) =>
          h(
            "ol",
            { class: "glance-list", "data-currency": g.currency, "aria-label": `Products by profit in ${g.currency}` },
            g.rows.map((r) =>
              h(
                "li",
                { "data-testid": "glance-top-sku", "data-sku": r.name, "data-marketplace": r.marketplace_id, "data-currency": r.currency },
                h("span", { class: "glance-name" }, r.name, h("span", { class: "muted" }, ` · ${marketplaceName(r.marketplace_id)} · ${r.units} unit${r.units === 1 ? "" : "s"}`)),
                h("strong", { class: "glance-amount", "data-testid": "glance-top-profit" }, money({ amount: exactText(r.profit), currency: r.currency })),
              ),
            ),
          ),
        )
      : h("p", { class: "muted" }, "No SKU sold in this period."),
    groups.length ? toSkuTable() : null,
  );
}

function reorder(items, inventoryHref) {
  if (!items) return h("div", { class: "glance-part", "data-testid": "glance-reorder" }, h("h3", {}, "Reorder today"), h("p", { class: "muted" }, "The inventory could not be read."));
  const due = items.filter(dueToday);
  return h(
    "div",
    { class: "glance-part", "data-testid": "glance-reorder" },
    h("h3", {}, "Reorder today"),
    h("p", { "data-testid": "glance-reorder-count" }, reorderSummary(items)),
    due.length
      ? h(
          "ol",
          { class: "glance-list" },
          due.slice(0, REORDER_SHOWN).map((i) =>
            h(
              "li",
              { "data-testid": "glance-reorder-sku", "data-sku": i.sku, "data-marketplace": i.marketplace_id },
              h("span", { class: "glance-name" }, i.sku, h("span", { class: "muted" }, ` · ${marketplaceName(i.marketplace_id)}`)),
              h("strong", { class: "glance-amount", "data-testid": "glance-reorder-qty" }, `order ${i.reorder_quantity}`),
            ),
          ),
        )
      : null,
    h("a", { href: inventoryHref, "data-testid": "glance-inventory-link" }, due.length > REORDER_SHOWN ? `All ${due.length} in Inventory →` : "Inventory →"),
  );
}

/** The card: `d` the dashboard, `rows` the SKU rows of its windows, `items` the inventory (null: unread). */
export function glance(d, rows, items, { title, inventoryHref, marketplace }) {
  const scoped = items && marketplace ? items.filter((i) => i.marketplace_id === marketplace) : items;
  return h(
    "section",
    { class: "card glance", "data-testid": "glance", "aria-label": `${title} at a glance` },
    h("h2", {}, `${title} at a glance`),
    netProfit(d),
    h("div", { class: "glance-grid" }, topProducts(rows), reorder(scoped, inventoryHref)),
  );
}
