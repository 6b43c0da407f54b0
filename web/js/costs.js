// The costs editor: every SKU the seller sells or stocks, per currency, with its unit cost and the day
// it applies from, the history of its cost periods, inline editing, a "missing cost" filter, CSV export
// and a CSV import that is previewed row by row (the API checks every row) and stored all or none.

import { h, clear, loading, errorBox, money, isoDay, downloadCsv } from "./dom.js";
import { api } from "./session.js";
import { currencyOf, localDay, marketplaceName } from "./marketplaces.js";
import { addDays } from "./profit.js";

const seg = (id) => encodeURIComponent(id);
const MAX_IMPORT = 100; // the API stores at most 100 costs in one transaction
const COST = /^\d{1,9}(\.\d{1,4})?$/;

/** One row per (SKU, currency): the marketplaces it is seen in, its cost periods (oldest first). */
function costRows(entries, inventory, sold, marketplaceIds) {
  const rows = new Map();
  const row = (sku, currency) => {
    const key = `${sku}\u0000${currency}`;
    if (!rows.has(key)) rows.set(key, { sku, currency, marketplaces: new Set(), periods: [], soldWithoutCost: false });
    return rows.get(key);
  };
  for (const i of inventory) if (currencyOf(i.marketplace_id)) row(i.sku, currencyOf(i.marketplace_id)).marketplaces.add(i.marketplace_id);
  for (const s of sold) {
    if (s.row_type !== "sku") continue;
    const r = row(s.sku, s.currency);
    r.marketplaces.add(s.marketplace_id);
    if (!s.cogs_complete) r.soldWithoutCost = true;
  }
  for (const e of entries) row(e.sku, e.unit_cost.currency).periods.push(e);
  const today = marketplaceIds.length ? localDay(marketplaceIds[0]) : isoDay(new Date());
  return [...rows.values()]
    .map((r) => {
      r.periods.sort((a, b) => a.effective_from.localeCompare(b.effective_from));
      const current = [...r.periods].reverse().find((p) => p.effective_from <= today) || null;
      return { ...r, current, next: r.periods.find((p) => p.effective_from > today) || null, missing: !current };
    })
    .sort((a, b) => Number(b.missing) - Number(a.missing) || a.sku.localeCompare(b.sku) || a.currency.localeCompare(b.currency));
}

/** CSV text → rows of cells (quotes, doubled quotes, commas and line breaks inside quotes). */
export function parseCsv(text, sep = ",") {
  const rows = [];
  let cell = "";
  let row = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === sep) row.push(cell), (cell = "");
    else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(cell);
      rows.push(row);
      (row = []), (cell = "");
    } else cell += c;
  }
  if (cell || row.length) row.push(cell), rows.push(row);
  return rows.filter((r) => r.some((x) => x.trim()));
}

/**
 * The import's rows from CSV text: a header naming sku and unit_cost (currency and effective_from
 * optional: the seller's only currency, today). Returns the entries to send and the problems found
 * before sending (a row with too few cells, a missing column), each with its line number.
 */
export function importRows(text, { currencies, today }) {
  const clean = text.replace(/^\uFEFF/, "");
  const first = clean.split(/\r?\n/, 1)[0];
  const sep = first.includes(";") ? ";" : first.includes("\t") ? "\t" : ","; // spreadsheets' own separators
  const [header, ...lines] = parseCsv(clean, sep);
  if (!header) return { entries: [], problems: [{ line: 1, message: "The file is empty." }] };
  const names = header.map((x) => x.trim().toLowerCase().replace(/[\s-]+/g, "_"));
  const at = (name) => names.indexOf(name);
  if (at("sku") < 0 || at("unit_cost") < 0) {
    return { entries: [], problems: [{ line: 1, message: "The first line must name the columns: sku, unit_cost (and optionally currency, effective_from)." }] };
  }
  const entries = [];
  const problems = [];
  lines.forEach((cells, i) => {
    const line = i + 2;
    const get = (name) => (at(name) >= 0 && cells[at(name)] !== undefined ? cells[at(name)].trim() : "");
    const currency = get("currency").toUpperCase() || (currencies.length === 1 ? currencies[0] : "");
    if (!currency) return problems.push({ line, sku: get("sku"), message: `No currency: this seller sells in ${currencies.join(", ")}.` });
    entries.push({ line, entry: { sku: get("sku"), unit_cost: get("unit_cost").replace(/^[$€£¥\s]+/, "").replace(/^(\d+),(\d{1,4})$/, "$1.$2"), currency, effective_from: get("effective_from") || today } });
  });
  return { entries, problems };
}

