// The result as a dashboard: the page draws it, and the HTML report is the same dashboard
// saved offline (parley.report inlines these modules). Reads the result schema
// (docs/result-schema.md) and ignores keys it does not know; a section the analysis
// marks unavailable says why.

import * as charts from "./charts.js";
import { duration, fill, h, moment, num, pct, plural } from "./dom.js";
import { applyFilter, canFilter, filterBar } from "./filters.js";
import { peopleSection } from "./people.js";

const MAX_BARS = 15;
const HOURS = Array.from({ length: 24 }, (_, hour) => String(hour));

const LANGUAGE_NAMES = { en: "English", es: "Spanish", fr: "French", de: "German", pt: "Portuguese", it: "Italian", nl: "Dutch" };

/** Each parser's format, as a person names it. */
export const FORMAT_LABELS = {
  whatsapp: "WhatsApp", telegram: "Telegram", slack: "Slack", discord: "Discord", chatgpt: "ChatGPT",
  messages: "a message list", instagram: "Instagram or Messenger", signal: "Signal", vtt: "WebVTT subtitles",
  srt: "SRT subtitles", transcript: "a meeting transcript", csv: "CSV", mixed: "Several formats",
  imessage: "iMessage", line: "LINE", googlechat: "Google Chat", teams: "Microsoft Teams",
  messenger: "Messenger (HTML)",
};

/** "WhatsApp · 308 messages · 2024-06-03 to 2024-06-23": what the result is of. */
export function byline(result) {
  const overview = result.overview || {};
  // Messages people wrote (as the summary counts them), not the export's system lines.
  const written = overview.authoredMessages ?? overview.messages;
  const day = (moment) => String(moment).slice(0, 10);
  const first = overview.firstMessage;
  const span = typeof first === "string"
    ? (day(first) === day(overview.lastMessage) ? day(first) : `${day(first)} to ${day(overview.lastMessage)}`)
    : null;
  return [FORMAT_LABELS[result.format] || result.format,
    written === undefined ? null : plural(written, "message"), span,
    result.pseudonymised ? "names replaced by Person 1, Person 2…" : null].filter(Boolean).join(" · ");
}

function card(title, { wide = false, id, whole = null } = {}, ...body) {
  const heading = h("h3", { text: title });
  const unfiltered = whole ? h("p", { class: "whole", text: whole }) : null;
  return h("section", { class: wide ? "card panel wide" : "card panel", id, "aria-label": title }, heading, unfiltered, ...body);
}

/** Under a filter, what a section that cannot be narrowed says about itself. */
function whole(result, text = "For the whole conversation: the filter does not narrow this.") {
  return result.filtered ? text : null;
}

/** A reply time at the precision the export has (minutes only, for many). */
function replyTime(result, seconds) {
  return duration(seconds, result.overview?.timeResolutionSeconds ?? 1);
}

function note(text) {
  return h("p", { class: "muted" }, text);
}

/** A figure for a chart; `draw(node)` runs once the figure is in the page. */
function figure(caption, draw, pending) {
  const plot = h("div", { class: "chart", role: "img", "aria-label": caption });
  pending.push(() => draw(plot));
  return h("figure", {}, plot, h("figcaption", { text: caption }));
}

function table(headers, rows, { caption, numeric = [], nowrap = [] } = {}) {
  const head = h("tr", {}, headers.map((t, i) => h("th", { scope: "col", class: numeric.includes(i) ? "num" : null, text: t })));
  const kind = (i) => (numeric.includes(i) ? "num" : nowrap.includes(i) ? "nowrap" : null);
  const body = rows.map((row) =>
    h("tr", {}, row.map((cell, i) => (i === 0
      ? h("th", { scope: "row", text: cell })
      : h("td", { class: kind(i), text: cell })))));
  return h("div", { class: "table-scroll", tabindex: "0", role: "region", "aria-label": caption || headers[0] },
    h("table", {}, caption ? h("caption", { class: "visually-hidden", text: caption }) : null,
      h("thead", {}, head), h("tbody", {}, body)));
}

