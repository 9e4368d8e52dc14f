// Recent analyses of this browser, kept in localStorage (never sent anywhere).

const KEY = "parley.recent.v1";
const LIMIT = 20;
// How long the server keeps results: its PARLEY_TTL_SECONDS, as /api/health says (one hour
// until it has).
let lifetimeMs = 60 * 60 * 1000;

export function setResultLifetime(seconds) {
  if (Number.isFinite(seconds) && seconds > 0) lifetimeMs = seconds * 1000;
}

export function loadRecent() {
  try {
    const items = JSON.parse(localStorage.getItem(KEY) || "[]");
    return Array.isArray(items) ? items.filter((i) => i && typeof i.conversationId === "string") : [];
  } catch {
    return []; // unreadable or storage disabled: start afresh
  }
}

function save(items) {
  try {
    localStorage.setItem(KEY, JSON.stringify(items.slice(0, LIMIT)));
  } catch {
    // storage full or disabled (private mode): the list is a convenience only
  }
}

/** Add or update the entry for a conversation; the newest comes first. */
export function remember(entry) {
  const items = loadRecent();
  const old = items.find((i) => i.conversationId === entry.conversationId) || {};
  const merged = { ...old, ...entry, savedAt: entry.savedAt ?? old.savedAt ?? Date.now() };
  save([merged, ...items.filter((i) => i.conversationId !== entry.conversationId)]);
}

export function forgetAll() {
  save([]);
}

/** Whether the server has probably dropped this result by now. */
export function probablyExpired(item) {
  return item.expired === true || Date.now() - (item.savedAt || 0) > lifetimeMs;
}
