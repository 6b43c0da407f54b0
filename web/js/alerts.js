// Alert settings (Settings → Alert rules): per kind of alert, on/off, its thresholds, the
// marketplaces it watches, its channels and its quiet hours — all editable by owners
// (PUT /alerts/rules, ALERTS_MANAGE), shown read-only to everyone else.

import { h, clear, errorBox } from "./dom.js";
import { marketplaceName, timeZoneOf } from "./marketplaces.js";
import { api } from "./session.js";

export const RULE_NAMES = {
  daily_sales: "Daily sales summary",
  low_stock: "Low stock",
  acos_jump: "ACOS jump",
  authorization: "Authorization expiring or revoked",
  sync_failing: "Sync failing",
  message_unanswered: "Buyer message nearing 24 h unanswered",
};

// The thresholds each kind reads (sellerflow.alerts.model.Thresholds): label, kind of number, bounds
export const THRESHOLDS = {
  low_stock: [
    ["lead_time_days", "Lead time (days)", "int", 0, 365],
    ["safety_days", "Safety days", "int", 0, 365],
    ["max_skus", "At most SKUs per alert", "int", 1, 50],
  ],
  acos_jump: [
    ["increase_pct", "ACOS rise above the 7-day ACOS (%)", "decimal", 0, 10000],
    ["min_ad_spend", "Only with ad spend of at least", "decimal", 0, null],
  ],
  authorization: [["expiry_days", "Warn days before expiry", "int", 1, 365]],
  sync_failing: [["consecutive_failures", "Failed syncs in a row", "int", 1, 100]],
  message_unanswered: [["hours_left", "Alert when this many hours are left", "int", 1, 23]],
  daily_sales: [],
};

const CHANNELS = [
  ["sns", "E-mail / SNS topic"],
  ["whatsapp", "WhatsApp"],
];

const HINTS = {
  daily_sales: "Yesterday's sales, orders and profit per marketplace, once a day.",
  low_stock: "SKUs whose days of cover fall below lead time + safety days.",
  acos_jump: "Yesterday's ACOS this much above the trailing 7 days'.",
  authorization: "The Amazon authorization is about to expire or was revoked.",
  sync_failing: "Syncing keeps failing.",
  message_unanswered: "A buyer message is still unanswered close to Amazon's 24 hours (counts only, never the text).",
};

const hhmm = (t) => String(t || "").slice(0, 5);