function summary(result) {
  const numbers = result.summary?.numbers || {};
  const tiles = [
    ["messages", num(numbers.messages)],
    ["people", num(numbers.speakers)],
    ["words", num(numbers.words)],
  ];
  if (numbers.days !== undefined) tiles.push(["days", num(numbers.days)]);
  if (numbers.durationSeconds !== undefined) tiles.push(["long", duration(numbers.durationSeconds)]);
  if (numbers.sessions !== undefined) tiles.push(["conversations", num(numbers.sessions)]);
  if (numbers.sentimentMean !== undefined) tiles.push(["mean sentiment", num(numbers.sentimentMean, 2)]);
  return card("Summary", { wide: true, id: "summary" },
    h("ul", { class: "headlines" }, (result.summary?.headlines || []).map((line) => h("li", { text: line }))),
    h("div", { class: "tiles" }, tiles.map(([label, value]) =>
      h("div", { class: "tile" }, h("strong", { text: value }), h("span", { text: label })))));
}

function participants(result, pending) {
  const part = result.participation;
  if (!part?.speakers?.length) return card("Participants", {}, note("Nobody wrote anything."));
  const speakers = part.speakers;
  const top = speakers.slice(0, MAX_BARS);
  const turns = new Map((result.turns?.speakers || []).map((s) => [s.speaker, s]));
  const hasTimes = result.turns?.hasTimes ?? result.turns?.timed ?? false;
  // Reply times and conversation starts are the whole conversation's: a filter drops them.
  const withTurns = !result.filtered;
  const rows = speakers.map((s) => {
    const t = turns.get(s.speaker);
    const row = [
      s.speaker, num(s.messages), pct(s.messageShare), num(s.words), pct(s.wordShare),
      num(s.wordsPerMessage?.mean, 1),
    ];
    if (withTurns) {
      row.push(hasTimes && t?.responseSeconds?.count ? replyTime(result, t.responseSeconds.median) : "–",
        t ? num(t.sessionsStarted) : "–");
    }
    return row;
  });
  const headers = ["person", "messages", "share", "words", "word share", "words/msg"];
  if (withTurns) headers.push("median reply", "started");
  const more = part.omittedSpeakers ? note(`${num(part.omittedSpeakers)} less active speakers are not listed.`) : null;
  const balance = speakers.length > 1 && typeof part.giniMessages === "number"
    ? h("p", { class: "facts" }, `How evenly people write (Gini: 0 when all write alike, 1 when one person writes everything): ${num(part.giniMessages, 2)} for messages, ${num(part.giniWords, 2)} for words.`)
    : null;
  return card("Participants", { wide: true, id: "participants" }, balance,
    figure("Share of messages and words per person", (node) => charts.hbars(node, top.map((s) => s.speaker), [
      { name: "messages", values: top.map((s) => s.messageShare) },
      { name: "words", values: top.map((s) => s.wordShare) },
    ], { percent: true }), pending),
    table(headers, rows, { caption: "Participants", numeric: [1, 2, 3, 4, 5, 6, 7] }),
    more);
}

