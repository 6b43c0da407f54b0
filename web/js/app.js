// The Sellerflow dashboard: a hash router, sign-in (password + TOTP, MFA set-up included), the
// seller shell (switcher + tabs) and the screens of views.js / settings.js.

import { h, clear, loading, errorBox, empty } from "./dom.js";
import {
  api,
  currentSession,
  clearSession,
  signIn,
  answerChallenge,
  beginMfaSetup,
  finishMfaSetup,
  loadConfig,
} from "./session.js";
import { overview, orders, inventory, dataRights, connectAmazon } from "./views.js";
import { settings } from "./settings.js";
import { billing, adminBilling } from "./billing.js";
import { costs } from "./costs.js";
import { labels } from "./labels.js";
import { messages } from "./messages.js";

const main = document.getElementById("main");
const topbar = document.getElementById("topbar");
const tabs = document.getElementById("tabs");
const switcher = document.getElementById("seller-switcher");
const AFTER_SIGN_IN = "sellerflow.after-sign-in";

let sellersCache = null;

const TABS = [
  ["", "Overview", overview],
  ["orders", "Orders", orders],
  ["inventory", "Inventory", inventory],
  ["costs", "Costs", costs],
  ["labels", "Labels", labels],
  ["messages", "Messages", messages, ["owner", "support"]], // buyer messages: the roles the API allows
  ["settings", "Settings", settings],
  ["data", "Export & erase", dataRights],
  ["billing", "Billing", billing], // hosted deployments (Billing=on); otherwise the screen says it is off
];

