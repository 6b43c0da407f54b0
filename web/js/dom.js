// Tiny DOM helpers: every text goes through textContent (no HTML injection), no inline styles
// (the Content-Security-Policy allows only this origin's scripts and styles).

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export const loading = (what = "Loading…") => h("p", { class: "state loading", "data-testid": "loading" }, what);
export const empty = (what) => h("p", { class: "state empty", "data-testid": "empty" }, what);

export function errorBox(error, retry) {
  const status = error && error.status;
  const title = status === 404 ? "Not found" : status === 403 ? "Not allowed" : "Something went wrong";
  return h(
    "div",
    { class: "state error", role: "alert", "data-testid": status === 404 ? "not-found" : "error", "data-status": status || "" },
    h("strong", {}, title),
    h("span", {}, " — ", (error && error.message) || String(error)),
    retry ? h("button", { type: "button", class: "link", onclick: retry }, "Retry") : null,
  );
}

/** Renders `load()` into `el` with loading, empty and error states. */
export async function section(el, load, render, { emptyText, isEmpty } = {}) {
  clear(el, loading());
  try {
    const data = await load();
    if (isEmpty && isEmpty(data)) clear(el, empty(emptyText || "Nothing here yet."));
    else clear(el, render(data));
  } catch (error) {
    clear(el, errorBox(error, () => section(el, load, render, { emptyText, isEmpty })));
  }
}

export function table(columns, rows, attrs = {}) {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      attrs,
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col", class: c.num ? "num" : null }, c.label)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", { class: c.num ? "num" : null }, c.cell(row)))))),
    ),
  );
}

// --- formatting -----------------------------------------------------------------------------------
const moneyFormats = new Map();
export function money(m) {
  if (!m || m.amount === undefined || m.amount === null) return "—";
  const currency = m.currency || "USD";
  if (!moneyFormats.has(currency)) {
    moneyFormats.set(currency, new Intl.NumberFormat("en-US", { style: "currency", currency }));
  }
  return moneyFormats.get(currency).format(Number(m.amount));
}

export const count = (n) => (n === null || n === undefined ? "—" : new Intl.NumberFormat("en-US").format(n));

export function ratioPercent(ratio) {
  if (ratio === null || ratio === undefined) return "—";
  return `${(Number(ratio) * 100).toFixed(1)}%`;
}

export function change(value, unit = "%") {
  if (value === null || value === undefined) return { text: "no previous data", cls: "flat" };
  const n = Number(value);
  const arrow = n > 0 ? "▲" : n < 0 ? "▼" : "■";
  const sign = n > 0 ? "+" : "";
  return { text: `${arrow} ${sign}${n.toFixed(1)}${unit} vs previous`, cls: n > 0 ? "up" : n < 0 ? "down" : "flat" };
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(n) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - n);
  return isoDay(d);
}