function responseTimes(result, pending) {
  const hasTimes = result.turns?.hasTimes ?? result.turns?.timed ?? false;
  const speakers = (result.turns?.speakers || []).filter((s) => s.responseSeconds?.count > 0).slice(0, MAX_BARS);
  if (!hasTimes || !speakers.length) {
    return card("Response times", {}, note("Not available: the messages carry no times, or nobody answered anybody."));
  }
  // Chats answer in minutes, meetings in seconds: pick the unit that shows the bars.
  const slowest = Math.max(...speakers.map((s) => s.responseSeconds.p90 || 0));
  const [unit, size] = slowest < 120 ? ["seconds", 1] : slowest < 7200 ? ["minutes", 60] : ["hours", 3600];
  const scaled = (seconds) => Math.round((seconds / size) * 10) / 10;
  const caption = `${unit[0].toUpperCase()}${unit.slice(1)} before answering: median and slowest 10%`;
  const paused = (s) => (s.afterPauseSeconds?.count ? replyTime(result, s.afterPauseSeconds.median) : "–");
  const rows = speakers.map((s) => [
    s.speaker, replyTime(result, s.responseSeconds.median), replyTime(result, s.responseSeconds.p90), paused(s),
  ]);
  const minutes = (result.overview?.timeResolutionSeconds ?? 1) >= 60
    ? " This export gives times to the minute, so a reply within one reads “under a minute”." : "";
  const facts = h("p", { class: "hint" },
    `Within a conversation: median and slowest 10%. After a pause: the first message after ${duration(result.turns?.sessions?.gapSeconds ?? 21600)} of quiet, to someone else (a reply the next morning is not slowness).${minutes}`);
  return card("Response times", { id: "response-times", whole: whole(result) },
    figure(caption, (node) => charts.hbars(node, speakers.map((s) => s.speaker), [
      { name: "median", values: speakers.map((s) => scaled(s.responseSeconds.median)) },
      { name: "90th percentile", values: speakers.map((s) => scaled(s.responseSeconds.p90)), color: "#9ecae1" },
    ], { xTitle: unit }), pending),
    table(["person", "median", "slowest 10%", "after a pause"], rows,
      { caption: "Response times", numeric: [1, 2, 3] }),
    facts);
}

function activity(result, pending) {
  const act = result.activity;
  if (!act || act.available === false) {
    return card("Activity", { wide: true }, note(`Not available: ${act?.reason || "no timestamps"}.`));
  }
  const facts = h("p", { class: "facts" }, act.facts
    ?? `${plural(act.activeDays, "active day")} out of ${num(act.spanDays)}; busiest ${act.busiestDay} with ${plural(act.busiestDayMessages, "message")}; longest daily streak ${plural(act.longestDailyStreak, "day")}.`);
  const byWeekday = act.byWeekday;
  return [
    card("Activity over time", { wide: true, id: "activity" }, facts,
      figure(`Messages per ${act.byDate.unit}`, (node) => charts.timeline(node, act.byDate), pending)),
    card("When people write", { id: "heatmap" },
      figure(result.filtered ? "Messages by weekday and hour, for the whole conversation" : "Messages by weekday and hour",
        (node) => charts.weekHeatmap(node, act.heatmap, act.weekdays), pending),
      h("div", { class: "two" },
        act.byHour ? figure("By hour of day", (node) => charts.columns(node, HOURS, act.byHour, { height: 180, tickvals: ["0", "6", "12", "18"] }), pending) : null,
        // One weekday (a chat of a day) is no comparison: that chart is left out.
        byWeekday && byWeekday.filter((n) => n > 0).length > 1
          ? figure("By weekday", (node) => charts.columns(node, act.weekdays, byWeekday, { height: 180 }), pending)
          : null)),
  ];
}

