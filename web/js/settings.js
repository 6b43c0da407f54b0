// Settings of one seller: members and roles, invitations, the quarterly access review, the home
// currency of the overview's total, unit costs (COGS), alert rules, WhatsApp recipients and the
// deployment's sub-processors (who receives which data). Each panel loads on its own and degrades
// to a clear message when its route answers 403 (role lacks it) or 404 (not available on this
// installation yet).

import { h, clear, section, table, loading, errorBox, money, daysAgo } from "./dom.js";
import { api } from "./session.js";
import { currencyOf } from "./marketplaces.js";
import { reviewRequestsView } from "./reviews.js";
import { alertRulesEditor } from "./alerts.js";
import { homeCurrencyView } from "./home-currency.js";

const seg = (id) => encodeURIComponent(id);
const ROLES = ["owner", "analyst", "support"];

function panel(title, testid) {
  const body = h("div", {});
  return { el: h("section", { class: "card", "data-testid": testid }, h("h2", {}, title), body), body };
}

function unavailable(error, what) {
  if (error.status === 404) return errorBox(Object.assign(new Error(`${what} are not available on this installation yet.`), { status: 404 }));
  if (error.status === 403) return errorBox(Object.assign(new Error(`Your role cannot see or change ${what.toLowerCase()}.`), { status: 403 }));
  return errorBox(error);
}

async function guarded(body, load, render, what, opts) {
  clear(body, loading());
  try {
    const data = await load();
    clear(body, opts && opts.isEmpty && opts.isEmpty(data) ? h("p", { class: "state empty" }, opts.emptyText) : render(data));
  } catch (error) {
    clear(body, unavailable(error, what));
  }
}

function inlineForm(fields, submitLabel, onSubmit, testid) {
  const box = h("p", { class: "state error", role: "alert", hidden: true });
  const form = h("form", { class: "inline-form", "data-testid": testid }, fields, h("button", { type: "submit" }, submitLabel));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hidden = true;
    try {
      await onSubmit(new FormData(form), form);
    } catch (error) {
      box.hidden = false;
      box.textContent = error.message;
    }
  });
  return h("div", {}, form, box);
}

