// The seller's inbox settings (Messages tab, GET|PUT /messages/settings): the inbound address to
// forward Amazon's buyer messages to (with a copy button), the drafting instructions (tone, policies,
// signature), the sending address (an identity verified in SES) and the topics (intents) replied to
// without a person's approval. Owners edit (messages:manage); the support role reads. The API is
// the one validator: its problems (`field: message`) are shown next to their fields.

import { h, clear, errorBox, copyButton } from "./dom.js";
import { api } from "./session.js";

/** The drafter's intents (sellerflow.messages.intents.INTENTS) in words. */
export const INTENT_NAMES = {
  where_is_my_order: "Where is my order",
  return: "Return or refund",
  damaged_item: "Damaged item",
  invoice_request: "Invoice request",
  cancellation: "Cancellation",
  other: "Anything else",
};
export const intentName = (intent) => INTENT_NAMES[intent] || String(intent || "—").replaceAll("_", " ");

const FIELDS = ["from_address", "tone", "policies", "signature", "auto_send_intents"];

/**
 * The API's 400 message ("<what>: field: problem; field: problem") split by field; what names no
 * field of `fields` is returned under "". The API never echoes the value given.
 */
export function problemsByField(message, fields = FIELDS) {
  const names = fields.join("|");
  const found = {};
  for (const part of String(message || "").split("; ")) {
    const match = new RegExp(`^(?:.*: )?(${names})(?:\\.\\d+)?: (.+)$`).exec(part);
    const key = match ? match[1] : "";
    const text = match ? match[2] : part;
    found[key] = found[key] ? `${found[key]}; ${text}` : text;
  }
  return found;
}

function field(name, label, control, hint, note = null) {
  const id = `inbox-${name}`;
  const error = h("p", { class: "field-error", id: `${id}-error`, "data-testid": `error-${name}`, hidden: true });
  const help = hint ? h("p", { class: "hint muted", id: `${id}-hint` }, hint) : null;
  if (note) note.id = `${id}-note`;
  control.id = id;
  control.name = name;
  control.setAttribute("aria-describedby", [note && note.id, help && help.id, error.id].filter(Boolean).join(" "));
  return { name, control, error, el: h("div", { class: "field" }, h("label", { for: id }, label), control, note, help, error) };
}

/** What SES says of the stored sending address (the API's `from_address_verified`). */
function verification(d) {
  if (!d.from_address || d.from_address_verified === null || d.from_address_verified === undefined) return null;
  return d.from_address_verified
    ? h("p", { class: "hint ok-text", "data-testid": "sender-verified" }, `✓ ${d.from_address} is verified in SES: replies can be sent from it.`)
    : h("p", { class: "hint field-error", "data-testid": "sender-verified" }, `${d.from_address} is not verified in SES for this installation: replies cannot be sent until the address or its domain is.`);
}

function showProblem(f, text) {
  f.error.hidden = !text;
  f.error.textContent = text || "";
  if (text) f.control.setAttribute("aria-invalid", "true");
  else f.control.removeAttribute("aria-invalid");
}