function sentiment(result, pending) {
  const mood = result.sentiment;
  if (mood?.available === false) return card("Sentiment", { id: "sentiment" }, note(`Not scored: ${mood.reason}.`));
  if (!mood || !mood.scoredMessages) return card("Sentiment", { id: "sentiment" }, note("No text messages to score."));
  const quotes = (title, list) => (list?.length
    ? h("div", { class: "quotes" }, h("h4", { text: title }), list.map((q) =>
      h("blockquote", {}, h("p", { text: q.text }),
        h("footer", {}, h("span", { class: "who", text: q.speaker }), ` · ${moment(q.at)} · ${num(q.score, 2)}`))))
    : null);
  const parts = [
    h("p", { class: "facts" }, `${pct(mood.positiveShare)} positive, ${pct(mood.negativeShare)} negative, ${pct(mood.neutralShare)} neutral messages (VADER, an English lexicon; ${mood.language === "en" ? "this chat reads as English" : "this chat’s language could not be told, so read the tone with care"}).`),
  ];
  // A line needs two points: one bin of mood (a chat within the hour) says nothing over time.
  const moodPoints = (mood.overTime?.mean || []).filter((m) => m !== null && m !== undefined).length;
  if (moodPoints >= 2) {
    const title = Array.isArray(mood.overTime.speakers) ? "Mean sentiment over time, per person" : "Mean sentiment over time";
    parts.push(figure(title, (node) => charts.sentimentLines(node, mood.overTime), pending));
  }
  const speakers = (mood.speakers || []).slice(0, MAX_BARS);
  if (speakers.length) {
    parts.push(figure("Mean sentiment per person", (node) => charts.sentimentBars(node, speakers), pending));
  }
  parts.push(h("div", { class: "quote-cols" }, quotes("Most positive", mood.mostPositive), quotes("Most negative", mood.mostNegative)));
  return card("Sentiment", { wide: true, id: "sentiment", whole: whole(result, "The line over time follows the filter; the scores per person and the quotes are for the whole conversation.") }, ...parts);
}

function replies(result, pending) {
  const matrix = result.turns?.replyMatrix;
  if (!matrix?.speakers?.length || matrix.speakers.length < 2) {
    return card("Who answers whom", {}, note("Needs at least two people."));
  }
  const pairs = (result.turns.pairs || []).slice(0, 8).map((p) => [
    `${p.responder} → ${p.to}`, num(p.answers), replyTime(result, p.medianSeconds),
  ]);
  // Wide, the matrix beside its busiest pairs: side by side they are of a height.
  return card("Who answers whom", { id: "replies", wide: true, whole: whole(result) },
    h("div", { class: "two" },
      figure("Times each person (row) answered another (column)", (node) => charts.replyMatrix(node, matrix), pending),
      pairs.length ? table(["pair", "answers", "median reply"], pairs, { caption: "Busiest pairs", numeric: [1, 2] }) : null));
}

function keywords(result, pending) {
  const kw = result.keywords;
  if (!kw?.top?.length) return card("Keywords", {}, note("Too few words to find keywords."));
  const top = kw.top.slice(0, 20);
  const distinctive = (kw.distinctive || []).filter((d) => d.words?.length);
  return card("Keywords", { wide: true, id: "keywords", whole: whole(result) },
    h("p", { class: "facts" }, `${num(kw.tokens)} words, ${num(kw.vocabulary)} different ones${LANGUAGE_NAMES[kw.language] ? ` (${LANGUAGE_NAMES[kw.language]}: forms of one word, like “guess” and “guesses”, count as one)` : ""}.`),
    h("div", { class: "two" },
      figure("Most frequent words", (node) => charts.hbars(node, top.map((w) => w.word), [
        { name: "uses", values: top.map((w) => w.count), color: "#009E73" },
      ]), pending),
      h("div", {}, h("h4", { text: "Words that set each person apart" }),
        distinctive.length
          ? h("dl", { class: "distinct" }, distinctive.slice(0, 12).map((d) => [
            h("dt", { text: d.speaker }),
            h("dd", {}, h("ul", { class: "chips" }, d.words.map((w) =>
              h("li", { title: `used ${w.count} times, z = ${num(w.z, 1)}`, text: w.word })))),
          ]))
          : note("No word stands out for anyone: nobody uses a word markedly more than the others do."))));
}

