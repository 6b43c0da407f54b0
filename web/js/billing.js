// Billing of one seller (hosted deployments with Billing=on): the plan, its state and banner, usage
// against the plan's limits, the next invoice, and buttons to Stripe's hosted pages (Checkout to
// subscribe, the Customer Portal to change plan or card or cancel). Card data never touches this page.
// Without billing the route answers 404 and the screen says so.

import { h, clear, table, loading, errorBox } from "./dom.js";
import { api } from "./session.js";

const seg = (id) => encodeURIComponent(id);
const day = (iso) => (iso ? iso.slice(0, 10) : "—");
const card = (title, ...body) => h("section", { class: "card" }, h("h2", {}, title), ...body);

function limitsTable(limits, usage) {
  const plan = { limits }; // the limits that apply now (a trial evaluates the whole product)
  const used = usage || {};
  const rows = [
    ["Connected Amazon accounts", used.connected_accounts, plan.limits.connected_accounts],
    ["Marketplaces", used.marketplaces, plan.limits.marketplaces],
    ["Team seats", used.seats, plan.limits.seats],
    ["Fastest sync (minutes)", null, plan.limits.sync_every_minutes],
    ["History (days)", null, plan.limits.history_days],
    ["WhatsApp alerts", null, plan.limits.whatsapp_alerts ? "yes" : "no"],
  ];
  const columns = [
    { label: "Limit", cell: (r) => r[0] },
    { label: "In use", cell: (r) => (r[1] === null || r[1] === undefined ? "—" : String(r[1])), num: true },
    { label: "Plan allows", cell: (r) => String(r[2]), num: true },
  ];
  return table(columns, rows, { "data-testid": "billing-limits" });
}

async function open(path, box) {
  try {
    const started = await api(path, { method: "POST", body: path.endsWith("/checkout") ? { plan: box.plan } : undefined });
    location.assign(started.url);
  } catch (error) {
    clear(box.el, errorBox(error));
  }
}

export async function billing(page, seller) {
  const base = `/sellers/${seg(seller.seller_id)}/billing`;
  clear(page, h("h1", {}, "Billing"), loading());
  let data;
  let plans;
  try {
    [data, plans] = await Promise.all([api(base), api("/billing/plans")]);
  } catch (error) {
    const text = error.status === 404 ? "Billing is not part of this installation." : null;
    clear(page, h("h1", {}, "Billing"), text ? h("p", { class: "state empty", "data-testid": "billing-off" }, text) : errorBox(error));
    return;
  }
  const problems = h("div", {});
  const actions = h("p", {});
  if (data.has_customer) {
    actions.append(h("button", { type: "button", "data-testid": "billing-portal", onclick: () => open(`${base}/portal`, { el: problems }) }, "Manage plan, card or cancel"));
  } else {
    for (const plan of plans.plans) {
      actions.append(h("button", { type: "button", "data-testid": `checkout-${plan.id}`, onclick: () => open(`${base}/checkout`, { el: problems, plan: plan.id }) }, `Subscribe: ${plan.name}`));
    }
  }
  clear(
    page,
    h("h1", {}, "Billing"),
    data.banner ? h("p", { class: "state error", role: "alert", "data-testid": "billing-banner" }, data.banner) : "",
    card(
      "Plan",
      h("p", { "data-testid": "billing-plan" }, `${data.plan.name} — ${data.state.replace("_", " ")}`),
      h("p", {}, `Trial ends ${day(data.trial_ends_at)} · next invoice ${day(data.current_period_end)} · grace until ${day(data.grace_ends_at)}`),
      actions,
      problems,
    ),
    card("Usage and limits", limitsTable(data.limits, data.usage)),
  );
}

// Admins (Billing=on): every account's plan state, from GET /admin/billing.
export async function adminBilling(page) {
  clear(page, h("h1", {}, "Plans of every account"), loading());
  let data;
  try {
    data = await api("/admin/billing");
  } catch (error) {
    clear(page, h("h1", {}, "Plans of every account"), errorBox(error));
    return;
  }
  const columns = [
    { label: "Seller account", cell: (a) => a.seller_id },
    { label: "Plan", cell: (a) => a.plan.name },
    { label: "State", cell: (a) => a.state.replace("_", " ") },
    { label: "Syncing", cell: (a) => (a.syncing ? "yes" : "paused") },
    { label: "Next invoice", cell: (a) => day(a.current_period_end) },
    { label: "Grace until", cell: (a) => day(a.grace_ends_at) },
  ];
  clear(page, h("h1", {}, "Plans of every account"), card(`${data.accounts.length} accounts`, table(columns, data.accounts, { "data-testid": "admin-billing" })));
}
