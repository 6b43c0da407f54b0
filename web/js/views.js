// The seller's screens: overview (KPIs + charts + connection), orders, inventory, export & erase.
// No buyer PII is requested or shown anywhere (the order listing carries none; shipping addresses
// are never fetched by the dashboard).

import { h, clear, loading, empty, errorBox, daysAgo } from "./dom.js";
import { marketplaceName } from "./marketplaces.js";
import { PERIODS, periodPlan, windowsOf, sameWindows, profitAndLoss, plTable, skuTable, missingCostSkus } from "./profit.js";
import { api, ApiError } from "./session.js";
import { lineChart } from "./charts.js";
import { startAdsConnect } from "./connect-ads.js";
import { loadAds, adsSection } from "./ads.js";
import { homeTotal, homeShown, homeProfitAndLoss, ratesNote } from "./home-total.js";
import { KPIS, kpiChange, kpiLabel, kpiText } from "./kpis.js";
import { glance } from "./glance.js";

const seg = (id) => encodeURIComponent(id);

// --- connection --------------------------------------------------------------------------------
export function connectAmazon(label = "Connect Amazon account") {
  const box = h("p", { class: "state error", role: "alert", hidden: true });
  const button = h("button", { type: "button", "data-testid": "connect-amazon" }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    box.hidden = true;
    try {
      const started = await api("/connect/amazon", { accept: "application/json" });
      if (!started || !started.authorize_url) throw new Error("Amazon's consent page address is missing.");
      location.assign(started.authorize_url);
    } catch (error) {
      box.hidden = false;
      box.textContent =
        error.status === 404 ? "Connecting Amazon accounts is not available on this installation yet." : error.message;
      button.disabled = false;
    }
  });
  return h("div", { class: "connect" }, button, box);
}

// Owners grant Amazon Ads access separately (Login with Amazon, advertising scope), once per Amazon Ads
// region the seller sells in: a grant given in one region reaches only that region's profiles.
const ADS_REGION_OF = {
  ATVPDKIKX0DER: "NA", A2EUQ1WTGCTBG2: "NA", A1AM78C64UM0Y8: "NA", A2Q3Y263D00KWC: "NA",
  A1PA6795UKMFR9: "EU", A1F83G8C2ARO7P: "EU", A13V1IB3VIYZZH: "EU", APJ6JRA9NG5V4: "EU", A1RKKUPIHCS9HS: "EU",
  A1VC38T7YXB528: "FE", A39IBJ37TRP1C6: "FE", A19VAU5U5O7RUS: "FE",
};
const ADS_REGION_NAME = { NA: "North America", EU: "Europe", FE: "Far East" };

function connectAmazonAds(sellerId, marketplaceIds, granted) {
  const box = h("p", { class: "state error", role: "alert", hidden: true });
  const regions = [...new Set((marketplaceIds || []).map((m) => ADS_REGION_OF[m]).filter(Boolean))];
  const missing = regions.filter((region) => !granted.includes(region));
  if (regions.length && !missing.length) return null; // every region of the seller's marketplaces is granted
  if (!regions.length && granted.length) return null;
  const buttons = (missing.length ? missing : [null]).map((region) => {
    const label = region ? `Connect Amazon Ads — ${ADS_REGION_NAME[region]}` : "Connect Amazon Ads";
    const button = h("button", { type: "button", "data-testid": "connect-amazon-ads", "data-region": region || "" }, label);
    button.addEventListener("click", async () => {
      button.disabled = true;
      box.hidden = true;
      try {
        await startAdsConnect(sellerId, region);
      } catch (error) {
        box.hidden = false;
        box.textContent = error.message;
        button.disabled = false;
      }
    });
    return button;
  });
  return h("div", { class: "connect" }, ...buttons, box);
}

const CONNECTION_TEXT = {
  active: "Connected",
  expiring: "Authorization expiring soon",
  lapsed: "Authorization lapsed — reconnect",
  revoked: "Access revoked on Amazon — reconnect",
  disconnected: "Disconnected",
};