function emoji(result, pending) {
  const content = result.content;
  if (!content) return null;
  const top = (content.topEmoji || []).slice(0, 15);
  const favourites = (content.speakers || []).filter((s) => s.topEmoji?.length).slice(0, 12);
  const facts = h("p", { class: "facts" },
    `${num(content.emoji)} emoji (${num(content.distinctEmoji)} different), ${num(content.questions)} questions, ${num(content.links)} links, ${num(content.media)} media messages.`);
  const domains = (content.topDomains || []).slice(0, 6);
  const sites = domains.length
    ? h("p", { class: "facts" }, "Most linked sites: ", domains.map((d, i) => [i ? ", " : "", h("span", { class: "emoji-count", text: `${d.item} (${num(d.count)})` })]))
    : null;
  return card("Emoji and more", { id: "emoji", whole: whole(result) }, facts, sites,
    top.length ? figure("Most used emoji", (node) => charts.counts(node, top, { name: "uses" }), pending) : note("No emoji."),
    favourites.length
      ? h("dl", { class: "distinct columns" }, favourites.map((s) => [
        h("dt", { text: s.speaker }),
        // Each emoji and its count stay together: the line wraps between them, never inside.
        h("dd", { class: "emoji-line" }, s.topEmoji.map((e) => h("span", { class: "emoji-count", text: `${e.item} ${num(e.count)}` }))),
      ]))
      : null);
}

function timed(result, pending) {
  const t = result.timed;
  if (!t || !t.available) return null;
  const speakers = (t.speakers || []).slice(0, MAX_BARS);
  return card("Talk time", { id: "talk", whole: whole(result) },
    h("p", { class: "facts" }, `${duration(t.durationSeconds)} in all, ${duration(t.silenceSeconds)} of silence, ${num(t.interruptions)} interruptions, ${num(t.switchesPerMinute, 1)} speaker switches a minute.`),
    figure("Share of talk time", (node) => charts.hbars(node, speakers.map((s) => s.speaker), [
      { name: "talk", values: speakers.map((s) => s.talkShare) },
    ], { percent: true }), pending),
    table(["person", "talk time", "longest monologue", "interrupted others", "was interrupted", "questions"],
      speakers.map((s) => [s.speaker, duration(s.talkSeconds), duration(s.longestMonologueSeconds),
        num(s.interruptionsMade), num(s.interrupted), pct(s.questionRate)]),
      { caption: "Talk time", numeric: [1, 2, 3, 4, 5] }));
}

function silences(result) {
  const list = result.turns?.longestSilences || [];
  if (!list.length) return null;
  const sessions = result.turns?.sessions;
  let split = null;
  if (sessions?.available && sessions.count === 1) {
    split = `One conversation throughout: nobody was quiet for ${duration(sessions.gapSeconds)} or more.`;
  } else if (sessions?.available) {
    split = `${plural(sessions.count, "conversation")}, split where nobody wrote for ${duration(sessions.gapSeconds)}; a typical one has ${plural(Math.round(sessions.messagesPerSession.median), "message")} and lasts ${duration(sessions.durationSeconds.median)}.`;
  }
  // The silence and when it began say when it ended: two date-times side by side do not
  // fit a phone, and a date-time never breaks at its hyphens.
  return card("Longest silences", { id: "silences", whole: whole(result) },
    split ? h("p", { class: "facts", text: split }) : null,
    table(["silence", "from", "broken by"],
      list.map((s) => [duration(s.seconds), moment(s.after), s.brokenBy ?? "–"]),
      { caption: "Longest silences", nowrap: [1] }));
}

const DATE_ORDERS = { dmy: "day first (31/12)", mdy: "month first (12/31)", ymd: "year first (2024-12-31)" };