function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, query = ""] = raw.split("?");
  return { parts: path.split("/").filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function go(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

async function sellers(force = false) {
  if (!sellersCache || force) sellersCache = (await api("/sellers")).sellers || [];
  return sellersCache;
}

export function forgetSellers() {
  sellersCache = null;
}

async function route() {
  const { parts, query } = parseHash();
  const session = currentSession();
  if (parts[0] === "accept") return acceptInvitation(query.get("token") || "");
  if (!session) {
    if (parts.length && parts[0] !== "signin") sessionStorage.setItem(AFTER_SIGN_IN, location.hash);
    return signInScreen();
  }
  topbar.hidden = false;
  document.getElementById("who").textContent = session.email;
  if (parts[0] === "sellers" && parts[1]) return sellerScreen(parts[1], parts[2] || "");
  if (parts[0] === "connect") return shell(null, "", () => connectScreen());
  if (parts[0] === "admin" && parts[1] === "billing") return shell(null, "", () => adminBilling(main));
  return sellerList();
}

// --- sign-in -------------------------------------------------------------------------------------
function signInCard(title, ...body) {
  topbar.hidden = true;
  tabs.hidden = true;
  return clear(main, h("section", { class: "card narrow", "data-testid": "sign-in" }, h("h1", {}, title), ...body));
}

function formError() {
  return h("p", { class: "state error", role: "alert", hidden: true, "data-testid": "form-error" });
}

function showError(box, error) {
  box.hidden = false;
  box.textContent = error.message || String(error);
}

function afterSignIn() {
  const target = sessionStorage.getItem(AFTER_SIGN_IN);
  sessionStorage.removeItem(AFTER_SIGN_IN);
  forgetSellers();
  go(target && target !== "#/signin" ? target : "#/sellers");
}

async function continueWith(step) {
  if (step.done) return afterSignIn();
  if (step.challenge === "SOFTWARE_TOKEN_MFA") return mfaCodeScreen(step);
  if (step.challenge === "MFA_SETUP") return mfaSetupScreen(await beginMfaSetup(step));
  if (step.challenge === "NEW_PASSWORD_REQUIRED") return newPasswordScreen(step);
  throw new Error(`This sign-in step (${step.challenge}) is not supported here.`);
}

function submitting(form, box, action) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    box.hidden = true;
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      await action(new FormData(form));
    } catch (error) {
      showError(box, error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

function signInScreen() {
  const box = formError();
  const form = h(
    "form",
    { class: "stack", "data-testid": "sign-in-form" },
    h("label", {}, "Email", h("input", { name: "email", type: "email", autocomplete: "username", required: true })),
    h("label", {}, "Password", h("input", { name: "password", type: "password", autocomplete: "current-password", required: true })),
    h("button", { type: "submit" }, "Sign in"),
  );
  signInCard("Sign in to Sellerflow", form, box);
  submitting(form, box, async (data) => continueWith(await signIn(String(data.get("email")).trim(), String(data.get("password")))));
  loadConfig().catch((error) => showError(box, new Error(`Sellerflow is not configured: ${error.message}`)));
}

function codeInput() {
  return h("input", {
    name: "code",
    inputmode: "numeric",
    autocomplete: "one-time-code",
    pattern: "[0-9]{6}",
    maxlength: 6,
    required: true,
    "data-testid": "mfa-code",
  });
}

function mfaCodeScreen(step) {
  const box = formError();
  const form = h(
    "form",
    { class: "stack" },
    h("label", {}, "6-digit code from your authenticator app", codeInput()),
    h("button", { type: "submit" }, "Verify"),
  );
  signInCard("Two-step verification", form, box);
  submitting(form, box, async (data) =>
    continueWith(await answerChallenge(step, { SOFTWARE_TOKEN_MFA_CODE: String(data.get("code")).trim() })),
  );
  form.querySelector("input").focus();
}

function newPasswordScreen(step) {
  const box = formError();
  const form = h(
    "form",
    { class: "stack" },
    h("p", {}, "Choose your own password: at least 12 characters with upper and lower case letters, a number and a symbol."),
    h("label", {}, "New password", h("input", { name: "password", type: "password", autocomplete: "new-password", required: true, minlength: 12, "data-testid": "new-password" })),
    h("button", { type: "submit" }, "Set password"),
  );
  signInCard("Set your password", form, box);
  submitting(form, box, async (data) => continueWith(await answerChallenge(step, { NEW_PASSWORD: String(data.get("password")) })));
}

function mfaSetupScreen(step) {
  const box = formError();
  const form = h(
    "form",
    { class: "stack" },
    h("p", {}, "Sellerflow requires an authenticator app. Add this key to your app (or open the link on your phone), then enter the code it shows."),
    h("p", {}, "Secret key: ", h("code", { class: "secret", "data-testid": "mfa-secret" }, step.secret)),
    h("p", {}, h("a", { href: step.uri, "data-testid": "mfa-uri", class: "break" }, step.uri)),
    h("label", {}, "6-digit code", codeInput()),
    h("button", { type: "submit" }, "Turn on two-step verification"),
  );
  signInCard("Set up two-step verification", form, box);
  submitting(form, box, async (data) => continueWith(await finishMfaSetup(step, String(data.get("code")).trim())));
}

// --- invitations -------------------------------------------------------------------------------
async function acceptInvitation(token) {
  if (!currentSession()) {
    sessionStorage.setItem(AFTER_SIGN_IN, location.hash);
    return signInScreen();
  }
  topbar.hidden = false;
  tabs.hidden = true;
  const card = h("section", { class: "card narrow", "data-testid": "accept" }, h("h1", {}, "Join a seller"));
  clear(main, card);
  if (!token) return card.append(errorBox(new Error("This invitation link has no token. Open the link from the invitation again.")));
  card.append(loading("Accepting the invitation…"));
  try {
    const joined = await api("/invitations/accept", { method: "POST", body: { token } });
    forgetSellers();
    card.lastChild.replaceWith(
      h("p", { class: "state ok" }, `You joined as ${joined.role}. `, h("a", { href: `#/sellers/${encodeURIComponent(joined.seller_id)}` }, "Open the seller")),
    );
  } catch (error) {
    const message =
      error.status === 410
        ? "This invitation was already used, has expired or was revoked. Ask the owner for a new one."
        : error.status === 403
          ? "This invitation was sent to a different email address than the one you signed in with."
          : error.status === 404
            ? "Invitations are not available on this Sellerflow installation yet."
            : error.message;
    card.lastChild.replaceWith(errorBox(Object.assign(new Error(message), { status: error.status })));
  }
}

// --- the seller shell ---------------------------------------------------------------------------
function fillSwitcher(list, selected) {
  clear(
    switcher,
    list.length ? null : h("option", { value: "" }, "No sellers"),
    list.map((s) => h("option", { value: s.seller_id, selected: s.seller_id === selected }, `${s.name} (${s.role})`)),
    h("option", { value: "#connect" }, "+ Connect an Amazon account"),
  );
  if (!list.some((s) => s.seller_id === selected)) switcher.value = list.length ? "" : "";
}

switcher.addEventListener("change", () => {
  const value = switcher.value;
  if (value === "#connect") return go("#/connect");
  if (value) go(`#/sellers/${encodeURIComponent(value)}`);
});

// The plan banner (Billing=on): a failed payment's grace period, read-only or cancelled, shown above
// every screen of the seller; fetched once a minute at most per seller.
const bannerCache = new Map();

async function planBanner(sellerId) {
  const box = document.getElementById("plan-banner");
  const cached = bannerCache.get(sellerId);
  let banner = cached && Date.now() - cached.at < 60000 ? cached.banner : undefined;
  if (banner === undefined) {
    try {
      banner = (await api(`/sellers/${encodeURIComponent(sellerId)}/billing`)).banner || "";
    } catch {
      banner = ""; // the screens still work; the billing tab shows the error
    }
    bannerCache.set(sellerId, { at: Date.now(), banner });
  }
  box.hidden = !banner;
  clear(box, banner ? h("a", { href: `#/sellers/${encodeURIComponent(sellerId)}/billing` }, banner) : "");
}

async function shell(sellerId, tab, render) {
  tabs.hidden = !sellerId;
  const config = await loadConfig();
  const banner = document.getElementById("plan-banner");
  banner.hidden = true;
  if (sellerId && config.billing) planBanner(sellerId);
  // the Billing tab only where billing is on (hosted deployments); role-bound tabs once the role is known
  const drawTabs = (role) =>
    clear(
      tabs,
      TABS.filter(([slug, , , roles]) => (slug !== "billing" || config.billing) && (!roles || roles.includes(role))).map(([slug, label]) =>
        h("a", { href: `#/sellers/${encodeURIComponent(sellerId)}${slug ? "/" + slug : ""}`, class: slug === tab ? "active" : null, "aria-current": slug === tab ? "page" : null }, label),
      ),
    );
  if (sellerId) drawTabs(sellersCache && (sellersCache.find((s) => s.seller_id === sellerId) || {}).role);
  clear(main, loading());
  const shown = location.hash;
  let list = [];
  try {
    list = await sellers();
  } catch (error) {
    if (location.hash !== shown) return undefined;
    return clear(main, errorBox(error, () => route()));
  }
  // The user went elsewhere while the sellers loaded: that newer page owns the screen.
  if (location.hash !== shown) return undefined;
  fillSwitcher(list, sellerId);
  if (sellerId) drawTabs((list.find((s) => s.seller_id === sellerId) || {}).role);
  return render(list);
}

async function sellerList() {
  return shell(null, "", (list) => {
    if (list.length === 1) return go(`#/sellers/${encodeURIComponent(list[0].seller_id)}`);
    if (!list.length) {
      clear(
        main,
        h("section", { class: "card" }, h("h1", {}, "Welcome to Sellerflow"), empty("You do not have access to any seller yet."), connectAmazon()),
      );
      return adminLinks();
    }
    return clear(
      main,
      h(
        "section",
        { class: "card" },
        h("h1", {}, "Your sellers"),
        h("ul", { class: "list" }, list.map((s) => h("li", {}, h("a", { href: `#/sellers/${encodeURIComponent(s.seller_id)}` }, s.name), ` · ${s.role} · ${s.status}`))),
        connectAmazon(),
      ),
    );
  });
}

// Admins are members of no seller: with billing on, their way to every account's plan state.
async function adminLinks() {
  const config = await loadConfig();
  if (!config.billing) return;
  const me = await api("/me").catch(() => null);
  if (!me || !me.is_admin) return;
  main.append(h("section", { class: "card" }, h("h2", {}, "Administration"), h("a", { href: "#/admin/billing", "data-testid": "admin-billing-link" }, "Plans of every account")));
}

function connectScreen() {
  clear(main, h("section", { class: "card narrow" }, h("h1", {}, "Connect an Amazon seller account"), h("p", {}, "You will be sent to Amazon to authorize Sellerflow to read your seller data, then brought back here."), connectAmazon()));
}

async function sellerScreen(sellerId, tab) {
  const entry = TABS.find(([slug]) => slug === tab);
  return shell(sellerId, tab, (list) => {
    const seller = list.find((s) => s.seller_id === sellerId);
    if (!seller) {
      tabs.hidden = true;
      return clear(
        main,
        h(
          "section",
          { class: "card" },
          errorBox(Object.assign(new Error("This seller does not exist or you do not have access to it."), { status: 404 })),
          h("p", {}, h("a", { href: "#/sellers" }, "Back to your sellers")),
        ),
      );
    }
    if (!entry) return clear(main, errorBox(Object.assign(new Error(`There is no “${tab}” page.`), { status: 404 })));
    document.title = `${seller.name} · Sellerflow`;
    const page = h("div", { class: "page", "data-testid": `page-${entry[0] || "overview"}` });
    clear(main, page);
    return entry[2](page, seller);
  });
}

document.getElementById("sign-out").addEventListener("click", () => {
  clearSession();
  forgetSellers();
  go("#/signin");
});

window.addEventListener("hashchange", () => route());
window.addEventListener("unhandledrejection", (event) => {
  clear(main, errorBox(event.reason || new Error("Unexpected error")));
});
route();