export function settings(page, seller) {
  const base = `/sellers/${seg(seller.seller_id)}`;
  const members = panel("Members and roles", "members");
  const invitations = panel("Invitations", "invitations");
  const review = panel("Access review", "access-review");
  const currency = panel("Home currency", "home-currency");
  const cogs = panel("Unit costs (COGS) per SKU", "cogs");
  const rules = panel("Alert rules: thresholds, channels and quiet hours", "alert-rules");
  const recipients = panel("WhatsApp recipients", "alert-recipients");
  const subprocessors = panel("Outside services (sub-processors) and the data they receive", "subprocessors");
  const reviewRequests = panel("Review requests", "review-requests");
  clear(page, h("h1", {}, "Settings"), members.el, invitations.el, review.el, currency.el, cogs.el, rules.el, recipients.el, reviewRequests.el, subprocessors.el);

  const loadMembers = () =>
    guarded(
      members.body,
      () => api(`${base}/members`),
      (d) =>
        table(
          [
            { label: "Email", cell: (m) => m.email || m.user_sub },
            {
              label: "Role",
              cell: (m) => {
                const select = h("select", { "aria-label": `Role of ${m.email || m.user_sub}` }, ROLES.map((r) => h("option", { value: r, selected: r === m.role }, r)));
                select.addEventListener("change", async () => {
                  try {
                    await api(`${base}/members/${seg(m.user_sub)}`, { method: "PUT", body: { role: select.value } });
                  } catch (error) {
                    alertInline(members.body, error);
                  }
                  loadMembers();
                });
                return select;
              },
            },
            { label: "Added", cell: (m) => (m.added_at || "").slice(0, 10) },
            {
              label: "",
              cell: (m) =>
                h("button", {
                  type: "button",
                  class: "link",
                  onclick: async () => {
                    try {
                      await api(`${base}/members/${seg(m.user_sub)}`, { method: "DELETE" });
                      loadMembers();
                    } catch (error) {
                      alertInline(members.body, error);
                    }
                  },
                }, "Remove"),
            },
          ],
          d.members,
        ),
      "Members",
    );

  const loadInvitations = () =>
    guarded(
      invitations.body,
      () => api(`${base}/invitations`),
      (d) =>
        h(
          "div",
          {},
          inlineForm(
            [
              h("input", { name: "email", type: "email", required: true, placeholder: "teammate@example.com", "aria-label": "Email" }),
              h("select", { name: "role", "aria-label": "Role" }, ROLES.map((r) => h("option", { value: r, selected: r === "analyst" }, r))),
            ],
            "Invite",
            async (data, form) => {
              const created = await api(`${base}/invitations`, { method: "POST", body: { email: data.get("email"), role: data.get("role") } });
              form.reset();
              await loadInvitations();
              invitations.body.prepend(
                h("p", { class: "state ok", "data-testid": "invitation-link" }, "Invitation created. Send this link (shown once): ", h("code", { class: "break" }, created.accept_url || `${location.origin}/#/accept?token=${created.token}`)),
              );
            },
            "invite-form",
          ),
          d.invitations.length
            ? table(
                [
                  { label: "Email", cell: (i) => i.email },
                  { label: "Role", cell: (i) => i.role },
                  { label: "Status", cell: (i) => i.status },
                  { label: "Expires", cell: (i) => (i.expires_at || "").slice(0, 16).replace("T", " ") },
                  {
                    label: "",
                    cell: (i) =>
                      i.status === "pending"
                        ? h("button", { type: "button", class: "link", onclick: async () => (await api(`${base}/invitations/${seg(i.invitation_id)}`, { method: "DELETE" }).catch((e) => alertInline(invitations.body, e)), loadInvitations()) }, "Revoke")
                        : "",
                  },
                ],
                d.invitations,
              )
            : h("p", { class: "state empty" }, "No invitations yet."),
        ),
      "Invitations",
    );

  const currencies = [...new Set(seller.marketplace_ids.map(currencyOf).filter(Boolean))];
  const loadCogs = () =>
    guarded(
      cogs.body,
      () => api(`${base}/cogs`),
      (d) =>
        h(
          "div",
          {},
          h("p", {}, h("a", { href: `#/sellers/${seg(seller.seller_id)}/costs`, "data-testid": "open-costs" }, "Open the cost editor"), " — every SKU with its cost, missing costs, CSV import and export."),
          seller.role === "support"
            ? null
            : inlineForm(
                [
                  h("input", { name: "sku", required: true, placeholder: "SKU", "aria-label": "SKU" }),
                  h("input", { name: "unit_cost", required: true, inputmode: "decimal", pattern: "[0-9]+([.][0-9]{1,4})?", placeholder: "4.20", "aria-label": "Unit cost" }),
                  h("select", { name: "currency", "aria-label": "Currency" }, currencies.map((c) => h("option", { value: c }, c))),
                  h("input", { name: "effective_from", type: "date", required: true, value: daysAgo(0), "aria-label": "Effective from" }),
                ],
                "Save cost",
                async (data) => {
                  await api(`${base}/cogs/${seg(String(data.get("sku")).trim())}`, {
                    method: "PUT",
                    body: { unit_cost: String(data.get("unit_cost")).trim(), currency: data.get("currency"), effective_from: data.get("effective_from") },
                  });
                  loadCogs();
                },
                "cogs-form",
              ),
          d.cogs.length
            ? table(
                [
                  { label: "SKU", cell: (c) => c.sku },
                  { label: "From", cell: (c) => c.effective_from },
                  { label: "Unit cost", num: true, cell: (c) => money(c.unit_cost) },
                ],
                d.cogs,
                { "data-testid": "cogs-table" },
              )
            : h("p", { class: "state empty" }, "No unit costs yet: net profit leaves out the cost of goods until you add them."),
        ),
      "Unit costs",
    );

  const loadRules = (saved = false) =>
    guarded(
      rules.body,
      () => api(`${base}/alerts/rules`),
      (d) => alertRulesEditor(d.rules || [], base, () => loadRules(true), seller.role === "owner", seller.marketplace_ids, saved),
      "Alert rules",
    );

  const loadRecipients = () =>
    guarded(
      recipients.body,
      () => api(`${base}/alerts/recipients`),
      (d) => {
        const list = d.recipients || [];
        const save = async (next) => {
          await api(`${base}/alerts/recipients`, { method: "PUT", body: { recipients: next } });
          loadRecipients();
        };
        return h(
          "div",
          {},
          list.length
            ? table(
                [
                  { label: "WhatsApp number", cell: (r) => r.phone },
                  { label: "Status", cell: (r) => (r.opted_out_at ? `opted out ${r.opted_out_at.slice(0, 10)}` : r.opted_in ? "opted in" : "waiting for opt-in") },
                  { label: "", cell: (r) => h("button", { type: "button", class: "link", onclick: () => save(list.filter((x) => x.phone !== r.phone).map(({ phone }) => ({ phone }))).catch((e) => alertInline(recipients.body, e)) }, "Remove") },
                ],
                list,
              )
            : h("p", { class: "state empty" }, "No recipients yet."),
          inlineForm(
            [h("input", { name: "phone", type: "tel", required: true, pattern: "\\+[1-9][0-9]{6,14}", placeholder: "+15551234567", "aria-label": "WhatsApp number (E.164)" })],
            "Add recipient",
            (data) => save([...list.map(({ phone }) => ({ phone })), { phone: String(data.get("phone")).trim() }]),
            "recipient-form",
          ),
        );
      },
      "WhatsApp recipients",
    );

  // The quarterly access review: who has access, their role and last activity; remove anyone who
  // should no longer have it (at once), then record the review as complete.
  const loadReview = () =>
    guarded(
      review.body,
      () => api(`${base}/access-review`),
      (d) => {
        const status = h(
          "p",
          { class: d.overdue ? "state error" : "muted", "data-testid": "access-review-due" },
          d.last_completed_at ? `Last review ${d.last_completed_at.slice(0, 10)}. ` : "Never reviewed. ",
          `${d.overdue ? "Overdue since" : "Next review due"} ${(d.due_at || "").slice(0, 10)}.`,
        );
        const act = async (call) => {
          try {
            await call();
            loadReview();
            loadMembers();
          } catch (error) {
            alertInline(review.body, error);
          }
        };
        // Removal is the team's own (audited, effective on the member's next call); completing
        // records who was kept.
        const remove = (m) => act(() => api(`${base}/members/${seg(m.user_sub)}`, { method: "DELETE" }));
        const complete = () => act(() => api(`${base}/access-review`, { method: "POST", body: { remove: [] } }));
        return h(
          "div",
          {},
          status,
          table(
            [
              { label: "Member", cell: (m) => m.email || m.user_sub },
              { label: "Role", cell: (m) => m.role },
              { label: "Last activity", cell: (m) => (m.last_activity ? m.last_activity.slice(0, 16).replace("T", " ") : "none recorded") },
              {
                label: "",
                cell: (m) =>
                  h("button", { type: "button", class: "link", "data-testid": "access-review-remove", onclick: () => remove(m) }, "Remove now"),
              },
            ],
            d.members,
          ),
          h("button", { type: "button", "data-testid": "access-review-complete", onclick: complete }, "Mark review complete"),
        );
      },
      "Access reviews",
    );

  if (seller.role === "owner") {
    loadMembers();
    loadInvitations();
    loadReview();
  } else {
    clear(members.body, unavailable({ status: 403 }, "Members"));
    clear(invitations.body, unavailable({ status: 403 }, "Invitations"));
    clear(review.body, unavailable({ status: 403 }, "Access reviews"));
  }
  const loadCurrency = (saved = false) =>
    guarded(currency.body, () => api(`${base}/settings/currency`), (d) => homeCurrencyView(d, base, seller, loadCurrency, saved), "Currency settings");
  loadCurrency();
  loadCogs();
  loadRules();
  loadRecipients();
  const loadReviewRequests = () =>
    guarded(reviewRequests.body, () => api(`${base}/review-requests`), (d) => reviewRequestsView(d, base, loadReviewRequests), "Review requests");
  loadReviewRequests();
  // Generated from what this deployment's code sends (GET /sellers/{id}/subprocessors).
  guarded(
    subprocessors.body,
    () => api(`${base}/subprocessors`),
    (d) =>
      h(
        "div",
        {},
        table(
          [
            { label: "Provider", cell: (u) => u.provider },
            { label: "Service", cell: (u) => u.service },
            { label: "Used for", cell: (u) => u.purpose },
            { label: "Data it receives", cell: (u) => h("ul", { class: "plain" }, u.receives.map((r) => h("li", {}, r))) },
          ],
          d.subprocessors,
        ),
        d.not_used.length ? h("p", { class: "muted" }, `Not used by this installation: ${d.not_used.join(", ")}.`) : null,
      ),
    "Sub-processors",
  );
}

function alertInline(body, error) {
  body.prepend(errorBox(error));
}