function ruleForm(rule, marketplaceIds, canEdit) {
  const kind = rule.kind;
  const id = (name) => `rule-${kind}-${name}`;
  const enabled = h("input", { type: "checkbox", id: id("enabled"), checked: !!rule.enabled, disabled: !canEdit });
  const thresholdInputs = (THRESHOLDS[kind] || []).map(([name, label, type, min, max]) => {
    const input = h("input", {
      type: "number",
      name,
      value: String(rule.thresholds[name]),
      min,
      max: max === null ? null : max,
      step: type === "int" ? 1 : "any",
      required: true,
      inputmode: type === "int" ? "numeric" : "decimal",
      disabled: !canEdit,
      "data-type": type,
      "data-testid": `threshold-${name}`,
    });
    return { name, type, input, el: h("label", {}, label, input) };
  });
  const channelBoxes = CHANNELS.map(([value, label]) => {
    const box = h("input", { type: "checkbox", value, checked: rule.channels.includes(value), disabled: !canEdit, "data-testid": `channel-${value}` });
    return { value, box, el: h("label", { class: "check" }, box, ` ${label}`) };
  });
  const marketBoxes = marketplaceIds.map((m) => {
    const box = h("input", { type: "checkbox", value: m, checked: !rule.marketplace_ids.length || rule.marketplace_ids.includes(m), disabled: !canEdit });
    return { value: m, box, el: h("label", { class: "check" }, box, ` ${marketplaceName(m)}`) };
  });
  const quiet = rule.quiet_hours;
  const zones = [...new Set([...(quiet ? [quiet.timezone] : []), ...marketplaceIds.map(timeZoneOf), "UTC"])];
  const quietOn = h("input", { type: "checkbox", checked: !!quiet, disabled: !canEdit, "data-testid": "quiet-on" });
  const start = h("input", { type: "time", value: quiet ? hhmm(quiet.start) : "22:00", disabled: !canEdit, "aria-label": "Quiet from", "data-testid": "quiet-start" });
  const end = h("input", { type: "time", value: quiet ? hhmm(quiet.end) : "07:00", disabled: !canEdit, "aria-label": "Quiet until", "data-testid": "quiet-end" });
  const zone = h("select", { disabled: !canEdit, "aria-label": "Time zone of the quiet hours" }, zones.map((z) => h("option", { value: z, selected: quiet ? z === quiet.timezone : z === zones[0] }, z)));
  const syncQuiet = () => {
    for (const el of [start, end, zone]) el.disabled = !canEdit || !quietOn.checked;
  };
  quietOn.addEventListener("change", syncQuiet);
  syncQuiet();

  const fieldset = h(
    "fieldset",
    { class: "rule", "data-kind": kind, "data-testid": `rule-${kind}` },
    h("legend", {}, RULE_NAMES[kind] || kind),
    h("p", { class: "hint muted" }, HINTS[kind] || ""),
    h("label", { class: "check", for: id("enabled") }, enabled, " On"),
    thresholdInputs.map((t) => t.el),
    h("div", { class: "channels" }, h("span", { class: "muted" }, "Send by:"), channelBoxes.map((c) => c.el)),
    marketplaceIds.length > 1 ? h("div", { class: "channels" }, h("span", { class: "muted" }, "Marketplaces:"), marketBoxes.map((c) => c.el)) : null,
    h("div", { class: "quiet" }, h("label", { class: "check" }, quietOn, " Quiet hours (held, then sent after)"), h("label", {}, "From", start), h("label", {}, "Until", end), h("label", {}, "Time zone", zone)),
  );

  function read() {
    const thresholds = { ...rule.thresholds };
    for (const t of thresholdInputs) {
      if (!t.input.checkValidity()) throw new Error(`${RULE_NAMES[kind]}: ${t.input.validationMessage || "check the number"}`);
      thresholds[t.name] = t.type === "int" ? Number(t.input.value) : String(t.input.value);
    }
    const picked = marketBoxes.filter((c) => c.box.checked).map((c) => c.value);
    if (marketBoxes.length && !picked.length) throw new Error(`${RULE_NAMES[kind]}: pick at least one marketplace`);
    return {
      kind,
      enabled: enabled.checked,
      marketplace_ids: picked.length === marketBoxes.length ? [] : picked, // all: follows new marketplaces too
      thresholds,
      channels: channelBoxes.filter((c) => c.box.checked).map((c) => c.value),
      quiet_hours: quietOn.checked ? { start: start.value, end: end.value, timezone: zone.value } : null,
    };
  }
  return { fieldset, read };
}

/** The editor of every rule; `reload` shows the stored rules again after a save. */
export function alertRulesEditor(rules, base, reload, canEdit, marketplaceIds, saved = false) {
  if (!rules.length) return h("p", { class: "state empty" }, "No alert rules yet.");
  const forms = rules.map((rule) => ruleForm(rule, marketplaceIds || [], canEdit));
  const box = h("div", { role: "status", "data-testid": "alert-rules-status" }, saved ? h("p", { class: "state ok" }, "Alert settings saved.") : null);
  const save = h("button", { type: "button", "data-testid": "alert-rules-save" }, "Save alert settings");
  save.addEventListener("click", async () => {
    clear(box);
    let next;
    try {
      next = forms.map((f) => f.read());
    } catch (error) {
      return clear(box, errorBox(error));
    }
    save.disabled = true;
    try {
      await api(`${base}/alerts/rules`, { method: "PUT", body: { rules: next } });
      await reload(); // replaces this editor with the stored rules, saying they were saved
    } catch (error) {
      clear(box, errorBox(error));
      save.disabled = false;
    }
  });
  return h(
    "div",
    { class: "rules" },
    forms.map((f) => f.fieldset),
    canEdit ? save : h("p", { class: "muted" }, "Only owners can change alert settings."),
    box,
  );
}