/** "How this was read": the parser's decisions and their evidence, so a misreading shows. */
function reading(result) {
  const d = result.diagnostics;
  if (!d) return null;
  const label = (name) => FORMAT_LABELS[name] || name;
  const items = [
    `Read as ${label(d.format)}${d.runnerUp ? ` (it could also be read as ${label(d.runnerUp)}: choose the format on the form if that is what it is)` : ""}; ${plural(d.messages, "message")}.`,
  ];
  const sources = result.sources || [];
  if (sources.length > 1) {
    const file = (s) => `${s.filename || "a file"} (${label(s.format)}, ${plural(s.messages, "message")}${s.duplicates ? `, ${num(s.duplicates)} already in an earlier file` : ""})`;
    items.push(`Read from ${plural(sources.length, "export")}: ${sources.map(file).join("; ")}. ${result.duplicatesDropped ? `${plural(result.duplicatesDropped, "overlapping message")} counted once.` : "No message was in two of them."}`);
  }
  if (d.dateOrder) items.push(`Dates ${DATE_ORDERS[d.dateOrder] || d.dateOrder}: ${d.dateEvidence}.`);
  const basis = result.overview?.timeBasis;
  if (basis === "zone") items.push(`Hours and days in ${result.overview.timezone}.`);
  else if (basis === "offset") items.push(`Hours as the export stores them${["slack", "discord"].includes(d.format) ? " (UTC)" : ""}: give a time zone (under Advanced) to read them as yours.`);
  if (d.timeResolutionSeconds === 60) items.push("Times to the minute: the export carries no seconds.");
  else if (d.timeResolutionSeconds === 1) items.push("Times to the second.");
  if (d.mergedLines) {
    const first = d.firstMerged?.[0];
    items.push(`${plural(d.mergedLines, "line")} ${d.mergedLines === 1 ? "continues" : "continue"} the message above ${d.mergedLines === 1 ? "it" : "them"} (a message over several lines)${first ? `, the first at line ${num(first.line)}: “${first.text}”` : ""}.`);
  }
  const system = Object.entries(d.systemLines || {});
  if (system.length) items.push(`System lines, not counted as anyone's messages: ${system.map(([kind, n]) => `${num(n)} ${kind}`).join(", ")}.`);
  return card("How this was read", { id: "reading" }, h("ul", { class: "reading" }, items.map((t) => h("li", { text: t }))));
}

function sections(result, pending) {
  return [
    summary(result),
    participants(result, pending),
    peopleSection(result, { card, note, whole: whole(result, "Shares follow the filter; hours, replies, tone, words and emoji are for the whole conversation.") }),
    activity(result, pending), // over time (wide), then when people write (half)
    responseTimes(result, pending), // beside when people write
    replies(result, pending),
    sentiment(result, pending),
    keywords(result, pending),
    silences(result),
    emoji(result, pending),
    timed(result, pending),
    reading(result),
  ].flat().filter(Boolean);
}

async function draw(container, cards, pending) {
  fill(container, pairedHalves(cards));
  // Drawn after insertion, so plotly measures the real width.
  await Promise.all(pending.map((drawChart) => drawChart()));
  markOverflowingTables(container);
}

/** Render `result` into `container`; returns once every chart is drawn. With `filters`,
 * a bar of dates and people redraws it, from the result alone. */
export async function renderDashboard(container, result, { filters = true } = {}) {
  const pending = [];
  if (!filters || !canFilter(result)) {
    await draw(container, sections(result, pending), pending);
    return;
  }
  let drawing = Promise.resolve();
  const bar = filterBar(result, (filter) => {
    const narrowed = filter.from || filter.to || filter.people ? applyFilter(result, filter) : result;
    const next = [];
    const cards = sections(narrowed, next);
    // One redraw at a time, in order: the last change is the one left on screen.
    drawing = drawing.then(async () => {
      await draw(container, [bar, ...cards], next);
      container.dataset.filtered = narrowed.filtered || "";
    });
    return drawing;
  });
  await draw(container, [bar, ...sections(result, pending)], pending);
}

/** Half-width cards go two to a row: the last of an odd run of them takes the whole row,
 * so no card stands beside an empty space. */
function pairedHalves(cards) {
  let run = [];
  const close = () => {
    if (run.length % 2 === 1) run[run.length - 1].classList.add("wide");
    run = [];
  };
  for (const node of cards) {
    if (node.classList.contains("wide")) close();
    else run.push(node);
  }
  close();
  return cards;
}

/** A table wider than its card (a phone) says so, instead of hiding columns silently. */
export function markOverflowingTables(container) {
  for (const scroller of container.querySelectorAll(".table-scroll")) {
    scroller.dataset.overflows = String(scroller.scrollWidth > scroller.clientWidth + 1);
  }
}
