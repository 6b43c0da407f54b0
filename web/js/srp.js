// Cognito's Secure Remote Password sign-in (USER_SRP_AUTH), client side, in plain browser JavaScript:
// BigInt arithmetic over Cognito's 3072-bit group (RFC 5054, g = 2) and WebCrypto SHA-256 / HKDF /
// HMAC. The password never leaves the page; Cognito checks a signature only the password can make.
// Every function that needs randomness or the clock takes it as an argument, so tests can fix it.

const N_HEX =
  "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DD" +
  "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED" +
  "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F" +
  "83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B" +
  "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA0510" +
  "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7" +
  "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864D87602733EC86A64521F2B18177B200C" +
  "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF";
export const N = BigInt("0x" + N_HEX);
export const G = 2n;
const INFO = "Caldera Derived Key"; // Cognito's HKDF info string
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const encoder = new TextEncoder();

export class SrpError extends Error {}

// --- encodings ----------------------------------------------------------------------------------
/** Even-length hex of a non-negative integer, "00"-prefixed when the top bit is set (Java's
 * BigInteger.toByteArray, which Cognito's server hashes). */
export function padHex(value) {
  let hex = value.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  if (/^[89a-f]/.test(hex)) hex = "00" + hex;
  return hex;
}

export function hexToBytes(hex) {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

function bytesToHex(bytes) {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** Base64 → bytes as Cognito's own JavaScript client reads SECRET_BLOCK (Node's Buffer): the
 * URL-safe alphabet is accepted and anything outside the alphabet is skipped, so an opaque string
 * never throws. */
export function base64ToBytes(text) {
  let clean = String(text)
    .replace(/-/g, "+")
    .replace(/_/g, "/")
    .replace(/[^A-Za-z0-9+/]/g, "");
  if (clean.length % 4 === 1) clean = clean.slice(0, -1);
  const binary = atob(clean.padEnd(Math.ceil(clean.length / 4) * 4, "="));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

function bytesToBase64(bytes) {
  return btoa(Array.from(bytes, (b) => String.fromCharCode(b)).join(""));
}

// --- arithmetic and hashes ----------------------------------------------------------------------
export function modPow(base, exponent, modulus) {
  let result = 1n;
  let b = ((base % modulus) + modulus) % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function subtle() {
  // WebCrypto exists only in a secure context: https, or http on localhost / 127.0.0.1
  if (!globalThis.crypto || !crypto.subtle) {
    throw new SrpError("Sign-in needs a secure page: open the dashboard over https (or on localhost).");
  }
  return crypto.subtle;
}

async function sha256Hex(bytes) {
  return bytesToHex(new Uint8Array(await subtle().digest("SHA-256", bytes)));
}

async function hashHexToBigInt(hex) {
  return BigInt("0x" + (await sha256Hex(hexToBytes(hex))));
}

/** k = H(pad(N) | pad(g)), as AWS's SRP clients compute it. */
export function multiplierK() {
  return hashHexToBigInt(padHex(N) + padHex(G));
}

// --- the protocol -------------------------------------------------------------------------------
/** A fresh private value a (128 random bytes mod N, as AWS's clients draw it). */
export function randomSmallA() {
  return BigInt("0x" + bytesToHex(crypto.getRandomValues(new Uint8Array(128)))) % N;
}

/** SRP_A for InitiateAuth: g^a mod N in hex. */
export function largeA(smallA) {
  const A = modPow(G, smallA, N);
  if (A === 0n) throw new SrpError("SRP: A is zero, draw another a");
  return A.toString(16);
}

/** Cognito's TIMESTAMP: "EEE MMM d HH:mm:ss UTC yyyy" in UTC, the day not zero-padded. */
export function cognitoTimestamp(date) {
  const two = (n) => String(n).padStart(2, "0");
  return (
    `${WEEKDAYS[date.getUTCDay()]} ${MONTHS[date.getUTCMonth()]} ${date.getUTCDate()} ` +
    `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())} UTC ${date.getUTCFullYear()}`
  );
}

/** The 16-byte key both sides derive: HKDF-SHA256(ikm = pad(S), salt = pad(u), "Caldera Derived Key"). */
async function passwordAuthenticationKey({ poolName, userIdForSrp, password, smallA, srpB, salt }) {
  const B = BigInt("0x" + srpB);
  if (B % N === 0n) throw new SrpError("SRP: the server's B is zero mod N");
  const A = modPow(G, smallA, N);
  const u = await hashHexToBigInt(padHex(A) + padHex(B));
  if (u === 0n) throw new SrpError("SRP: u is zero");
  const identityHash = await sha256Hex(encoder.encode(`${poolName}${userIdForSrp}:${password}`));
  const x = await hashHexToBigInt(padHex(BigInt("0x" + salt)) + identityHash);
  const k = await multiplierK();
  const S = modPow(B - k * modPow(G, x, N), smallA + u * x, N);
  const ikm = await subtle().importKey("raw", hexToBytes(padHex(S)), "HKDF", false, ["deriveBits"]);
  const bits = await subtle().deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: hexToBytes(padHex(u)), info: encoder.encode(INFO) },
    ikm,
    128,
  );
  return new Uint8Array(bits);
}

/**
 * The PASSWORD_VERIFIER challenge responses for Cognito's ChallengeParameters (SALT, SRP_B,
 * SECRET_BLOCK, USER_ID_FOR_SRP, USERNAME), the user pool id ("region_name"), the password, the
 * private value a behind SRP_A and the time of signing.
 */
export async function passwordVerifierResponses({ userPoolId, password, smallA, challenge, now }) {
  const poolName = userPoolId.split("_")[1] || "";
  const userIdForSrp = challenge.USER_ID_FOR_SRP;
  const key = await passwordAuthenticationKey({
    poolName,
    userIdForSrp,
    password,
    smallA,
    srpB: challenge.SRP_B,
    salt: challenge.SALT,
  });
  const timestamp = cognitoTimestamp(now);
  const message = concat(
    encoder.encode(poolName),
    encoder.encode(userIdForSrp),
    base64ToBytes(challenge.SECRET_BLOCK),
    encoder.encode(timestamp),
  );
  const hmacKey = await subtle().importKey("raw", key, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const signature = new Uint8Array(await subtle().sign("HMAC", hmacKey, message));
  return {
    USERNAME: challenge.USERNAME || userIdForSrp,
    PASSWORD_CLAIM_SECRET_BLOCK: challenge.SECRET_BLOCK,
    PASSWORD_CLAIM_SIGNATURE: bytesToBase64(signature),
    TIMESTAMP: timestamp,
  };
}