function connectionPanel(seller) {
  const el = h("div", { class: "connection", "data-testid": "connection" });
  clear(el, loading("Checking the Amazon connection…"));
  api(`/sellers/${seg(seller.seller_id)}/connection`)
    .then((c) => {
      const bad = c.status !== "active";
      clear(
        el,
        h("span", { class: `pill ${c.status}`, "data-testid": "connection-status", "data-status": c.status }, CONNECTION_TEXT[c.status] || c.status),
        c.days_left !== null && c.days_left !== undefined ? h("span", { class: "muted" }, ` ${c.days_left} days left`) : null,
        c.last_sync_at ? h("span", { class: "muted" }, ` · last sync ${new Date(c.last_sync_at).toLocaleString()} (${c.last_outcome || "—"})`) : null,
        c.consecutive_failures ? h("span", { class: "warn" }, ` · ${c.consecutive_failures} failed syncs in a row`) : null,
        bad && seller.role === "owner" ? connectAmazon("Reconnect Amazon account") : null,
        c.ads ? h("span", { class: "muted", "data-testid": "ads-status", "data-status": c.ads.status }, c.ads.status === "connected" ? ` · Amazon Ads connected${c.ads.regions && c.ads.regions.length ? ` (${c.ads.regions.join(", ")})` : ""}` : " · Amazon Ads not connected") : null,
        c.ads && seller.role === "owner" ? connectAmazonAds(seller.seller_id, seller.marketplace_ids, c.ads.regions || []) : null,
      );
    })
    .catch((error) => {
      clear(
        el,
        h("span", { class: `pill ${seller.status}`, "data-testid": "connection-status", "data-status": seller.status }, CONNECTION_TEXT[seller.status] || seller.status),
        h("span", { class: "muted" }, error.status === 404 ? " (connection details are not available yet)" : ` (${error.message})`),
      );
    });
  return el;
}

// --- overview ---------------------------------------------------------------------------------
function kpiTile(name, label, kind, totals) {
  const { current, previous, currency } = totals;
  const raw = current[name];
  const rawValue = kind === "money" ? raw.amount : raw === null ? "" : String(raw);
  const d = kpiChange(name, kind, raw, previous[name], previous.days_with_data > 0, currency);
  return h(
    "div",
    { class: "tile", "data-testid": `kpi-${name}`, "data-currency": currency, "data-value": rawValue },
    h("span", { class: "label" }, kpiLabel(name, label, current.cogs_complete)),
    h("span", { class: "value", "data-testid": "kpi-value" }, kpiText(kind, raw)),
    h("span", { class: `delta ${d.cls}`, "data-testid": "kpi-change" }, d.text),
  );
}

function marketplaceFilter(seller, onChange, value = "") {
  const select = h(
    "select",
    { "aria-label": "Marketplace", "data-testid": "marketplace" },
    h("option", { value: "" }, "All marketplaces"),
    seller.marketplace_ids.map((m) => h("option", { value: m, selected: m === value }, marketplaceName(m))),
  );
  select.addEventListener("change", () => onChange(select.value));
  return select;
}

/** Renders a promise's result into `el` unless a newer refresh owns the screen (`fresh()` false). */
async function settle(el, promise, render, fresh, { isEmpty, emptyText, retry } = {}) {
  try {
    const data = await promise;
    if (!fresh()) return;
    clear(el, isEmpty && isEmpty(data) ? empty(emptyText || "Nothing here yet.") : render(data));
  } catch (error) {
    if (fresh()) clear(el, errorBox(error, retry));
  }
}

/** The SKU rows of the plan's windows: one request per distinct window, so each marketplace's rows
 *  cover exactly the days its dashboard figures cover. */
function skuRowsOf(base, windows, marketplace) {
  return skuAnswersOf(base, windows, marketplace).then((answers) => answers.flatMap((a) => a.skus));
}