export function costs(page, seller) {
  const base = `/sellers/${seg(seller.seller_id)}`;
  const canWrite = seller.role !== "support";
  const currencies = [...new Set(seller.marketplace_ids.map(currencyOf).filter(Boolean))].sort();
  const today = seller.marketplace_ids.length ? localDay(seller.marketplace_ids[0]) : isoDay(new Date());
  const wantsMissing = new URLSearchParams(location.hash.split("?")[1] || "").get("missing") === "1";
  const state = { filter: "", missingOnly: wantsMissing, editing: null, open: new Set() };
  const list = h("div", { "data-testid": "costs-list" });
  const importer = h("section", { class: "card", "data-testid": "costs-import" });
  const filter = h("input", { type: "search", placeholder: "Filter by SKU", "aria-label": "Filter SKUs", "data-testid": "costs-filter" });
  const missing = h("input", { type: "checkbox", checked: state.missingOnly, "data-testid": "costs-missing-only" });
  const exportButton = h("button", { type: "button", class: "secondary", "data-testid": "costs-export" }, "Export CSV");
  const counter = h("span", { class: "muted", "data-testid": "costs-count" });
  let rows = [];

  clear(
    page,
    h("h1", {}, "Unit costs"),
    h("p", { class: "muted" }, "Each SKU's cost of goods per unit, in the currency of the marketplaces it sells in. A cost applies from its day on until the next one; profit recomputes for the days it changes."),
    h("div", { class: "filters" }, filter, h("label", { class: "check" }, missing, "Only SKUs without a cost"), exportButton, counter),
    list,
    canWrite ? importer : null,
  );

  async function load() {
    clear(list, loading());
    const skuWindow = { from: addDays(today, -89), to: today };
    const [cogs, inventory, sold] = await Promise.allSettled([
      api(`${base}/cogs`),
      api(`${base}/inventory`),
      api(`${base}/analytics/skus`, { query: skuWindow }),
    ]);
    if (cogs.status === "rejected") return clear(list, errorBox(cogs.reason, load));
    rows = costRows(
      cogs.value.cogs,
      inventory.status === "fulfilled" ? inventory.value.items : [],
      sold.status === "fulfilled" ? sold.value.skus : [],
      seller.marketplace_ids,
    );
    render();
  }

  function shown() {
    const q = state.filter.trim().toLowerCase();
    return rows.filter((r) => (!q || r.sku.toLowerCase().includes(q)) && (!state.missingOnly || r.missing));
  }

  function editor(r) {
    const error = h("p", { class: "state error", role: "alert", hidden: true });
    const cost = h("input", { inputmode: "decimal", value: r.current ? r.current.unit_cost.amount : "", placeholder: "4.20", "aria-label": `Unit cost of ${r.sku} (${r.currency})`, "data-testid": "cost-input" });
    const from = h("input", { type: "date", value: today, "aria-label": `Effective from, ${r.sku}`, "data-testid": "cost-from" });
    const save = h("button", { type: "button", "data-testid": "cost-save" }, "Save");
    const cancel = h("button", { type: "button", class: "secondary" }, "Cancel");
    const submit = async () => {
      const value = cost.value.trim().replace(",", ".");
      if (!COST.test(value)) {
        error.hidden = false;
        error.textContent = "Enter the cost as a number like 4.20 (up to 4 decimals).";
        return cost.focus();
      }
      save.disabled = true;
      try {
        await api(`${base}/cogs/${seg(r.sku)}`, { method: "PUT", body: { unit_cost: value, currency: r.currency, effective_from: from.value } });
        state.editing = null;
        await load();
        list.querySelector(`[data-row="${CSS.escape(`${r.sku}|${r.currency}`)}"] button.edit`)?.focus();
      } catch (e) {
        error.hidden = false;
        error.textContent = e.message;
        save.disabled = false;
      }
    };
    save.addEventListener("click", submit);
    cancel.addEventListener("click", () => ((state.editing = null), render()));
    for (const input of [cost, from]) {
      input.addEventListener("keydown", (event) => {
        if (event.key === "Enter") submit();
        if (event.key === "Escape") (state.editing = null), render();
      });
    }
    setTimeout(() => cost.focus(), 0);
    return h("div", { class: "inline-edit" }, cost, from, save, cancel, error);
  }

  function render() {
    const visible = shown();
    const missingCount = rows.filter((r) => r.missing).length;
    counter.textContent = `${rows.length} SKU${rows.length === 1 ? "" : "s"} by currency, ${missingCount} without a cost`;
    if (!visible.length) {
      return clear(list, h("p", { class: "state empty", "data-testid": "empty" }, rows.length ? "No SKU matches this filter." : "No SKUs yet: they appear after the first sync."));
    }
    const body = [];
    for (const r of visible) {
      const key = `${r.sku}|${r.currency}`;
      const editing = state.editing === key;
      const open = state.open.has(key);
      const history = r.periods.length
        ? h("button", { type: "button", class: "link expander", "aria-expanded": open ? "true" : "false", onclick: () => (open ? state.open.delete(key) : state.open.add(key), render()) }, `${r.periods.length} period${r.periods.length === 1 ? "" : "s"}`)
        : "—";
      body.push(
        h(
          "tr",
          { "data-row": key, "data-testid": "cost-row", class: r.missing ? "missing" : null },
          h("th", { scope: "row" }, r.sku),
          h("td", {}, [...r.marketplaces].map(marketplaceName).join(", ") || "—"),
          h("td", { class: "num", "data-testid": "cost-current" }, editing ? editor(r) : r.current ? money(r.current.unit_cost) : h("span", { class: "pill restock_now" }, r.soldWithoutCost ? "missing — sold without a cost" : "missing")),
          h("td", {}, r.current ? r.current.effective_from : "—", r.next ? h("span", { class: "muted" }, ` (then ${money(r.next.unit_cost)} from ${r.next.effective_from})`) : null),
          h("td", {}, history),
          h("td", {}, canWrite && !editing ? h("button", { type: "button", class: "link edit", "data-testid": "cost-edit", "aria-label": `Edit the cost of ${r.sku} (${r.currency})`, onclick: () => ((state.editing = key), render()) }, r.missing ? "Add cost" : "Change") : null),
        ),
      );
      if (open) {
        for (const p of [...r.periods].reverse()) {
          body.push(h("tr", { class: "history" }, h("td", {}, ""), h("td", { colspan: 1 }, "from " + p.effective_from), h("td", { class: "num" }, money(p.unit_cost)), h("td", { colspan: 3 }, "")));
        }
      }
    }
    clear(
      list,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { "data-testid": "costs-table" },
          h("caption", { class: "sr-only" }, "Unit costs per SKU"),
          h("thead", {}, h("tr", {}, ["SKU", "Marketplaces", "Unit cost", "Effective from", "History", ""].map((l, i) => h("th", { scope: "col", class: i === 2 ? "num" : null }, l)))),
          h("tbody", {}, body),
        ),
      ),
    );
  }

  filter.addEventListener("input", () => ((state.filter = filter.value), render()));
  missing.addEventListener("change", () => ((state.missingOnly = missing.checked), render()));
  exportButton.addEventListener("click", () =>
    downloadCsv(`sellerflow-unit-costs-${seller.seller_id}.csv`, [
      ["sku", "unit_cost", "currency", "effective_from"],
      ...shown().flatMap((r) => (r.periods.length ? r.periods.map((p) => [r.sku, p.unit_cost.amount, r.currency, p.effective_from]) : [[r.sku, "", r.currency, ""]])),
    ]),
  );

  // --- the import: pick or paste a CSV, preview every row, apply all or none ---
  const file = h("input", { type: "file", accept: ".csv,text/csv", "aria-label": "CSV file of unit costs", "data-testid": "costs-file" });
  const text = h("textarea", { rows: 4, "aria-label": "Or paste CSV", placeholder: "sku,unit_cost,currency,effective_from\nMUG-BLUE,4.20,USD,2026-11-01", "data-testid": "costs-paste" });
  const previewButton = h("button", { type: "button", class: "secondary", "data-testid": "costs-preview" }, "Preview");
  const preview = h("div", { "data-testid": "costs-preview-result", "aria-live": "polite" });
  let pending = null;
  file.addEventListener("change", async () => {
    if (file.files && file.files[0]) text.value = await file.files[0].text();
  });
  previewButton.addEventListener("click", async () => {
    pending = null;
    const parsed = importRows(text.value, { currencies, today });
    if (parsed.entries.length > MAX_IMPORT) {
      return clear(preview, errorBox(new Error(`The file has ${parsed.entries.length} rows; at most ${MAX_IMPORT} are imported at once. Split it into smaller files.`)));
    }
    if (!parsed.entries.length) return clear(preview, errorBox(new Error(parsed.problems.map((p) => p.message).join(" ") || "The file has no rows.")));
    clear(preview, loading("Checking every row…"));
    let checked;
    try {
      checked = await api(`${base}/cogs`, { method: "POST", body: { entries: parsed.entries.map((e) => e.entry), dry_run: true } });
    } catch (error) {
      return clear(preview, errorBox(error));
    }
    const problems = new Map(parsed.problems.map((p) => [p.line, p.message]));
    checked.errors.forEach((e) => problems.set(parsed.entries[e.row - 1].line, e.message));
    const lines = [...parsed.entries.map((e) => ({ line: e.line, ...e.entry })), ...parsed.problems.map((p) => ({ line: p.line, sku: p.sku || "" }))].sort((a, b) => a.line - b.line);
    const apply = h("button", { type: "button", disabled: problems.size > 0, "data-testid": "costs-apply" }, `Apply ${parsed.entries.length} cost${parsed.entries.length === 1 ? "" : "s"}`);
    pending = parsed.entries.map((e) => e.entry);
    apply.addEventListener("click", async () => {
      apply.disabled = true;
      try {
        const stored = await api(`${base}/cogs`, { method: "POST", body: { entries: pending } });
        clear(preview, h("p", { class: "state ok", role: "status", "data-testid": "costs-imported" }, `${stored.stored} cost${stored.stored === 1 ? "" : "s"} saved; profit is being recomputed for ${stored.days_marked_for_recompute} marketplace days.`));
        text.value = "";
        file.value = "";
        load();
      } catch (error) {
        clear(preview, errorBox(error));
      }
    });
    clear(
      preview,
      h("p", { class: problems.size ? "state error" : "state ok", role: problems.size ? "alert" : "status", "data-testid": "costs-preview-summary" }, problems.size ? `${problems.size} of ${lines.length} rows have errors. Fix them and preview again: nothing is saved until every row is valid.` : `All ${lines.length} rows are valid.`),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { "data-testid": "costs-preview-table" },
          h("thead", {}, h("tr", {}, ["Line", "SKU", "Unit cost", "Currency", "From", "Check"].map((l) => h("th", { scope: "col" }, l)))),
          h(
            "tbody",
            {},
            lines.map((l) =>
              h(
                "tr",
                { class: problems.has(l.line) ? "bad" : null, "data-testid": "costs-preview-row" },
                h("td", {}, String(l.line)),
                h("th", { scope: "row" }, l.sku || "—"),
                h("td", {}, l.unit_cost || ""),
                h("td", {}, l.currency || ""),
                h("td", {}, l.effective_from || ""),
                h("td", { class: problems.has(l.line) ? "error-text" : "ok-text" }, problems.get(l.line) || "OK"),
              ),
            ),
          ),
        ),
      ),
      apply,
    );
  });
  if (canWrite) {
    clear(
      importer,
      h("h2", {}, "Import from a CSV file"),
      h("p", { class: "muted" }, `Columns: sku, unit_cost${currencies.length > 1 ? ", currency" : ""} and optionally ${currencies.length > 1 ? "" : "currency, "}effective_from (YYYY-MM-DD, today if empty). Up to ${MAX_IMPORT} rows at once; the export above has the same columns.`),
      h("div", { class: "stack" }, file, text, h("div", {}, previewButton)),
      preview,
    );
  }
  load();
}
