// A card per person, the way the "Wrapped" sites show one: their share, when they write,
// how fast they answer, their words and emoji, in one glance; and the same card drawn on
// a canvas, to save as an image and share. Both read one set of facts (`personFacts`),
// so the picture says what the card says.

import { PALETTE } from "./charts.js";
import { duration, fileStem, h, num, pct, plural, saveBlob } from "./dom.js";

const MAX_CARDS = 12;
const WEEKDAY_NAMES = { Mon: "Mondays", Tue: "Tuesdays", Wed: "Wednesdays", Thu: "Thursdays", Fri: "Fridays", Sat: "Saturdays", Sun: "Sundays" };

function hourName(hour) {
  return `${String(hour).padStart(2, "0")}:00`;
}

/** What the result says about one person, for their card and its picture. */
export function personFacts(result, speaker, index) {
  const find = (list) => (list || []).find((s) => s.speaker === speaker);
  const part = find(result.participation?.speakers) || {};
  const when = find(result.activity?.speakers);
  const turn = find(result.turns?.speakers);
  const shared = find(result.content?.speakers);
  const words = find(result.keywords?.distinctive)?.words || [];
  const mood = find(result.sentiment?.speakers);
  const hasTimes = result.turns?.hasTimes ?? false;
  const people = result.participation?.speakers?.length || 0;
  const lines = [];
  if (when?.messages) lines.push(`Writes most around ${hourName(when.busiestHour)}, on ${WEEKDAY_NAMES[when.busiestWeekday] || when.busiestWeekday}`);
  const resolution = result.overview?.timeResolutionSeconds ?? 1;
  if (hasTimes && turn?.responseSeconds?.count) {
    const typical = duration(turn.responseSeconds.median, resolution);
    lines.push(`Answers ${typical === "under a minute" ? "in under a minute" : `in ${typical}`} (median of ${plural(turn.responseSeconds.count, "reply", "replies")})`);
  }
  if (turn?.sessionsStarted && result.turns?.sessions?.available && people > 1) {
    lines.push(`Starts ${pct(turn.sessionStartShare)} of the conversations`);
  }
  if (mood && mood.count !== 0 && mood.mean !== undefined && mood.mean !== null) {
    const tone = mood.mean >= 0.05 ? "positive" : mood.mean <= -0.05 ? "negative" : "neutral";
    lines.push(`Tone ${tone} (${num(mood.mean, 2)})`);
  }
  return {
    speaker,
    color: PALETTE[index % PALETTE.length],
    share: part.messageShare,
    headline: `${plural(part.messages ?? 0, "message")} · ${plural(part.words ?? 0, "word")}`,
    hours: when?.byHour || null,
    busiestHour: when?.busiestHour,
    lines,
    words: words.slice(0, 5).map((w) => w.word),
    emoji: (shared?.topEmoji || []).slice(0, 5).map((e) => e.item),
    title: result.title || "",
  };
}

/** 24 bars of a person's hours, as plain boxes (no chart library: 12 cards stay light). */
function hourStrip(hours, color) {
  const top = Math.max(1, ...hours);
  return h("div", { class: "hour-strip", role: "img", "aria-label": "Messages by hour of day, 0:00 to 23:00" },
    hours.map((count, hour) => h("span", {
      style: `height:${Math.max(count ? 8 : 2, Math.round((count / top) * 100))}%;background:${count ? color : "var(--line)"}`,
      title: `${hourName(hour)}: ${plural(count, "message")}`,
    })));
}

function personCard(facts, onSave) {
  return h("article", { class: "person", style: `--person:${facts.color}`, "aria-label": facts.speaker },
    h("header", {},
      h("h4", { class: "person-name", title: facts.speaker, text: facts.speaker }),
      h("p", { class: "person-share" }, h("strong", { text: pct(facts.share) }), " of messages")),
    h("p", { class: "person-count", text: facts.headline }),
    facts.hours ? [hourStrip(facts.hours, facts.color), h("div", { class: "hour-axis", "aria-hidden": "true" },
      ["0", "6", "12", "18", "24"].map((t) => h("span", { text: t })))] : null,
    h("ul", { class: "person-lines" }, facts.lines.map((line) => h("li", { text: line }))),
    facts.words.length ? h("ul", { class: "chips", "aria-label": "Words that set them apart" }, facts.words.map((w) => h("li", { text: w }))) : null,
    facts.emoji.length ? h("p", { class: "person-emoji", "aria-label": "Favourite emoji", text: facts.emoji.join(" ") }) : null,
    h("button", { type: "button", class: "button-link person-save", onclick: () => onSave(facts), text: "Save as image" }));
}