function skuAnswersOf(base, windows, marketplace, inHome = false) {
  const groups = new Map();
  for (const w of windows) {
    const key = `${w.start}/${w.end}`;
    if (!groups.has(key)) groups.set(key, { ...w, ids: [] });
    groups.get(key).ids.push(w.marketplace_id);
  }
  const calls = groups.size === 1
    ? [{ ...[...groups.values()][0], only: marketplace }]
    : windows.map((w) => ({ ...w, only: w.marketplace_id }));
  return Promise.all(
    calls.map((c) => api(`${base}/analytics/skus`, { query: { from: c.start, to: c.end, marketplace: c.only, sort: "net_profit", currency: inHome ? "home" : undefined } })),
  );
}

/** The profit-per-SKU area: the table per currency, and (all marketplaces, several currencies) a
 *  switch to the API's home-currency view, in which every SKU sorts with every other by profit. */
function skuArea(rows, d, { base, marketplace, costsHref, filename }) {
  const holder = h("div", {});
  clear(holder, skuTable(rows, { costsHref, filename }));
  if (marketplace || !d || !homeShown(d)) return holder;
  const home = d.home.currency;
  const select = h(
    "select",
    { "aria-label": "Currency of the SKU table", "data-testid": "sku-currency" },
    h("option", { value: "" }, "Each marketplace's currency"),
    h("option", { value: "home" }, `All in ${home} (home currency)`),
  );
  let inHome = null;
  select.addEventListener("change", async () => {
    if (!select.value) return clear(holder, skuTable(rows, { costsHref, filename }));
    clear(holder, loading());
    try {
      inHome = inHome || skuAnswersOf(base, windowsOf(d), "", true);
      const answers = await inHome;
      if (select.value !== "home") return;
      const converted = answers.flatMap((a) => a.skus);
      clear(
        holder,
        h(
          "div",
          { "data-testid": "sku-home", "data-currency": home },
          answers.map((a) => (a.home ? ratesNote(a.home.source, a.home.rates, "sku-home-rates") : null)),
          skuTable(converted, { costsHref, filename: filename.replace(/\.csv$/, `-${home}.csv`), home }),
        ),
      );
    } catch (error) {
      inHome = null;
      clear(holder, errorBox(error));
    }
  });
  return h("div", {}, h("div", { class: "filters" }, h("label", {}, "Amounts: ", select)), holder);
}

// The period follows the seller around: in the URL (#/sellers/{id}?range=yesterday, a bookmark opens
// the morning check) and for the tab's session, so Overview after Inventory keeps "Yesterday".
const PERIOD_KEY = "sellerflow.period";
const NAMED = new Set(PERIODS.map(([v]) => v).filter((v) => v !== "custom"));

function rememberedPeriod() {
  const asked = new URLSearchParams(location.hash.split("?")[1] || "").get("range");
  if (NAMED.has(asked)) return asked;
  const kept = sessionStorage.getItem(PERIOD_KEY);
  return NAMED.has(kept) ? kept : "last30";
}

function rememberPeriod(sellerId, range) {
  if (!NAMED.has(range)) return;
  sessionStorage.setItem(PERIOD_KEY, range);
  // replaceState: no hashchange, so no new route; Back still leaves the overview
  history.replaceState(history.state, "", `#/sellers/${seg(sellerId)}?range=${range}`);
}

