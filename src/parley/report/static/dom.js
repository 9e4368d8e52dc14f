// Building DOM from untrusted text. Every string becomes a text node or an attribute
// value; nothing here ever parses a string as HTML, so a speaker called "<img onerror=...>"
// shows up as those characters.

/**
 * h("p", {class: "note"}, "text", child, ...): an element with attributes and children.
 * Children that are strings or numbers become text nodes; null/false are skipped.
 */
export function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") {
      node.addEventListener(key.slice(2), value);
    } else node.setAttribute(key, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace an element's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (id) => document.getElementById(id);

export function show(node, visible = true) {
  node.hidden = !visible;
}

const formats = new Map();

/** A number with exactly `digits` decimals, grouped: "1,801", "0.20", "6.0" (numbers
 * side by side read alike: never "0.2" beside "0.19"). */
export function num(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return "–";
  if (!formats.has(digits)) {
    formats.set(digits, new Intl.NumberFormat(undefined, { minimumFractionDigits: digits, maximumFractionDigits: digits }));
  }
  return formats.get(digits).format(value);
}

/** "1 day", "2 days", "100,000 messages": a count and its noun, formatted one way. */
export function plural(count, word, words = `${word}s`) {
  return `${num(count)} ${count === 1 ? word : words}`;
}

export function pct(share) {
  if (share === null || share === undefined) return "–";
  return `${Math.round(share * 100)}%`;
}

/** "45 s", "2.5 min", "3.0 h", "1.2 d". With times known to the minute only
 * (`resolution` 60), never more precise than that: "under a minute", "3 min". */
export function duration(seconds, resolution = 1) {
  if (seconds === null || seconds === undefined) return "–";
  if (resolution >= 60 && seconds < 3600) return seconds < 60 ? "under a minute" : `${Math.round(seconds / 60)} min`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${(seconds / 60).toFixed(1)} min`;
  if (seconds < 86400) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

export function timeAgo(ms) {
  const minutes = Math.round((Date.now() - ms) / 60000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.round(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.round(hours / 24)} days ago`;
}

/** An ISO moment as "2023-03-14 09:20" (or seconds from the start, for transcripts). */
export function moment(value) {
  if (value === null || value === undefined) return "–";
  if (typeof value === "number") return duration(value);
  return String(value).replace("T", " ").replace(/:00$/, "").slice(0, 16);
}

/** Save `blob` as a file called `filename` (a download the browser names so). */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const link = h("a", { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** A file name made of `parts` (a conversation's title, a person): "parley-Weekend-trip".
 * Letters of any script stay; what a file name cannot hold becomes "-". */
export function fileStem(...parts) {
  const safe = (text) => String(text || "").normalize("NFC").replace(/[^\p{L}\p{N}._-]+/gu, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  return `parley-${parts.map(safe).filter(Boolean).join("-") || "result"}`;
}