/** The "People" section: a card per person (the most active first). */
export function peopleSection(result, { card, note, whole = null }) {
  const speakers = (result.participation?.speakers || []).slice(0, MAX_CARDS);
  if (speakers.length < 1) return null;
  const all = result.participation.speakers.length + (result.participation.omittedSpeakers || 0);
  const more = all > speakers.length ? note(`The ${num(speakers.length)} most active of ${num(all)} people.`) : null;
  return card("People", { wide: true, id: "people", whole }, more,
    h("div", { class: "people" }, speakers.map((s, i) => personCard(personFacts(result, s.speaker, i), savePicture))));
}

// ---- the picture ---------------------------------------------------------------------

const W = 1080;
const H = 1350; // 4:5, the portrait every photo app and feed shows whole

function fitText(ctx, text, maxWidth, size, weight = 700) {
  let s = size;
  do {
    ctx.font = `${weight} ${s}px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "Noto Color Emoji", sans-serif`;
    s -= 2;
  } while (ctx.measureText(text).width > maxWidth && s > 18);
  return text;
}

/** The card drawn on a canvas, 1080 × 1350. */
export function drawPicture(facts) {
  const canvas = document.createElement("canvas");
  canvas.width = W;
  canvas.height = H;
  const ctx = canvas.getContext("2d");
  const gradient = ctx.createLinearGradient(0, 0, W, H);
  gradient.addColorStop(0, "#17233b");
  gradient.addColorStop(1, facts.color);
  ctx.fillStyle = gradient;
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = "#ffffff";
  ctx.textBaseline = "alphabetic";
  const left = 90;
  const width = W - 2 * left;
  let y = 170;
  ctx.globalAlpha = 0.8;
  fitText(ctx, facts.title, width, 34, 500);
  ctx.fillText(facts.title, left, y - 70);
  ctx.globalAlpha = 1;
  fitText(ctx, facts.speaker, width, 84);
  ctx.fillText(facts.speaker, left, y + 20);
  y += 190;
  ctx.font = `800 170px system-ui, sans-serif`;
  ctx.fillText(pct(facts.share), left - 6, y);
  ctx.font = `500 40px system-ui, sans-serif`;
  ctx.fillText("of the messages", left, y + 60);
  ctx.globalAlpha = 0.85;
  ctx.fillText(facts.headline, left, y + 115);
  ctx.globalAlpha = 1;
  y += 190;
  if (facts.hours) {
    const top = Math.max(1, ...facts.hours);
    const gap = 8;
    const bar = (width - 23 * gap) / 24;
    for (const [hour, count] of facts.hours.entries()) {
      const height = count ? Math.max(6, (count / top) * 170) : 3;
      ctx.globalAlpha = count ? 0.95 : 0.35;
      ctx.fillRect(left + hour * (bar + gap), y + 170 - height, bar, height);
    }
    ctx.globalAlpha = 0.8;
    ctx.font = `500 28px system-ui, sans-serif`;
    for (const hour of [0, 6, 12, 18]) ctx.fillText(hourName(hour), left + hour * (bar + gap), y + 215);
    ctx.globalAlpha = 1;
    y += 290;
  }
  ctx.font = `500 40px system-ui, sans-serif`;
  for (const line of facts.lines.slice(0, 4)) {
    fitText(ctx, line, width, 40, 500);
    ctx.fillText(line, left, y);
    y += 62;
  }
  if (facts.words.length) {
    const words = facts.words.join(" · ");
    fitText(ctx, words, width, 44, 700);
    ctx.fillText(words, left, y + 20);
    y += 90;
  }
  if (facts.emoji.length) {
    ctx.font = `64px "Noto Color Emoji", "Apple Color Emoji", "Segoe UI Emoji", sans-serif`;
    ctx.fillText(facts.emoji.join(" "), left, Math.min(y + 50, H - 130));
  }
  ctx.globalAlpha = 0.7;
  ctx.font = `500 30px system-ui, sans-serif`;
  ctx.fillText("analysed with parley", left, H - 70);
  ctx.globalAlpha = 1;
  return canvas;
}

function fileName(facts) {
  return `${fileStem(facts.title, facts.speaker)}.png`;
}

/** Save (or, where the device can, share) the person's picture as a PNG. */
export async function savePicture(facts) {
  const blob = await new Promise((resolve) => drawPicture(facts).toBlob(resolve, "image/png"));
  const name = fileName(facts);
  const file = typeof File === "function" ? new File([blob], name, { type: "image/png" }) : null;
  // A phone shares to its apps; everywhere else the picture is downloaded.
  if (file && navigator.canShare?.({ files: [file] }) && matchMedia("(pointer: coarse)").matches) {
    try {
      await navigator.share({ files: [file], title: facts.speaker });
      return;
    } catch {
      // cancelled, or refused: fall back to the download
    }
  }
  saveBlob(blob, name);
}