/** The settings view; `reload(saved)` reads them again after a save. */
export function inboxSettingsView(d, base, reload, canEdit, saved = false) {
  const disabled = !canEdit;
  const from = field(
    "from_address",
    "Sending address",
    h("input", { type: "email", autocomplete: "email", maxlength: 254, value: d.from_address || "", placeholder: "replies@yourshop.com", disabled }),
    "Replies go out from this address: it must be verified in Amazon SES for this installation and be the address registered in Seller Central, or Amazon's relay will not deliver them. Empty: drafts only, nothing can be sent.",
    verification(d),
  );
  // the note speaks of the stored address: hidden while another one is typed
  from.control.addEventListener("input", () => {
    const note = from.el.querySelector("[data-testid=sender-verified]");
    if (note) note.hidden = from.control.value.trim() !== d.from_address;
  });
  const tone = field("tone", "Tone", h("input", { type: "text", maxlength: 200, value: d.tone, disabled }), "How replies should sound, e.g. \"friendly and professional\".");
  const policies = field("policies", "Policies the drafts follow", h("textarea", { rows: 4, maxlength: 2000, value: d.policies, disabled }), "Returns, refunds, delivery promises… in your own words (at most 2000 characters).");
  const signature = field("signature", "Signature", h("textarea", { rows: 2, maxlength: 300, value: d.signature, disabled }));
  const boxes = d.intents.map((intent) =>
    h("input", { type: "checkbox", value: intent, checked: d.auto_send_intents.includes(intent), disabled, "data-testid": `auto-send-${intent}` }),
  );
  const autoError = h("p", { class: "field-error", id: "inbox-auto_send_intents-error", "data-testid": "error-auto_send_intents", hidden: true });
  const autoSend = {
    name: "auto_send_intents",
    error: autoError,
    control: h(
      "fieldset",
      { class: "rule auto-send", "aria-describedby": "inbox-auto-send-hint inbox-auto_send_intents-error" },
      h("legend", {}, "Send without approval (auto-send)"),
      h(
        "p",
        { class: "hint muted", id: "inbox-auto-send-hint" },
        "Nothing is sent without a person's approval unless you tick a topic here: replies to these topics go out as soon as they are drafted",
        d.from_address ? "." : " (once a sending address is set).",
      ),
      boxes.map((box) => h("label", { class: "check" }, box, ` ${intentName(box.value)}`)),
      autoError,
    ),
  };
  const fields = [from, tone, policies, signature, autoSend];
  const status = h("div", { role: "status", "data-testid": "inbox-settings-status" }, saved ? h("p", { class: "state ok" }, "Inbox settings saved.") : null);
  const save = canEdit ? h("button", { type: "submit", "data-testid": "inbox-settings-save" }, "Save inbox settings") : null;
  const form = h(
    "form",
    { class: "stack inbox-form", novalidate: true, "data-testid": "inbox-settings-form" },
    fields.map((f) => f.el || f.control),
    canEdit ? save : h("p", { class: "muted" }, "Only owners can change the inbox settings."),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!canEdit) return;
    clear(status);
    for (const f of fields) showProblem(f, "");
    save.disabled = true;
    const body = {
      from_address: from.control.value.trim() || null,
      tone: tone.control.value,
      policies: policies.control.value,
      signature: signature.control.value,
      auto_send_intents: boxes.filter((b) => b.checked).map((b) => b.value),
    };
    try {
      await api(`${base}/messages/settings`, { method: "PUT", body });
      await reload(true); // the stored settings, read again
    } catch (error) {
      save.disabled = false;
      const problems = error.status === 400 ? problemsByField(error.message) : { "": null };
      for (const f of fields) showProblem(f, problems[f.name]);
      const first = fields.find((f) => problems[f.name]);
      if (first) (first.name === "auto_send_intents" ? boxes[0] : first.control).focus();
      if ("" in problems) clear(status, errorBox(problems[""] ? Object.assign(new Error(problems[""]), { status: 400 }) : error));
      else clear(status, h("p", { class: "state error", role: "alert" }, "Not saved: correct the fields marked ⚠ above."));
    }
  });

  const copied = h("span", { role: "status", class: "muted", "data-testid": "copy-status" });
  return h(
    "div",
    { class: "stack" },
    h(
      "div",
      { class: "forward" },
      h("p", { id: "inbox-forward-label" }, "Forward Amazon's buyer messages (from Seller Central's notification e-mails) to:"),
      h(
        "div",
        { class: "toolbar" },
        h("code", { class: "break", "data-testid": "inbound-address", "aria-labelledby": "inbox-forward-label" }, d.inbound_address),
        copyButton(d.inbound_address, copied, "Copy address"),
        copied,
      ),
    ),
    h(
      "p",
      { class: "muted", "data-testid": "sending-state" },
      d.from_address
        ? `Replies go out from ${d.from_address}${d.from_address_verified === false ? " (not verified in SES yet: sending will fail)" : ""}. `
        : "No sending address yet: replies can be drafted, not sent. ",
      d.auto_send_intents.length ? `Sent without approval: ${d.auto_send_intents.map(intentName).join(", ")}.` : "Every reply waits for a person's approval.",
    ),
    h(
      "details",
      { open: saved || (canEdit && (!d.from_address || d.from_address_verified === false)), "data-testid": "inbox-settings-details" },
      h("summary", {}, canEdit ? "Edit drafting instructions, sending address and auto-send" : "Drafting instructions, sending address and auto-send"),
      form,
    ),
  );
}
