// Inventory: most urgent first (out of stock, then the fewest days of cover), each SKU with its
// reorder quantity and order-by date (analytics.reorder: velocity, lead time, safety stock). Owners
// edit the seller's default lead time and safety stock, and a SKU's own, in place
// (PUT /inventory/settings). An out-of-stock SKU has no cover, whatever is inbound.

import { h, clear, section, count, errorBox, daysAgo, downloadCsv } from "./dom.js";
import { marketplaceName, localDay } from "./marketplaces.js";
import { api } from "./session.js";

const seg = (id) => encodeURIComponent(id);

const RESTOCK = {
  out_of_stock: "Out of stock",
  restock_now: "Restock now",
  ok: "OK",
  overstock: "Overstock",
  no_sales: "No recent sales",
};

function orderByText(item) {
  if (!item.order_by) return item.status === "out_of_stock" && item.inbound > 0 ? "inbound covers it" : "—";
  const today = localDay(item.marketplace_id);
  if (item.order_by <= today) return "today";
  const days = Math.round((Date.parse(item.order_by) - Date.parse(today)) / 86_400_000);
  return h("span", {}, item.order_by, h("span", { class: "muted" }, ` in ${days} d`));
}

/** Due today: an order-by date today or before (an out-of-stock SKU with something to order too). */
export const dueToday = (item) => !!item.order_by && item.order_by <= localDay(item.marketplace_id);

/** "8 SKUs to order today (1 out of stock). 3 more out of stock: …" — the overview's glance says the same. */
export function reorderSummary(items) {
  const due = items.filter(dueToday);
  const out = due.filter((i) => i.status === "out_of_stock").length;
  const idle = items.filter((i) => i.status === "out_of_stock" && !dueToday(i)).length;
  const plural = (n) => `${n} SKU${n === 1 ? "" : "s"}`;
  return h(
    "span",
    { "data-testid": "reorder-summary", "data-count": String(due.length) },
    due.length ? h("strong", {}, `${plural(due.length)} to order today`) : "Nothing to order today",
    out ? ` (${out} out of stock).` : ".",
    idle ? ` ${idle} more out of stock with nothing to order (inbound covers ${idle === 1 ? "it" : "them"}, or no recent sales).` : "",
  );
}

const perDay = (v) => (Number(v) < 1 ? Number(v).toFixed(2) : Number(v).toFixed(1));

function daysInput(name, value, label) {
  return h("input", { type: "number", name, min: 0, max: 365, step: 1, required: true, value: String(value), "aria-label": label, inputmode: "numeric" });
}

