// Filters: a date range and a choice of people, redrawing the dashboard from the result
// alone (its `activity.table` of messages and words per person and day, week or month;
// see docs/result-schema.md). No second analysis: what the table cannot narrow (reply
// times, sentiment scores, words, emoji) is drawn for the whole conversation, and says so.

import { h, num, plural } from "./dom.js";

const DAY_MS = 86_400_000;

const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
const dayMs = (iso) => Date.parse(`${iso}T00:00:00Z`);

/** The first day of the day, week (from Monday) or month holding `ms`. */
function binStart(ms, unit) {
  const d = new Date(ms);
  if (unit === "day") return ms;
  if (unit === "week") return ms - ((d.getUTCDay() + 6) % 7) * DAY_MS;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
}

function nextBin(ms, unit) {
  if (unit === "day") return ms + DAY_MS;
  if (unit === "week") return ms + 7 * DAY_MS;
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

/** Whether `result` carries what the filters need. */
export function canFilter(result) {
  const table = result.activity?.table;
  return Boolean(table?.days?.length) && (table.days.length > 1 || table.speakers.length > 1);
}

/** The range the table covers, as ISO days (the last bin's last day). */
export function tableRange(table) {
  const start = dayMs(table.start);
  const lastBin = start + table.days[table.days.length - 1] * DAY_MS;
  return { from: table.start, to: isoDay(nextBin(lastBin, table.unit) - DAY_MS) };
}

/** A display unit for a span of `days`, never finer than the table's. */
function unitFor(days, tableUnit) {
  const wanted = days <= 120 ? "day" : days <= 3 * 365 ? "week" : "month";
  const order = ["day", "week", "month"];
  return order[Math.max(order.indexOf(wanted), order.indexOf(tableUnit))];
}

/** `result` narrowed to `filter` ({from, to, people: Set | null}): a new result object
 * whose filterable parts are recomputed and whose other parts are marked whole. */
export function applyFilter(result, filter) {
  const table = result.activity.table;
  const range = tableRange(table);
  const from = dayMs(filter.from || range.from);
  const to = dayMs(filter.to || range.to);
  const chosen = (name) => !filter.people || filter.people.has(name);
  const start = dayMs(table.start);
  // A bin counts when it overlaps the range: a week or month is not cut in two.
  const included = table.days.map((offset) => {
    const first = start + offset * DAY_MS;
    return first <= to && nextBin(first, table.unit) - DAY_MS >= from;
  });
  const people = table.speakers.map((speaker, p) => {
    let messages = 0;
    let words = 0;
    for (let i = 0; i < included.length; i += 1) {
      if (!included[i]) continue;
      messages += table.messages[p][i];
      words += table.words[p][i];
    }
    return { speaker, p, messages, words };
  }).filter((row) => chosen(row.speaker) && row.messages > 0).sort((a, b) => b.messages - a.messages);
  const totalMessages = people.reduce((sum, row) => sum + row.messages, 0);
  const totalWords = people.reduce((sum, row) => sum + row.words, 0);
  const share = (part, whole) => (whole ? part / whole : 0);

  // Messages over time, zero-filled over the range, in a unit that suits its span.
  const spanDays = Math.round((to - from) / DAY_MS) + 1;
  const unit = unitFor(spanDays, table.unit);
  const bins = new Map();
  for (let ms = binStart(from, unit); ms <= to; ms = nextBin(ms, unit)) bins.set(ms, 0);
  const byWeekday = [0, 0, 0, 0, 0, 0, 0];
  const perDay = new Map();
  for (let i = 0; i < included.length; i += 1) {
    if (!included[i]) continue;
    const first = start + table.days[i] * DAY_MS;
    const count = people.reduce((sum, row) => sum + table.messages[row.p][i], 0);
    if (!count) continue;
    const key = binStart(Math.max(first, from), unit);
    bins.set(key, (bins.get(key) || 0) + count);
    if (table.unit === "day") {
      byWeekday[(new Date(first).getUTCDay() + 6) % 7] += count;
      perDay.set(first, count);
    }
  }
  const labels = [...bins.keys()].map((ms) => (unit === "month" ? isoDay(ms).slice(0, 7) : isoDay(ms)));
  const activity = {
    ...result.activity,
    byDate: { unit, labels, messages: [...bins.values()] },
    byWeekday: table.unit === "day" ? byWeekday : null,
    // Hours are per person for the whole time: they narrow to people, not to dates.
    byHour: filter.from || filter.to ? null : hoursOf(result, people),
    facts: activityFacts(perDay, spanDays, table.unit, totalMessages),
  };
  const sentiment = result.sentiment?.overTime ? {
    ...result.sentiment,
    overTime: narrowSeries(result.sentiment.overTime, from, to, chosen),
  } : result.sentiment;

  const describe = describeFilter(filter, range);
  return {
    ...result,
    filtered: describe,
    summary: {
      headlines: [`${describe}: ${plural(totalMessages, "message")} and ${plural(totalWords, "word")} from ${plural(people.length, "person", "people")}.`],
      numbers: {
        messages: totalMessages,
        speakers: people.length,
        words: totalWords,
        ...(table.unit === "day" ? { days: perDay.size } : {}),
      },
    },
    participation: {
      ...result.participation,
      omittedSpeakers: 0,
      giniMessages: undefined,
      speakers: people.map((row) => ({
        speaker: row.speaker,
        messages: row.messages,
        words: row.words,
        messageShare: share(row.messages, totalMessages),
        wordShare: share(row.words, totalWords),
        wordsPerMessage: { mean: share(row.words, row.messages) },
      })),
    },
    activity,
    sentiment,
  };
}

function hoursOf(result, people) {
  const names = new Set(people.map((row) => row.speaker));
  const hours = Array(24).fill(0);
  for (const s of result.activity.speakers || []) {
    if (names.has(s.speaker)) s.byHour.forEach((count, hour) => { hours[hour] += count; });
  }
  return hours;
}

function activityFacts(perDay, spanDays, tableUnit, total) {
  if (tableUnit !== "day") return `${plural(total, "message")} over ${plural(spanDays, "day")} (counted by the ${tableUnit} for a conversation this long).`;
  if (!perDay.size) return "No messages in this range.";
  let busiest = null;
  let streak = 0;
  let best = 0;
  let previous = null;
  for (const [ms, count] of [...perDay.entries()].sort((a, b) => a[0] - b[0])) {
    if (!busiest || count > busiest[1]) busiest = [ms, count];
    streak = previous !== null && ms === previous + DAY_MS ? streak + 1 : 1;
    best = Math.max(best, streak);
    previous = ms;
  }
  return `${plural(perDay.size, "active day")} out of ${num(spanDays)}; busiest ${isoDay(busiest[0])} with ${plural(busiest[1], "message")}; longest daily streak ${plural(best, "day")}.`;
}

/** A series on the whole conversation's bins, cut to the bins inside the range. */
function narrowSeries(series, from, to, chosen) {
  const keep = series.labels.map((label) => {
    const ms = dayMs(label.length === 7 ? `${label}-01` : label.slice(0, 10));
    return ms >= binStart(from, series.unit === "hour" ? "day" : series.unit) && ms <= to;
  });
  const cut = (values) => values.filter((_, i) => keep[i]);
  return {
    ...series,
    labels: cut(series.labels),
    mean: cut(series.mean),
    ...(Array.isArray(series.speakers)
      ? { speakers: series.speakers.filter((s) => chosen(s.speaker)).map((s) => ({ ...s, mean: cut(s.mean) })) }
      : {}),
  };
}

function describeFilter(filter, range) {
  const from = filter.from || range.from;
  const to = filter.to || range.to;
  const when = from === range.from && to === range.to ? "The whole conversation" : from === to ? `On ${from}` : `From ${from} to ${to}`;
  if (!filter.people) return when;
  const names = [...filter.people];
  const who = names.length <= 3 ? names.join(", ") : `${names.length} people`;
  return `${when}, ${who}`;
}

/** The filter bar: dates and people; `onChange(filter)` on every change. */
export function filterBar(result, onChange) {
  const table = result.activity.table;
  const range = tableRange(table);
  const filter = { from: null, to: null, people: null };
  const fromInput = h("input", { type: "date", id: "filter-from", min: range.from, max: range.to, value: range.from });
  const toInput = h("input", { type: "date", id: "filter-to", min: range.from, max: range.to, value: range.to });
  const boxes = table.speakers.map((speaker) => h("input", { type: "checkbox", value: speaker, checked: true }));
  const changed = () => {
    const from = fromInput.value && fromInput.value > range.from ? fromInput.value : null;
    const to = toInput.value && toInput.value < range.to ? toInput.value : null;
    filter.from = from && to && from > to ? to : from;
    filter.to = to;
    const ticked = boxes.filter((box) => box.checked).map((box) => box.value);
    filter.people = ticked.length === boxes.length || !ticked.length ? null : new Set(ticked);
    reset.hidden = !filter.from && !filter.to && !filter.people;
    onChange({ ...filter });
  };
  const reset = h("button", {
    type: "button", class: "button-link", hidden: true, text: "Show everything",
    onclick: () => {
      fromInput.value = range.from;
      toInput.value = range.to;
      for (const box of boxes) box.checked = true;
      changed();
    },
  });
  for (const node of [fromInput, toInput, ...boxes]) node.addEventListener("change", changed);
  const unitNote = table.unit === "day" ? null : h("span", { class: "hint", text: `Dates go by the ${table.unit}: this conversation is long.` });
  return h("section", { class: "card panel wide filters", id: "filters", "aria-label": "Filters" },
    h("div", { class: "filter-dates" },
      h("label", { for: "filter-from", text: "From" }), fromInput,
      h("label", { for: "filter-to", text: "to" }), toInput, unitNote),
    table.speakers.length > 1
      ? h("fieldset", { class: "filter-people" }, h("legend", { text: "People" }),
        boxes.map((box, i) => h("label", { class: "filter-person" }, box, table.speakers[i])))
      : null,
    reset);
}
