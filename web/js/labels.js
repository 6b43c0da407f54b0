// Shipping labels: the work queue of unshipped merchant-fulfilled orders (late ones first), the package
// profile of each SKU, the ship-from address, rates, buy, print (the label is downloaded, never kept by
// the page), void. No buyer data is shown: the recipient exists only inside the label document.

import { h, clear, loading, errorBox, empty, table } from "./dom.js";
import { api } from "./session.js";
import { marketplaceName } from "./marketplaces.js";

const seg = (id) => encodeURIComponent(id);
const when = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "—");
const COUNTRY = /^[A-Z]{2}$/;

/** The message of a failed call: the API's own (it says what to do) before the generic one. */
function messageOf(error) {
  const body = error && error.body;
  return (body && typeof body.message === "string" && body.message) || (error && error.message) || String(error);
}

function notice(el, text, kind = "error") {
  clear(el, h("p", { class: `state ${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": `labels-${kind}` }, text));
}

/** Saves the label file for printing, then forgets it (no storage; the object URL is revoked). */
function saveLabel(orderId, label) {
  const bytes = Uint8Array.from(atob(label.content_base64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: label.content_type }));
  const ext = { PDF: "pdf", PNG: "png", ZPL: "zpl" }[label.format] || "bin";
  const a = h("a", { href: url, download: `label-${orderId}.${ext}`, class: "sr-only" }, "label");
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

function profileForm(sellerId, sku, done) {
  const field = (name, label, step) => h("label", {}, label, h("input", { name, type: "number", min: "0", step, required: true, inputmode: "decimal" }));
  const status = h("div");
  const form = h(
    "form",
    { class: "filters", "data-testid": `profile-${sku}` },
    h("strong", {}, sku),
    field("length_cm", "L cm", "0.1"),
    field("width_cm", "W cm", "0.1"),
    field("height_cm", "H cm", "0.1"),
    field("weight_g", "Weight g", "1"),
    h("button", { type: "submit" }, "Save package"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    try {
      await api(`/sellers/${seg(sellerId)}/labels/profiles/${seg(sku)}`, {
        method: "PUT",
        body: { length_cm: data.length_cm, width_cm: data.width_cm, height_cm: data.height_cm, weight_g: Number(data.weight_g) },
      });
      done();
    } catch (error) {
      notice(status, messageOf(error));
    }
  });
  return form;
}

function shipFromForm(sellerId) {
  const input = (name, label, attrs = {}) => h("label", {}, label, h("input", { name, required: true, ...attrs }));
  const status = h("div");
  const form = h(
    "form",
    { class: "stack", "data-testid": "ship-from" },
    input("name", "Name"),
    input("address_line1", "Address"),
    input("city", "City"),
    input("state_or_region", "State or region"),
    input("postal_code", "Postal code"),
    input("country_code", "Country (2 letters)", { maxlength: "2" }),
    h("label", {}, "Keep labels for reprinting (days, 0 = never)", h("input", { name: "reprint_days", type: "number", min: "0", max: "30", value: "7" })),
    h("label", {}, "Label format", h("select", { name: "label_format" }, ["PDF", "PNG", "ZPL"].map((f) => h("option", { value: f }, f)))),
    h("button", { type: "submit" }, "Save ship-from address"),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const d = Object.fromEntries(new FormData(form));
    if (!COUNTRY.test(d.country_code.toUpperCase())) return notice(status, "The country is two letters, e.g. US, GB, DE.");
    try {
      await api(`/sellers/${seg(sellerId)}/labels/settings`, {
        method: "PUT",
        body: {
          ship_from: { name: d.name, address_line1: d.address_line1, city: d.city, state_or_region: d.state_or_region, postal_code: d.postal_code, country_code: d.country_code.toUpperCase() },
          reprint_days: Number(d.reprint_days || 0),
          label_format: d.label_format,
        },
      });
      return notice(status, "Saved.", "ok");
    } catch (error) {
      return notice(status, messageOf(error));
    }
  });
  return h("details", { class: "card" }, h("summary", {}, "Ship-from address and label format"), form);
}

function shipmentCell(sellerId, entry, refresh, status) {
  const s = entry.shipment;
  if (!s) return "—";
  const label = `/sellers/${seg(sellerId)}/orders/${seg(entry.order_id)}/label`;
  const action = async (run) => {
    try {
      await run();
      refresh();
    } catch (error) {
      notice(status, messageOf(error));
    }
  };
  if (s.status !== "PURCHASED") return h("span", { class: "warn" }, s.status === "PENDING" ? "Purchase unconfirmed — buy again to get the same label" : s.status);
  return h(
    "span",
    {},
    `${s.carrier || ""} ${s.tracking_id || ""} ${s.tracking_status ? `(${s.tracking_status})` : ""} `,
    h("button", { type: "button", class: "link", onclick: () => action(async () => saveLabel(entry.order_id, await api(label))) }, "Print"),
    " ",
    new Date(s.void_until) > new Date()
      ? h("button", { type: "button", class: "link", onclick: () => action(() => api(label, { method: "DELETE" })) }, "Void")
      : null,
  );
}

async function showRates(sellerId, entry, box, refresh) {
  clear(box, loading("Asking Amazon for rates…"));
  const base = `/sellers/${seg(sellerId)}/orders/${seg(entry.order_id)}/label`;
  let quote;
  try {
    quote = await api(`${base}/rates`, { method: "POST" });
  } catch (error) {
    return notice(box, messageOf(error));
  }
  const buy = async (rate) => {
    clear(box, loading("Buying the label…"));
    try {
      const label = await api(base, { method: "POST", body: { request_token: quote.request_token, rate_id: rate.rate_id } });
      saveLabel(entry.order_id, label);
      refresh();
    } catch (error) {
      notice(box, messageOf(error));
    }
  };
  return clear(
    box,
    h("h3", {}, `Rates for ${entry.order_id} (valid until ${when(quote.expires_at)})`),
    table(
      [
        { label: "Carrier", cell: (r) => r.carrier },
        { label: "Service", cell: (r) => r.service },
        { label: "Price", num: true, cell: (r) => `${r.price} ${r.currency}` },
        { label: "Delivered by", cell: (r) => when(r.delivery_by) },
        { label: "", cell: (r) => h("button", { type: "button", onclick: () => buy(r), "data-testid": "buy" }, "Buy") },
      ],
      quote.rates,
      { "data-testid": "rates" },
    ),
    quote.ineligible.length ? h("p", { class: "muted" }, `Not offered: ${quote.ineligible.join("; ")}`) : null,
  );
}

export async function labels(page, seller) {
  const sellerId = seller.seller_id;
  const status = h("div");
  const rates = h("div", { class: "card", "data-testid": "rates-box", hidden: true });
  const body = h("div", {}, loading());
  clear(page, h("div", { class: "page-head" }, h("h1", {}, "Shipping labels")), shipFromForm(sellerId), status, rates, body);
  const refresh = async () => {
    let queue;
    try {
      queue = (await api(`/sellers/${seg(sellerId)}/labels/queue`)).orders;
    } catch (error) {
      return clear(body, errorBox(error, refresh));
    }
    if (!queue.length) return clear(body, empty("No merchant-fulfilled order is waiting to ship."));
    const missing = [...new Set(queue.flatMap((e) => e.lines.filter((l) => l.sku && !l.has_profile).map((l) => l.sku)))];
    return clear(
      body,
      missing.length ? h("section", { class: "card" }, h("h2", {}, "Package sizes needed"), missing.map((sku) => profileForm(sellerId, sku, refresh))) : null,
      table(
        [
          { label: "Order", cell: (e) => h("span", {}, e.order_id, h("br"), h("span", { class: "muted" }, marketplaceName(e.marketplace_id) || e.marketplace_id)) },
          { label: "Ship by", cell: (e) => (e.late ? h("strong", { class: "warn", "data-testid": "late" }, `Late — ${when(e.ship_by)}`) : when(e.ship_by)) },
          { label: "Items", cell: (e) => e.lines.map((l) => h("div", {}, `${l.quantity} × ${l.sku || "?"}`)) },
          { label: "Package", cell: (e) => (e.package ? `${e.package.length_cm}×${e.package.width_cm}×${e.package.height_cm} cm, ${e.package.weight_g} g` : h("span", { class: "warn" }, "size needed")) },
          { label: "Label", cell: (e) => shipmentCell(sellerId, e, refresh, status) },
          {
            label: "",
            cell: (e) =>
              !e.shipment || e.shipment.status !== "PURCHASED"
                ? h("button", { type: "button", disabled: !e.package, "data-testid": "get-rates", onclick: () => ((rates.hidden = false), showRates(sellerId, e, rates, refresh)) }, "Rates")
                : null,
          },
        ],
        queue,
        { "data-testid": "label-queue" },
      ),
    );
  };
  return refresh();
}