export function overview(page, seller) {
  const state = { range: rememberedPeriod(), marketplace: "" };
  const atGlance = h("div", { class: "glance-area", "data-testid": "glance-area" });
  const tiles = h("div", { class: "kpis-area" });
  const pl = h("div", { class: "pl-area", "data-testid": "pl-area" });
  const skus = h("div", { "data-testid": "sku-area" });
  const charts = h("div", { class: "charts" });
  const ads = h("div", { class: "ads-area", "data-testid": "ads-area" });
  const expanded = new Set();
  const range = h(
    "select",
    { "aria-label": "Period", "data-testid": "range" },
    PERIODS.map(([v, l]) => h("option", { value: v, selected: v === state.range }, l)),
  );
  // A custom period: two dates and Apply (the API takes up to 366 days)
  const from = h("input", { type: "date", "aria-label": "From", value: daysAgo(29), "data-testid": "range-from" });
  const to = h("input", { type: "date", "aria-label": "To", value: daysAgo(0), "data-testid": "range-to" });
  const apply = h("button", { type: "button", class: "secondary", "data-testid": "range-apply" }, "Apply");
  const customBox = h("span", { class: "custom-range", hidden: true }, from, to, apply);
  apply.addEventListener("click", () => {
    if (!from.value || !to.value || from.value > to.value) return to.setCustomValidity("The end must not be before the start."), to.reportValidity();
    to.setCustomValidity("");
    state.custom = { from: from.value, to: to.value };
    refresh();
  });
  range.addEventListener("change", () => {
    state.range = range.value;
    rememberPeriod(seller.seller_id, state.range);
    customBox.hidden = state.range !== "custom";
    if (state.range === "custom") return from.focus();
    refresh();
  });
  clear(
    page,
    h("div", { class: "page-head" }, h("h1", {}, seller.name), connectionPanel(seller)),
    h("div", { class: "filters" }, range, customBox, marketplaceFilter(seller, (m) => ((state.marketplace = m), refresh()))),
    atGlance,
    tiles,
    h("h2", {}, "Profit and loss"),
    pl,
    h("h2", {}, "Profit per SKU"),
    skus,
    h("h2", {}, "Daily sales and profit"),
    charts,
    h("h2", {}, "Advertising (ACOS, TACOS, ROAS)"),
    ads,
  );
  let generation = 0;
  const costsHref = `#/sellers/${seg(seller.seller_id)}/costs?missing=1`;
  const inventoryHref = `#/sellers/${seg(seller.seller_id)}/inventory`;
  // The inventory does not depend on the period: read once, after the first figures (not before them)
  let stock = null;
  const inventoryOnce = (after) =>
    (stock = stock || after.catch(() => null).then(() => api(`/sellers/${seg(seller.seller_id)}/inventory`).then((v) => v.items, () => null)));

  function refresh() {
    const mine = ++generation;
    const fresh = () => mine === generation && page.isConnected;
    const base = `/sellers/${seg(seller.seller_id)}`;
    const scope = state.marketplace ? [state.marketplace] : seller.marketplace_ids;
    if (state.range === "custom" && !state.custom) return;
    const plan = periodPlan(state.range, scope, new Date(), state.custom);
    for (const el of [atGlance, tiles, pl, skus, charts, ads]) clear(el, loading());
    // Every request starts now, together: the windows are known without asking (the marketplaces'
    // own calendars, as the API resolves them). Should the dashboard resolve other days (a request
    // made across a marketplace's midnight), the SKU rows and the chart are asked again for its days.
    const dashboard = api(`${base}/dashboard`, { query: { ...plan.query, marketplace: state.marketplace } });
    const dailyOf = (windows) => {
      if (!windows.length) return Promise.resolve({ days: [] });
      const first = windows.reduce((a, w) => (a < w.start ? a : w.start), windows[0].start);
      const last = windows.reduce((a, w) => (a > w.end ? a : w.end), windows[0].end);
      return api(`${base}/analytics/daily`, { query: { from: first, to: last, marketplace: state.marketplace } });
    };
    const planned = { daily: dailyOf(plan.windows), skus: skuRowsOf(base, plan.windows, state.marketplace) };
    planned.daily.catch(() => {});
    planned.skus.catch(() => {});
    const checked = dashboard.then((d) =>
      sameWindows(windowsOf(d), plan.windows) ? planned : { daily: dailyOf(windowsOf(d)), skus: skuRowsOf(base, windowsOf(d), state.marketplace) },
    );
    const adsGroups = loadAds(base, plan.windows);
    const skuRows = checked.then((c) => c.skus);
    skuRows.catch(() => {});

    settle(
      tiles,
      dashboard,
      (d) =>
        h(
          "div",
          {},
          homeTotal(d),
          d.totals.map((t) =>
            h(
              "section",
              { class: "kpi-group", "data-testid": "kpi-group", "data-currency": t.currency },
              h("h3", {}, `${t.currency} · ${periodText(d, t.currency)}`),
              h("div", { class: "kpis" }, KPIS.map(([name, label, kind]) => kpiTile(name, label, kind, t))),
            ),
          ),
        ),
      fresh,
      { isEmpty: (d) => !d.totals.length, emptyText: "No sales in this period yet. The first sync may still be running.", retry: refresh },
    );
    const title = state.range === "custom" ? `${state.custom.from} – ${state.custom.to}` : PERIODS.find(([v]) => v === state.range)[1];
    settle(
      atGlance,
      Promise.all([dashboard, skuRows, inventoryOnce(dashboard)]),
      ([d, rows, items]) => glance(d, rows, items, { title, inventoryHref, marketplace: state.marketplace }),
      fresh,
      { retry: refresh },
    );
    settle(
      pl,
      Promise.all([dashboard, skuRows.catch(() => null)]),
      ([d, rows]) => {
        const missing = rows ? missingCostSkus(rows) : null;
        const incomplete = d.totals.some((t) => !t.current.cogs_complete);
        return h(
          "div",
          {},
          incomplete || (missing && missing.length)
            ? h(
                "p",
                { class: "state warn-box", role: "status", "data-testid": "missing-costs" },
                h("strong", {}, missing && missing.length ? `${missing.length} SKU${missing.length === 1 ? "" : "s"} sold without a unit cost` : "Some SKUs were sold without a unit cost"),
                ": profit and ROI leave their cost out (labelled “excl. missing costs”). ",
                h("a", { href: costsHref, "data-testid": "missing-costs-link" }, "Add the missing costs"),
                missing && missing.length ? h("span", { class: "muted" }, ` (${missing.slice(0, 5).join(", ")}${missing.length > 5 ? ", …" : ""})`) : null,
              )
            : null,
          homeProfitAndLoss(d, expanded, allPeriodText(d)),
          d.totals.map((t) => plTable(profitAndLoss(t), periodText(d, t.currency), expanded)),
        );
      },
      fresh,
      { isEmpty: (x) => !x[0].totals.length, emptyText: "No figures for this period yet.", retry: refresh },
    );
    settle(
      skus,
      Promise.all([skuRows, dashboard.catch(() => null)]),
      ([rows, d]) => skuArea(rows, d, { base, marketplace: state.marketplace, costsHref, filename: `sellerflow-profit-per-sku-${state.range}.csv` }),
      fresh,
      { isEmpty: ([rows]) => !rows.length, emptyText: "No SKU sold in this period yet.", retry: refresh },
    );
    settle(
      charts,
      checked.then((c) => c.daily),
      (daily) => h("div", {}, dailyCharts(daily.days)),
      fresh,
      { isEmpty: (daily) => !daily.days.length, emptyText: "No daily figures for this period yet.", retry: refresh },
    );
    settle(ads, adsGroups, (groups) => adsSection(groups), fresh, {
      isEmpty: (groups) => !groups || !groups.some((g) => g.days.some((d) => d.cost !== 0n || d.ad_sales !== 0n)),
      emptyText: "No advertising data yet: ACOS, TACOS and ROAS appear once Amazon Ads reports have been synced.",
      retry: refresh,
    });
  }
  refresh();
}