export function inventory(page, seller) {
  const base = `/sellers/${seg(seller.seller_id)}`;
  const owner = seller.role === "owner";
  const list = h("div", {});
  const settingsBox = h("section", { class: "card", "data-testid": "restock-settings" });
  let marketplace = "";
  const select = h(
    "select",
    { "aria-label": "Marketplace", "data-testid": "marketplace" },
    h("option", { value: "" }, "All marketplaces"),
    seller.marketplace_ids.map((m) => h("option", { value: m }, marketplaceName(m))),
  );
  select.addEventListener("change", () => ((marketplace = select.value), load()));
  // What to order first, the lead-time settings behind it after (on a phone the list is on screen)
  clear(page, h("h1", {}, "Inventory"), h("div", { class: "filters" }, select), list, settingsBox);

  let settings = null;
  async function save(next, box) {
    try {
      settings = await api(`${base}/inventory/settings`, { method: "PUT", body: next });
      load();
    } catch (error) {
      clear(box, errorBox(error));
    }
  }

  function settingsPanel(s) {
    const box = h("div", { role: "status" });
    const lead = daysInput("lead_time_days", s.default.lead_time_days, "Default lead time (days)");
    const safety = daysInput("safety_days", s.default.safety_days, "Default safety stock (days of sales)");
    const cycle = h("input", { type: "number", name: "cycle_days", min: 1, max: 365, step: 1, required: true, value: String(s.cycle_days), "aria-label": "Days of sales one reorder covers" });
    for (const input of [lead, safety, cycle]) input.disabled = !owner;
    const form = h(
      "form",
      { class: "inline-form labelled", "data-testid": "restock-default-form" },
      h("label", {}, "Lead time (days)", lead),
      h("label", {}, "Safety stock (days)", safety),
      h("label", {}, "Reorder covers (days)", cycle),
      owner ? h("button", { type: "submit" }, "Save defaults") : null,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      save({ ...s, cycle_days: Number(cycle.value), default: { lead_time_days: Number(lead.value), safety_days: Number(safety.value) } }, box);
    });
    return h(
      "div",
      {},
      h("h2", {}, "Lead time and safety stock"),
      h(
        "p",
        { class: "muted" },
        "Order by = the day stock on hand and inbound falls to (lead time + safety stock) × units a day. Reorder quantity brings it up to (lead time + safety stock + reorder cover) × units a day. A SKU can have its own lead time (Edit in its row).",
        owner ? null : " Only owners can change these.",
      ),
      form,
      box,
    );
  }

  function leadCell(item) {
    const text = `${item.lead_time_days} + ${item.safety_days} d${item.own_lead_time ? " (own)" : ""}`;
    if (!owner || !settings) return text;
    const cell = h("span", {}, text, " ");
    const edit = h("button", { type: "button", class: "link", "data-testid": "restock-edit", "aria-label": `Edit the lead time of ${item.sku}` }, "Edit");
    edit.addEventListener("click", () => {
      const lead = daysInput("lead", item.lead_time_days, `Lead time of ${item.sku} (days)`);
      const safety = daysInput("safety", item.safety_days, `Safety stock of ${item.sku} (days)`);
      const ok = h("button", { type: "submit" }, "Save");
      const reset = item.own_lead_time ? h("button", { type: "button", class: "secondary" }, "Use default") : null;
      const cancel = h("button", { type: "button", class: "link" }, "Cancel");
      const box = h("span", {});
      const form = h("form", { class: "inline-edit small", "data-testid": "restock-sku-form" }, lead, safety, ok, reset, cancel, box);
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        save({ ...settings, skus: { ...settings.skus, [item.sku]: { lead_time_days: Number(lead.value), safety_days: Number(safety.value) } } }, box);
      });
      form.addEventListener("keydown", (event) => event.key === "Escape" && clear(cell, text, " ", edit));
      cancel.addEventListener("click", () => clear(cell, text, " ", edit));
      if (reset) {
        reset.addEventListener("click", () => {
          const skus = { ...settings.skus };
          delete skus[item.sku];
          save({ ...settings, skus }, box);
        });
      }
      clear(cell, form);
      lead.focus();
    });
    cell.append(edit);
    return cell;
  }

  // What to do first (status, quantity, date), then the figures behind it
  const COLUMNS = [
    { label: "SKU", cell: (i) => h("span", { title: i.asin ? `ASIN ${i.asin}` : null }, i.sku) },
    { label: "Marketplace", cell: (i) => marketplaceName(i.marketplace_id) },
    { label: "Status", cell: (i) => h("span", { class: `pill ${i.status}` }, RESTOCK[i.status] || i.status) },
    { label: "Reorder qty", num: true, cell: (i) => h("span", { "data-testid": "reorder-qty" }, i.reorder_quantity ? count(i.reorder_quantity) : "—") },
    { label: "Order by", wrap: true, cell: (i) => h("span", { "data-testid": "order-by" }, orderByText(i)) },
    { label: "Available", num: true, cell: (i) => count(i.fulfillable) },
    { label: "Inbound", num: true, cell: (i) => count(i.inbound) },
    { label: "Units / day", num: true, cell: (i) => perDay(i.velocity_per_day) },
    { label: "Days of cover", num: true, cell: (i) => (i.days_of_cover === null ? "—" : Number(i.days_of_cover).toFixed(0)) },
    { label: "Lead + safety", wrap: true, cell: leadCell },
  ];
  const rowClass = (i) => (i.status === "out_of_stock" ? "urgent-out" : dueToday(i) ? "urgent-now" : null);

  function load() {
    // The table and the settings together: a row's Edit needs the settings it changes
    section(
      list,
      () => Promise.all([api(`${base}/inventory`, { query: { marketplace } }), api(`${base}/inventory/settings`).catch((error) => error)]),
      ([v, s]) => {
        settings = s instanceof Error ? null : s;
        clear(settingsBox, settings ? settingsPanel(settings) : errorBox(s));
        const exportButton = h("button", { type: "button", class: "secondary", "data-testid": "inventory-export" }, "Export CSV");
        exportButton.addEventListener("click", () =>
          downloadCsv(`sellerflow-reorder-${daysAgo(0)}.csv`, [
            ["sku", "asin", "marketplace_id", "status", "available", "inbound", "units_per_day", "days_of_cover", "order_by", "reorder_quantity", "lead_time_days", "safety_days"],
            ...v.items.map((i) => [i.sku, i.asin || "", i.marketplace_id, i.status, i.fulfillable, i.inbound, i.velocity_per_day, i.days_of_cover ?? "", i.order_by || "", i.reorder_quantity, i.lead_time_days, i.safety_days]),
          ]),
        );
        return h(
          "div",
          {},
          h("p", { "data-testid": "inventory-summary" }, reorderSummary(v.items), " ", h("span", { class: "muted" }, "Most urgent first.")),
          h("div", { class: "toolbar" }, exportButton),
          h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "cards inventory", "data-testid": "inventory-table" },
              h("caption", { class: "sr-only" }, "Inventory, most urgent first"),
              h("thead", {}, h("tr", {}, COLUMNS.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
              h("tbody", {}, v.items.map((i) => h("tr", { class: rowClass(i), "data-sku": i.sku, "data-marketplace": i.marketplace_id }, COLUMNS.map((c) => h("td", { class: c.num ? "num" : c.wrap ? "wrap" : null, "data-label": c.label }, c.cell(i)))))),
            ),
          ),
        );
      },
      { isEmpty: ([v]) => !v.items.length, emptyText: "No inventory yet. It appears after the first inventory sync." },
    );
  }
  load();
}
