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
  const title =
    status === 404 ? "Not found" : status === 403 ? "Not allowed" : status === 402 ? "Not in your plan" : "Something went wrong";
  return h(
    "div",
    { class: "state error", role: "alert", "data-testid": status === 404 ? "not-found" : "error", "data-status": status || "" },
    h("strong", {}, title),
    h("span", {}, " — ", (error && error.message) || String(error)),
    // a plan limit (Billing=on): nothing was changed; the billing tab says what the plan allows
    status === 402 ? h("a", { href: location.hash.replace(/^(#\/sellers\/[^/]+).*$/, "$1/billing"), "data-testid": "to-billing" }, " See billing") : null,
    retry ? h("button", { type: "button", class: "link", onclick: retry }, "Retry") : null,
  );
}

/**
 * A button copying `text` to the clipboard; `status` (a role=status element) says whether it did.
 * Without clipboard access (an insecure origin, a refused permission) the text is selected instead.
 */
export function copyButton(text, status, label = "Copy") {
  return h("button", {
    type: "button",
    class: "secondary",
    onclick: async (event) => {
      try {
        await navigator.clipboard.writeText(text);
        status.textContent = "Copied.";
      } catch {
        const target = event.target.parentElement && event.target.parentElement.querySelector("code");
        if (target) getSelection().selectAllChildren(target);
        status.textContent = "Selected: copy it with Ctrl+C (⌘C).";
      }
    },
  }, label);
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

/** A change figure from the API's percentage (kept for callers without the previous value). */
export function change(value, unit = "%") {
  if (value === null || value === undefined) return { text: "no previous data", cls: "flat" };
  const n = Number(value);
  const arrow = n > 0 ? "▲" : n < 0 ? "▼" : "■";
  const sign = n > 0 ? "+" : "";
  return { text: `${arrow} ${sign}${n.toFixed(1)}${unit} vs previous`, cls: n > 0 ? "up" : n < 0 ? "down" : "flat" };
}

/**
 * The change from `previous` to `current` (numbers or decimal strings) as the user reads it: the
 * absolute change always (`formatDelta` formats it), the percentage only when the base is a positive
 * amount (a missing, zero or negative base gives no meaningful percentage: "+14008.9 %" from 0.01).
 */
export function delta(current, previous, formatDelta, { hasPrevious = true } = {}) {
  if (!hasPrevious || previous === null || previous === undefined || current === null || current === undefined) {
    return { text: "no previous data", cls: "flat" };
  }
  const diff = exactSub(current, previous);
  const n = toNumber(diff);
  const arrow = n > 0 ? "▲" : n < 0 ? "▼" : "■";
  const base = toNumber(previous);
  const pct = base > 0 ? ` (${n > 0 ? "+" : n < 0 ? "−" : ""}${Math.abs((n / base) * 100).toFixed(1)}%)` : "";
  return { text: `${arrow} ${n > 0 ? "+" : n < 0 ? "−" : ""}${formatDelta(Math.abs(n))}${pct} vs previous`, cls: n > 0 ? "up" : n < 0 ? "down" : "flat" };
}

/** A ratio's change in percentage points ("▲ +1.2 pts vs previous"), "no previous data" without a base. */
export function pointsDelta(current, previous, { hasPrevious = true } = {}) {
  if (!hasPrevious || current === null || current === undefined || previous === null || previous === undefined) {
    return { text: "no previous data", cls: "flat" };
  }
  const points = (Number(current) - Number(previous)) * 100;
  const cls = points > 0 ? "up" : points < 0 ? "down" : "flat";
  return { text: `${points > 0 ? "▲ +" : points < 0 ? "▼ −" : "■ "}${Math.abs(points).toFixed(1)} pts vs previous`, cls };
}

/** A change where less is better (a cost, ACOS): the same text, the good/bad colour turned. */
export function lowerIsBetter(d) {
  return d.cls === "flat" ? d : { ...d, cls: d.cls === "up" ? "down" : "up" };
}

// --- exact decimals: amounts arrive as decimal strings and are added as integers of 10⁻⁶ -----------
const SCALE = 6;
const UNIT = 10n ** BigInt(SCALE);

/** "12.3456" → 12345600n (micro-units); numbers are taken through their decimal text. */
export function exact(value) {
  if (typeof value === "bigint") return value;
  const text = String(value === null || value === undefined ? "0" : value).trim();
  const match = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text);
  if (!match) throw new Error(`not a decimal: ${text}`);
  const whole = BigInt(match[2] || "0") * UNIT;
  const frac = BigInt(((match[3] || "") + "0".repeat(SCALE)).slice(0, SCALE));
  return match[1] === "-" ? -(whole + frac) : whole + frac;
}

export const exactSum = (values) => values.reduce((a, v) => a + exact(v), 0n);
export const exactSub = (a, b) => exact(a) - exact(b);
export const toNumber = (v) => Number(exact(v)) / Number(UNIT);

/** Micro-units back to a decimal string without trailing zeros ("12.5", "-3"). */
export function exactText(v) {
  const n = exact(v);
  const sign = n < 0n ? "-" : "";
  const abs = n < 0n ? -n : n;
  const frac = (abs % UNIT).toString().padStart(SCALE, "0").replace(/0+$/, "");
  return `${sign}${abs / UNIT}${frac ? "." + frac : ""}`;
}

/** Offers `rows` (arrays of cells) as a CSV file download. */
export function downloadCsv(filename, rows) {
  const quote = (cell) => {
    let text = cell === null || cell === undefined ? "" : String(cell);
    if (/^[=+@\t\r]/.test(text) || /^-(?![\d.])/.test(text)) text = `'${text}`; // no formulas in spreadsheets
    return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
  };
  const body = rows.map((r) => r.map(quote).join(",")).join("\r\n") + "\r\n";
  const url = URL.createObjectURL(new Blob([body], { type: "text/csv;charset=utf-8" }));
  const a = h("a", { href: url, download: filename, class: "sr-only" }, "download");
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export function isoDay(date) {
  return date.toISOString().slice(0, 10);
}

export function daysAgo(n) {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() - n);
  return isoDay(d);
}