/** The days of every marketplace's window (their local days may differ by one). */
function allPeriodText(d) {
  const span = (key) => {
    const starts = d.marketplaces.map((m) => m[key].start).sort();
    const ends = d.marketplaces.map((m) => m[key].end).sort();
    return starts.length ? `${starts[0]} – ${ends[ends.length - 1]}` : "";
  };
  return d.marketplaces.length ? `${span("current")} (previous: ${span("previous")})` : d.range;
}

function periodText(d, currency) {
  const w = d.marketplaces.find((m) => m.currency === currency);
  return w ? `${w.current.start} – ${w.current.end} (previous: ${w.previous.start} – ${w.previous.end})` : d.range;
}

function dailyCharts(days) {
  const byCurrency = new Map();
  for (const day of days) {
    if (!byCurrency.has(day.currency)) byCurrency.set(day.currency, new Map());
    const perDay = byCurrency.get(day.currency);
    const agg = perDay.get(day.day) || { sales: 0, profit: 0 };
    agg.sales += Number(day.gross_sales.amount);
    agg.profit += Number(day.net_profit.amount);
    perDay.set(day.day, agg);
  }
  return [...byCurrency].map(([currency, perDay]) => {
    const keys = [...perDay.keys()].sort();
    const fmt = new Intl.NumberFormat("en-US", { style: "currency", currency, notation: "compact", maximumFractionDigits: 1 });
    return lineChart({
      title: `Daily sales and net profit (${currency})`,
      days: keys,
      series: [
        { name: "Sales", cls: "s1", values: keys.map((k) => perDay.get(k).sales) },
        { name: "Net profit", cls: "s2", values: keys.map((k) => perDay.get(k).profit) },
      ],
      format: (v) => fmt.format(v),
      testid: "chart-daily",
    });
  });
}

