// Buyer messages (owners and the support role): the threads by Amazon's 24-hour clock (overdue and
// soonest first), a thread with its messages, the order's context (no buyer data: status, items,
// tracking) and the draft, which a person edits, approves and sends, drafts again, or closes.
// Message text is buyer data: it is shown, never stored by the page (the API answers no-store).

import { h, clear, loading, errorBox, empty, table, section } from "./dom.js";
import { api } from "./session.js";
import { inboxSettingsView, intentName } from "./inbox-settings.js";

const seg = (id) => encodeURIComponent(id);
const when = (iso) => (iso ? new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" }) : "—");
const STATES = { new: "New — not answered", drafted: "Draft ready", sent: "Sent", closed: "Closed" };
const HOUR = 3_600_000;

/** The message of a failed call: the API's own (it says what to do) before the generic one. */
function messageOf(error) {
  const body = error && error.body;
  return (body && typeof body.message === "string" && body.message) || (error && error.message) || String(error);
}

function notice(el, text, kind = "error") {
  clear(el, h("p", { class: `state ${kind}`, role: kind === "error" ? "alert" : "status", "data-testid": `messages-${kind}` }, text));
}

/** Open threads by due time (overdue first), then answered and closed ones, latest first. */
export function byClock(threads) {
  const due = (t) => (t.due_at ? Date.parse(t.due_at) : Infinity);
  return [...threads].sort((a, b) => due(a) - due(b) || Date.parse(b.last_received_at) - Date.parse(a.last_received_at));
}

function hoursLeft(thread, now = Date.now()) {
  if (!thread.due_at) return h("span", { class: "muted" }, "—");
  const hours = (Date.parse(thread.due_at) - now) / HOUR;
  if (hours < 0) return h("strong", { class: "warn", "data-testid": "overdue" }, `Overdue by ${Math.ceil(-hours)} h`);
  const text = hours < 1 ? "under 1 h left" : `${Math.floor(hours)} h left`;
  return hours < 4 ? h("strong", { class: "warn" }, text) : text;
}

function orderContext(order) {
  if (!order) return h("p", { class: "muted" }, "No order id in this thread.");
  if (!order.known) return h("p", { class: "muted" }, `Order ${order.order_id} is not synced to Sellerflow yet.`);
  const row = (label, value) => (value ? h("div", {}, h("dt", {}, label), h("dd", {}, value)) : null);
  const tracking = order.tracking_id ? `${order.carrier || ""} ${order.tracking_id}${order.tracking_status ? ` (${order.tracking_status})` : ""}`.trim() : null;
  return h(
    "dl",
    { class: "order-context", "data-testid": "order-context" },
    row("Order", order.order_id),
    row("Status", order.status),
    row("Purchased", order.purchased_at && when(order.purchased_at)),
    row("Ship by", order.ship_by && when(order.ship_by)),
    row("Fulfilment", order.fulfilment_channel === "AFN" ? "Amazon (FBA)" : order.fulfilment_channel === "MFN" ? "Merchant" : order.fulfilment_channel),
    order.items.length ? h("div", {}, h("dt", {}, "Items"), h("dd", {}, h("ul", { class: "order-lines" }, order.items.map((i) => h("li", {}, i))))) : null,
    row("Tracking", tracking),
    row("Delivered", order.delivered_at && when(order.delivered_at)),
  );
}

function messageItem(m) {
  const buyer = m.direction === "in";
  return h(
    "article",
    { class: `message ${buyer ? "in" : "out"}`, "data-testid": `message-${m.direction}` },
    h("h3", {}, `${buyer ? "Buyer" : "Your reply"} · ${when(m.received_at)}`),
    m.subject ? h("p", { class: "muted" }, m.subject) : null,
    h("p", { class: "message-body" }, m.body),
    m.attachments.length
      ? h("p", { class: "muted" }, "Attachments (not kept): ", m.attachments.map((a) => `${a.filename || "unnamed"} (${a.content_type}, ${a.size} bytes)`).join("; "))
      : null,
  );
}

async function threadView(sellerId, threadId, box, refreshList) {
  clear(box, loading("Opening the thread…"));
  box.hidden = false;
  const base = `/sellers/${seg(sellerId)}/messages/threads/${seg(threadId)}`;
  let detail;
  try {
    detail = await api(base);
  } catch (error) {
    return clear(box, errorBox(error, () => threadView(sellerId, threadId, box, refreshList)));
  }
  const t = detail.thread;
  const status = h("div");
  const open = t.state !== "closed";
  const text = h("textarea", { name: "draft", rows: 10, "aria-label": "Reply to the buyer", "data-testid": "draft-text", disabled: !open });
  text.value = detail.draft ? detail.draft.text : "";
  const buttons = [];
  const act = async (label, run) => {
    for (const b of buttons) b.disabled = true;
    notice(status, label, "loading");
    try {
      const done = await run();
      await refreshList();
      return threadView(sellerId, threadId, box, refreshList).then(() => done && notice(box.querySelector("[data-slot=status]"), done, "ok"));
    } catch (error) {
      for (const b of buttons) b.disabled = false;
      return notice(status, messageOf(error));
    }
  };
  const save = () => api(`${base}/draft`, { method: "PUT", body: { text: text.value } });
  const button = (label, cls, testid, run) => {
    const b = h("button", { type: "button", class: cls, "data-testid": testid, onclick: run }, label);
    buttons.push(b);
    return b;
  };
  const actions = open
    ? h(
        "div",
        { class: "toolbar" },
        button("Regenerate", "secondary", "draft-regenerate", () => act("Drafting again…", async () => (await api(`${base}/draft`, { method: "POST" }), "A new draft is ready."))),
        button("Save", "secondary", "draft-save", () => act("Saving…", async () => (await save(), "Draft saved."))),
        // a sent thread's draft is gone: a follow-up is saved first, then approved
        t.state === "sent" && !detail.draft ? null : button("Approve and send", null, "draft-send", () => {
          if (!text.value.trim()) return notice(status, "Write a reply before sending it.");
          return act("Sending…", async () => {
            if (!detail.draft || text.value !== detail.draft.text) await save();
            await api(`${base}/send`, { method: "POST" });
            return "Sent to the buyer through Amazon.";
          });
        }),
        button("Close", "secondary", "thread-close", () => act("Closing…", async () => (await api(`${base}/close`, { method: "POST" }), "Thread closed."))),
      )
    : null;
  status.dataset.slot = "status";
  return clear(
    box,
    h("div", { class: "page-head" }, h("h2", {}, `Order ${t.order_id || "—"}`), h("span", { "data-testid": "thread-state" }, STATES[t.state] || t.state, " · ", hoursLeft(t))),
    orderContext(t.order),
    h("section", { "data-testid": "thread-messages" }, detail.messages.map(messageItem)),
    h(
      "section",
      { class: "stack" },
      h("h3", {}, open ? (detail.draft ? `Draft (${detail.draft.drafter}, ${when(detail.draft.updated_at)}) — nothing is sent before you approve it` : t.state === "sent" ? "Answered — to follow up, write a reply and save it, or regenerate" : "No draft: write one or regenerate") : "This thread is closed."),
      open ? text : null,
      actions,
      status,
    ),
  );
}

export async function messages(page, seller) {
  const sellerId = seller.seller_id;
  const base = `/sellers/${seg(sellerId)}`;
  const inbox = h("div");
  const list = h("div", {}, loading());
  const detail = h("section", { class: "card", "data-testid": "thread-view", hidden: true });
  clear(
    page,
    h("div", { class: "page-head" }, h("h1", {}, "Buyer messages")),
    h("section", { class: "card", "data-testid": "inbox-settings" }, h("h2", {}, "Inbox settings"), inbox),
    list,
    detail,
  );
  // owners edit (messages:manage), support reads
  const loadSettings = (saved = false) =>
    section(inbox, () => api(`${base}/messages/settings`), (d) => inboxSettingsView(d, base, loadSettings, seller.role === "owner", saved));
  loadSettings();
  const refresh = async () => {
    let threads;
    try {
      threads = byClock((await api(`/sellers/${seg(sellerId)}/messages/threads`)).threads);
    } catch (error) {
      return clear(list, errorBox(error, refresh));
    }
    if (!threads.length) return clear(list, empty("No buyer message yet. Forward Amazon's buyer messages to the address above."));
    const open = (t) => threadView(sellerId, t.thread_id, detail, refresh).then(() => detail.scrollIntoView({ block: "start" }));
    return clear(
      list,
      table(
        [
          { label: "Order", cell: (t) => h("button", { type: "button", class: "link", "data-testid": "open-thread", onclick: () => open(t) }, t.order_id || "no order id") },
          { label: "State", cell: (t) => h("span", { "data-testid": "thread-state-cell" }, STATES[t.state] || t.state, t.auto_sent ? " (auto-sent)" : "") },
          { label: "Time left (24 h)", cell: (t) => hoursLeft(t) },
          { label: "Last message", cell: (t) => when(t.last_received_at) },
          { label: "Messages", num: true, cell: (t) => String(t.messages) },
          { label: "Topic", cell: (t) => intentName(t.intent) },
        ],
        threads,
        { "data-testid": "thread-list" },
      ),
    );
  };
  return refresh();
}
