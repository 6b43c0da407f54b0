// Review requests (Amazon's Solicitations API): the seller's setting (on/off, days after delivery)
// and the counts of requested, skipped (per reason) and pending orders. Owners only: the requests
// go to buyers in the seller's name.

import { h, clear, table } from "./dom.js";
import { api } from "./session.js";

const REASONS = {
  cancelled: "cancelled",
  refunded: "refunded or returned",
  window_passed: "more than 30 days after delivery",
  not_offered: "not offered by Amazon",
  rejected: "refused by Amazon",
};

export function reviewRequestsView(d, base, reload) {
  const box = h("p", { class: "state error", role: "alert", hidden: true });
  const enabled = h("input", { type: "checkbox", name: "enabled", checked: d.settings.enabled, "aria-label": "Request reviews automatically" });
  const delay = h("input", { type: "number", name: "delay_days", min: 5, max: 30, required: true, value: d.settings.delay_days, "aria-label": "Days after delivery (5 to 30)" });
  const form = h(
    "form",
    { class: "inline-form", "data-testid": "review-settings-form" },
    h("label", {}, enabled, " Request a review and seller feedback "),
    delay,
    h("span", {}, " days after delivery "),
    h("button", { type: "submit" }, "Save"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hidden = true;
    try {
      await api(`${base}/review-requests/settings`, { method: "PUT", body: { enabled: enabled.checked, delay_days: Number(delay.value) } });
      reload();
    } catch (error) {
      box.hidden = false;
      box.textContent = error.message;
    }
  });
  const c = d.counts;
  const rows = [
    { what: "Requested", n: c.requested },
    ...Object.entries(c.skipped).map(([reason, n]) => ({ what: `Skipped: ${REASONS[reason] || reason}`, n })),
    { what: "Pending (asked again by a later sync)", n: c.pending },
  ];
  return h(
    "div",
    { "data-testid": "review-requests-view" },
    form,
    box,
    table([{ label: "Orders", cell: (r) => r.what }, { label: "Count", cell: (r) => String(r.n) }], rows),
    h("p", { class: "muted" }, "Amazon sends its standard request once per order, 5 to 30 days after delivery; only the order id is sent."),
  );
}