// Orders and inventory live in their own modules (re-exported for the router).
export { orders } from "./orders.js";
export { inventory } from "./inventory.js";

// --- export & erase -----------------------------------------------------------------------------
function download(url) {
  const a = h("a", { href: url, download: "sellerflow-export.zip", rel: "noopener", class: "sr-only" }, "download");
  document.body.append(a);
  a.click();
  a.remove();
}

const wait = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function dataRights(page, seller) {
  const owner = seller.role === "owner";
  const exportStatus = h("div", { "data-testid": "export-status" });
  const exportButton = h("button", { type: "button", "data-testid": "export-start", disabled: !owner }, "Export all data (zip)");
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    clear(exportStatus, loading("Preparing the export…"));
    try {
      const started = await api(`/sellers/${seg(seller.seller_id)}/exports`, { method: "POST" });
      let status = started;
      for (let i = 0; i < 300 && status.status === "running"; i++) {
        await wait(i < 10 ? 1000 : 3000);
        status = await api(`/sellers/${seg(seller.seller_id)}/exports/${seg(started.export_id)}`);
      }
      if (status.status !== "ready" || !status.url) throw new ApiError(500, status.status === "failed" ? "The export failed. Try again." : "The export is taking long; check back later.");
      const link = h("a", { href: status.url, "data-testid": "export-link", rel: "noopener" }, "Download the export again");
      clear(exportStatus, h("p", { class: "state ok" }, `Export ready (link valid for ${Math.round((status.expires_in || 900) / 60)} minutes). `, link));
      download(status.url);
    } catch (error) {
      clear(exportStatus, errorBox(error));
    } finally {
      exportButton.disabled = !owner;
    }
  });

  const eraseStatus = h("div", { "data-testid": "erase-status" });
  const confirmInput = h("input", { type: "text", autocomplete: "off", "aria-label": "Type the seller id to confirm", "data-testid": "erase-confirm", disabled: !owner });
  const eraseButton = h("button", { type: "button", class: "danger", disabled: true, "data-testid": "erase-start" }, "Erase this seller");
  confirmInput.addEventListener("input", () => (eraseButton.disabled = confirmInput.value.trim() !== seller.seller_id));
  eraseButton.addEventListener("click", async () => {
    eraseButton.disabled = true;
    clear(eraseStatus, loading("Starting the erasure…"));
    try {
      await api(`/sellers/${seg(seller.seller_id)}`, { method: "DELETE" });
      clear(eraseStatus, h("p", { class: "state ok" }, "Erasure started. Sellerflow disconnects the account and deletes all of its data; this cannot be undone."));
    } catch (error) {
      clear(eraseStatus, errorBox(error));
    }
  });

  clear(
    page,
    h("h1", {}, "Export & erase"),
    owner ? null : h("p", { class: "state empty" }, "Only owners can export or erase a seller's data."),
    h("section", { class: "card" }, h("h2", {}, "Export"), h("p", {}, "Download everything Sellerflow holds for this seller as a zip of JSON files. No buyer personal data is included."), exportButton, exportStatus),
    h(
      "section",
      { class: "card danger-zone" },
      h("h2", {}, "Erase"),
      h("p", {}, "Disconnect the Amazon account and permanently delete all of this seller's data. To confirm, type the seller id ", h("code", {}, seller.seller_id), "."),
      confirmInput,
      eraseButton,
      eraseStatus,
    ),
  );
}
