// Runtime configuration, the signed-in session (sessionStorage only: gone when the tab closes),
// Cognito's JSON API and the Sellerflow API. No tokens in localStorage, cookies or URLs.
import { largeA, passwordVerifierResponses, randomSmallA } from "./srp.js";

const SESSION_KEY = "sellerflow.session";
let configPromise = null;

export function loadConfig() {
  if (!configPromise) {
    configPromise = fetch("/config.json", { cache: "no-store" }).then(async (res) => {
      if (!res.ok) throw new Error(`config.json answered ${res.status}`);
      const config = await res.json();
      for (const key of ["region", "userPoolId", "userPoolClientId", "cognitoEndpoint"]) {
        if (!config[key]) throw new Error(`config.json has no ${key}`);
      }
      config.apiBase = (config.apiBase || "").replace(/\/$/, "");
      return config;
    });
  }
  return configPromise;
}

// --- session -------------------------------------------------------------------------------------
function decodeJwt(token) {
  const part = token.split(".")[1] || "";
  const text = atob(part.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(part.length / 4) * 4, "="));
  return JSON.parse(decodeURIComponent(Array.from(text, (c) => "%" + c.charCodeAt(0).toString(16).padStart(2, "0")).join("")));
}

export function currentSession() {
  const raw = sessionStorage.getItem(SESSION_KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw);
    if (!session.idToken || Date.now() >= session.expiresAt) {
      sessionStorage.removeItem(SESSION_KEY);
      return null;
    }
    return session;
  } catch {
    sessionStorage.removeItem(SESSION_KEY);
    return null;
  }
}

export function storeSession(result) {
  const claims = decodeJwt(result.IdToken);
  const session = {
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    email: claims.email || claims["cognito:username"] || "",
    expiresAt: Date.now() + Math.max(60, (result.ExpiresIn || 3600) - 60) * 1000,
  };
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  return session;
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

// --- Cognito (public JSON API: InitiateAuth, RespondToAuthChallenge, software-token MFA) ---------
export class CognitoError extends Error {
  constructor(type, message) {
    super(message || type);
    this.type = type;
  }
}

async function cognito(action, payload) {
  const config = await loadConfig();
  let res;
  try {
    res = await fetch(config.cognitoEndpoint, {
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(payload),
    });
  } catch {
    throw new CognitoError("NetworkError", "The sign-in service could not be reached. Check your connection.");
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const type = String(body.__type || "Error").split("#").pop();
    throw new CognitoError(type, friendlyCognitoMessage(type, body.message));
  }
  return body;
}

function friendlyCognitoMessage(type, message) {
  switch (type) {
    case "NotAuthorizedException":
    case "UserNotFoundException":
      return "Incorrect email or password.";
    case "CodeMismatchException":
      return "That code is not right. Enter the current 6-digit code from your authenticator app.";
    case "ExpiredCodeException":
      return "That code has expired. Enter the current code.";
    case "InvalidPasswordException":
      return message || "The new password does not meet the password policy.";
    case "PasswordResetRequiredException":
      return "Your password must be reset. Ask your Sellerflow administrator.";
    case "TooManyRequestsException":
    case "LimitExceededException":
      return "Too many attempts. Wait a minute and try again.";
    case "ResourceNotFoundException":
      return "Your sign-in session expired. Start again.";
    default:
      return message || "Sign-in failed.";
  }
}

/** A step of sign-in: either {done: session} or {challenge, session, email, username}; `username` is
 * the user's name inside the pool (Cognito's challenge USERNAME), `email` what they typed. */
function nextStep(email, username, response) {
  if (response.AuthenticationResult) return { done: storeSession(response.AuthenticationResult) };
  const named = (response.ChallengeParameters || {}).USERNAME;
  return { challenge: response.ChallengeName, session: response.Session, email, username: named || username };
}

/** USER_SRP_AUTH: the password stays in the page; Cognito gets SRP_A, then a signature over its
 * challenge that only the password can make (PASSWORD_VERIFIER). Later steps (MFA, new password)
 * go through answerChallenge as before. */
export async function signIn(email, password) {
  const config = await loadConfig();
  const smallA = randomSmallA();
  const started = await cognito("InitiateAuth", {
    AuthFlow: "USER_SRP_AUTH",
    ClientId: config.userPoolClientId,
    AuthParameters: { USERNAME: email, SRP_A: largeA(smallA) },
  });
  if (started.ChallengeName !== "PASSWORD_VERIFIER") return nextStep(email, email, started);
  const challenge = started.ChallengeParameters || {};
  const responses = await passwordVerifierResponses({
    userPoolId: config.userPoolId,
    password,
    smallA,
    challenge,
    now: new Date(),
  });
  const verified = await cognito("RespondToAuthChallenge", {
    ClientId: config.userPoolClientId,
    ChallengeName: "PASSWORD_VERIFIER",
    Session: started.Session,
    ChallengeResponses: responses,
  });
  return nextStep(email, responses.USERNAME, verified);
}

export async function answerChallenge(step, responses) {
  const config = await loadConfig();
  const response = await cognito("RespondToAuthChallenge", {
    ClientId: config.userPoolClientId,
    ChallengeName: step.challenge,
    Session: step.session,
    ChallengeResponses: { USERNAME: step.username || step.email, ...responses },
  });
  return nextStep(step.email, step.username || step.email, response);
}

export async function beginMfaSetup(step) {
  const associated = await cognito("AssociateSoftwareToken", { Session: step.session });
  const issuer = "Sellerflow";
  const uri =
    `otpauth://totp/${encodeURIComponent(issuer)}:${encodeURIComponent(step.email)}` +
    `?secret=${encodeURIComponent(associated.SecretCode)}&issuer=${encodeURIComponent(issuer)}`;
  return { ...step, session: associated.Session || step.session, secret: associated.SecretCode, uri };
}

export async function finishMfaSetup(step, code) {
  const verified = await cognito("VerifySoftwareToken", {
    Session: step.session,
    UserCode: code,
    FriendlyDeviceName: "Authenticator app",
  });
  if (verified.Status && verified.Status !== "SUCCESS") throw new CognitoError("CodeMismatchException");
  return answerChallenge({ ...step, session: verified.Session || step.session, challenge: "MFA_SETUP" }, {});
}

// --- the Sellerflow API ------------------------------------------------------------------------
export class ApiError extends Error {
  constructor(status, message, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** Calls the API with the session's ID token; throws ApiError with a readable message. */
export async function api(path, { method = "GET", query, body, accept } = {}) {
  const config = await loadConfig();
  const session = currentSession();
  if (!session) throw new ApiError(401, "Your session has ended. Sign in again.");
  const url = new URL(config.apiBase + path, location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  const headers = { authorization: `Bearer ${session.idToken}`, accept: accept || "application/json" };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res;
  try {
    res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "The Sellerflow API could not be reached. Check your connection and retry.");
  }
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (res.status === 401) {
    clearSession();
    throw new ApiError(401, "Your session has ended. Sign in again.", data);
  }
  if (!res.ok) throw new ApiError(res.status, apiMessage(res.status, data), data);
  return data;
}

function apiMessage(status, data) {
  const detail = data && typeof data.message === "string" ? data.message : "";
  if (status === 404) return "Not found — this seller or item does not exist, or you do not have access to it.";
  if (status === 403) return "You do not have permission for this. Ask an owner of this seller.";
  if (status === 410) return detail || "This link is no longer valid.";
  if (status === 429) return "Too many requests. Wait a moment and retry.";
  if (status >= 500) return "Sellerflow had a problem answering. Retry in a moment.";
  return detail || `The request failed (${status}).`;
}
