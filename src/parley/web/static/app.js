// The page's controller: the form, the live progress (pushed, or polled), the states, the routes.
//
// Routes live in the hash: "#/" is the form, "#/c/{conversationId}" shows that
// conversation (its progress, its result, or that it has expired). Every poll may land on
// another worker: the page relies only on what the shared store answers.

import { accessToken, eraseConversation, fetchBlob, getJSON, NetworkError, postAnalyze, setAccessToken } from "./api.js";
import { byline, FORMAT_LABELS, markOverflowingTables, renderDashboard } from "./dashboard.js";
import { $, fileStem, fill, h, plural, saveBlob, show, timeAgo } from "./dom.js";
import { forgetAll, loadRecent, probablyExpired, remember, setResultLifetime } from "./recent.js";

const POLL_MS = 400;
const MAX_BACKOFF_MS = 4000;
const GIVE_UP_AFTER = 12; // failed polls in a row before saying the store is down
const ID_RE = /^[A-Za-z0-9\-_.:]{1,128}$/;
// Past this long in the queue, the page says no worker has taken the analysis yet.
const WAIT_NOTE_AFTER_S = 20;

const STAGES = {
  queued: "Waiting for a worker",
  requeued: "Waiting for another worker",
  uploading: "Uploading",
  parsing: "Reading the file",
  parsed: "File read",
  prepare: "Preparing messages",
  participation: "Counting participation",
  turns: "Following turns",
  timed: "Measuring talk time",
  activity: "Mapping activity",
  content: "Finding questions, links and emoji",
  sentiment: "Scoring sentiment",
  keywords: "Finding keywords",
  summary: "Writing the summary",
  done: "Done",
};

// What is on screen: a new navigation bumps `run`, which stops the loops of the old one
// (and closes its progress stream at once).
const state = { run: 0, stopStream: null, lastInput: null, conversationId: null, jobId: null, result: null, deduplicated: false, kept: "one hour" };

/** "one hour", "10 minutes", "2 hours": the server's lifetime of a result, in words. */
function lifetime(seconds) {
  if (seconds % 3600 === 0) return seconds === 3600 ? "one hour" : `${seconds / 3600} hours`;
  if (seconds % 60 === 0) return seconds === 60 ? "one minute" : `${seconds / 60} minutes`;
  return `${seconds} seconds`;
}

/** A new navigation: the old one's loops stop at their next step, its stream now. */
function newRun() {
  state.stopStream?.();
  state.stopStream = null;
  return ++state.run;
}

/** Learn how long the server keeps results, and say it wherever the page does. */
async function learnLifetime() {
  try {
    const { status, body } = await getJSON("/api/health");
    if (status !== 200 || !Number.isFinite(body.ttlSeconds)) return;
    state.kept = lifetime(body.ttlSeconds);
    setResultLifetime(body.ttlSeconds);
    for (const node of document.querySelectorAll(".ttl")) node.textContent = state.kept;
    renderRecent();
  } catch {
    // offline for now: the page says "one hour", the default
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// ---- views ---------------------------------------------------------------------------

function view(name) {
  // data-rendered marks a drawn dashboard (tests wait for it); it goes with the view.
  if (name !== "result") {
    delete document.body.dataset.rendered;
    delete document.body.dataset.renderedConversation;
  }
  show($("input"), name === "input");
  show($("status"), name === "status");
  show($("problem"), name === "problem");
  show($("result"), name === "result");
}

function setProgress({ stage, percent, message }) {
  const value = Math.max(0, Math.min(100, Math.round(percent ?? 0)));
  $("bar-fill").style.width = `${value}%`;
  $("bar").setAttribute("aria-valuenow", String(value));
  $("bar").setAttribute("aria-valuetext", `${STAGES[stage] || stage || ""} ${value}%`);
  const label = STAGES[stage] || stage || "";
  const waiting = stage === "queued" || stage === "requeued";
  $("status-title").textContent = waiting ? "In the queue"
    : state.lastInput?.resent ? "Analysing again" : "Analysing";
  // Screen readers hear each stage once, not every percent.
  if ($("stage").dataset.stage !== (stage || "")) $("stage-live").textContent = label;
  $("stage").textContent = label;
  $("stage").dataset.stage = stage || "";
  $("percent").textContent = `${value}%`;
  $("stage-message").textContent = message || "";
}

function statusNote(text) {
  $("status-note").textContent = text || "";
  show($("status-note"), Boolean(text));
}

function showStatus(conversationId, progress) {
  view("status");
  const resent = Boolean(state.lastInput?.resent);
  const name = inputFor(conversationId)?.label;
  $("status-conv").textContent = [name, conversationId ? `conversation ${conversationId}` : null,
    resent ? "sent again: the worker running it stopped" : null]
    .filter(Boolean).join(" · ");
  statusNote("");
  setProgress(progress);
}

/**
 * A problem, said plainly. `kind` lands in data-kind for tests and styles; `retry`
 * (optional) is what the "Try again" button does.
 */
function problem(kind, title, text, { where = null, retry = null, retryLabel = "Try again", form = false } = {}) {
  view("problem");
  show($("input"), form); // a problem with the input: the form stays, to fix and resend
  show($("problem-home"), !form);
  $("problem").dataset.kind = kind;
  $("problem-title").textContent = title;
  $("problem-text").textContent = text;
  const whereNode = $("problem-where");
  if (where) fill(whereNode, ...where);
  show(whereNode, Boolean(where));
  const button = $("problem-retry");
  button.textContent = retryLabel;
  button.onclick = retry;
  show(button, Boolean(retry));
  $("problem-title").focus?.();
}

/** A 401: this parley wants its access token. Ask for it, keep it for this tab, go on. */
function askForToken(body, retry) {
  const field = h("input", { id: "access-token", type: "password", autocomplete: "off", spellcheck: "false", "aria-label": "Access token" });
  const hadOne = Boolean(accessToken());
  problem("unauthorized", hadOne ? "This access token was not accepted" : "This parley needs an access token",
    "Its operator set an access token (PARLEY_API_TOKEN). Paste it here: this tab keeps it until you close it, and sends it only to this server.",
    {
      where: [h("label", { for: "access-token", text: "Access token " }), field],
      retryLabel: "Use this token",
      retry: () => {
        setAccessToken(field.value.trim());
        retry();
      },
    });
  field.addEventListener("keydown", (event) => {
    if (event.key === "Enter") $("problem-retry").click();
  });
  field.focus?.();
}

/** The input last sent, if it was for this conversation (to send again). */
function inputFor(conversationId) {
  const input = state.lastInput;
  return input && (input.sentAs ?? input.conversationId) === conversationId ? input : null;
}

function expired(conversationId) {
  // The server cannot tell "expired" from "never existed" (both are gone keys): say
  // "expired" only for an analysis this browser remembers.
  const known = loadRecent().some((item) => item.conversationId === conversationId);
  if (known) {
    remember({ conversationId, expired: true });
    renderRecent();
  }
  problem("expired", known ? "This result has expired" : "No such analysis",
    known
      ? `There is no analysis of “${conversationId}” on the server any more. Results are kept for ${state.kept}; analyse the conversation again to see it.`
      : `The server has no analysis of “${conversationId}”: it expired (results are kept for ${state.kept}), or the link is wrong.`,
    inputFor(conversationId) ? { retry: () => submit({ ...inputFor(conversationId), force: true }), retryLabel: "Analyse it again" } : {});
}

function storeDown(body, retry) {
  const said = body?.error ? [h("span", { class: "server-said", text: `The server said: ${body.error}` })] : null;
  problem("unavailable", "The store is unavailable",
    "parley cannot reach its shared store right now, so it can neither start nor look up analyses. Nothing is lost on your side: try again in a few seconds.",
    { retry, where: said });
}

function networkDown(retry) {
  problem("network", "parley cannot be reached",
    "The server did not answer. Check your connection or that parley is running, then try again.",
    { retry });
}

/** A failed job: its error code decides what the person is told. */
function failed(conversationId, error) {
  const code = error?.code || "failed";
  if (code === "input_error") {
    parseProblem(error.message, error.details || {});
    return;
  }
  const input = inputFor(conversationId);
  const again = input ? () => submit({ ...input, force: true, ownerToken: ownerTokenOf(conversationId) }) : null;
  if (code === "worker_lost" || code === "worker_stopped") {
    // Nothing is wrong with the conversation: send the file this page still holds again,
    // once, so nobody has to upload it twice. A second loss is shown, with a button.
    if (input && !input.resent) {
      submit({ ...input, resent: true });
      return;
    }
    problem(code, "The analysis stopped",
      `The worker running this analysis stopped before it finished (${code}), for example because it was restarted. Nothing is wrong with the conversation: analyse it again.`,
      again ? { retry: again, retryLabel: "Analyse it again" } : {});
    return;
  }
  problem(code, "The analysis failed", `${error?.message || "Unknown error"} (${code}).`,
    again ? { retry: again, retryLabel: "Analyse it again" } : {});
}

/** A 400: the file could not be read. Shows the format, the line and, if we have it, the line's text. */
// The formats, as a person calls them (the API's names are for machines).
/** The server's sentence, for a person: no "format:" prefix, no "(line 12)" (shown
 * apart), no flag or environment variable, no format list (said once, in words). */
function forPeople(message) {
  return message
    .replace(/^[a-z]+: /, "")
    .replace(/ \((?:line|record) \d+\)/g, "")
    .replace(/; no format can read it$/, "")
    .replace(/\s*\((?:[A-Z][A-Z0-9_]+|--[a-z-]+)[^)]*\)/g, "")
    .replace(/`/g, "")
    .replace(/[.\s]*$/, ".");
}

/** A 400: the file could not be read. Says what was expected, where it broke, and shows
 * the line that broke. */
async function parseProblem(message, details) {
  const where = [];
  const format = FORMAT_LABELS[details.format] || details.format;
  if (details.line) where.push("line ", h("strong", { class: "line-no", text: String(details.line) }));
  if (details.record) where.push(where.length ? " · " : "", "message ", h("strong", { text: String(Number(details.record) + 1) }));
  let text;
  if (Array.isArray(details.tried) && details.closest) {
    const like = FORMAT_LABELS[details.closest] || details.closest;
    text = `This looks most like ${/^[a-z]/.test(like) ? like : `a ${like} export`}, but not all of it reads as one`
      + (details.line ? `: line ${details.line} is not one of its messages (shown below). If the file was edited or cut, that line is where.` : ".")
      + " If it is another kind of export, choose it under “Format”.";
  } else if (Array.isArray(details.tried)) {
    const starts = message.match(/it starts ('.*?')\)/)?.[1];
    text = "parley could not tell what kind of export this is"
      + (starts ? ` (it starts ${starts})` : "")
      + ". It reads WhatsApp, Telegram, Slack, Discord, iMessage, LINE, Google Chat, Teams, ChatGPT, Instagram, Messenger and Signal exports, subtitles, meeting transcripts and CSV. If you know which one it is, choose it under “Format”.";
  } else if (format) {
    text = `This looks like ${/^[a-z]/.test(format) ? format : `a ${format} export`}, but it does not read as one`
      + `${details.line ? ` at line ${details.line}` : ""}: ${forPeople(message)}`
      + (state.lastInput?.format ? " Check that the chosen format is right, or let parley detect it." : "");
  } else {
    text = forPeople(message);
  }
  problem("parse", "This conversation could not be read", text, { where: where.length ? where : null, form: true });
  if (details.line && state.lastInput) {
    const content = await inputText(state.lastInput);
    const line = content?.split(/\r?\n/)[details.line - 1];
    if (line !== undefined) {
      $("problem-where").append(h("pre", { class: "bad-line" }, h("code", { text: line.slice(0, 300) })));
    }
  }
}

function megabytes(bytes) {
  return `${(bytes / 1_000_000).toLocaleString(undefined, { maximumFractionDigits: bytes < 10_000_000 ? 1 : 0 })} MB`;
}

async function inputText(input) {
  if (input.content) return input.content;
  if (input.file && input.file.size < 5_000_000) {
    try {
      return await input.file.text();
    } catch {
      return null;
    }
  }
  return null;
}

// ---- the flow ------------------------------------------------------------------------

async function submit(input) {
  const run = newRun();
  const files = input.file ? (input.more?.length ? `${input.file.name} and ${plural(input.more.length, "more export")}` : input.file.name) : null;
  state.lastInput = { ...input, sentAs: undefined, label: files || input.filename || "pasted text" };
  state.conversationId = input.conversationId;
  state.result = null;
  showStatus(input.conversationId, { stage: "uploading", percent: 0, message: input.file ? input.file.name : "pasted text" });
  $("status-title").focus?.();
  let answer;
  try {
    answer = await postAnalyze(input, (fraction) => {
      if (run !== state.run) return;
      // The upload is its own short phase; the bar starts over for the analysis.
      if (fraction < 1) setProgress({ stage: "uploading", percent: fraction * 100, message: "" });
      else setProgress({ stage: "parsing", percent: 0, message: "The server is reading the file" });
    });
  } catch (error) {
    if (run === state.run) networkDown(() => submit(input));
    return;
  }
  if (run !== state.run) return;
  const { status, body } = answer;
  if (status === 200 || status === 202) {
    state.deduplicated = Boolean(body.deduplicated);
    state.lastInput.sentAs = body.conversationId; // the server derives it when none was given
    state.conversationId = body.conversationId;
    state.jobId = body.jobId;
    // The owner token comes only with a job this request created: it lets this browser
    // erase the conversation later. A deduplicated answer keeps the one held already.
    const owned = body.ownerToken ? { ownerToken: body.ownerToken } : {};
    remember({ conversationId: body.conversationId, jobId: body.jobId, name: state.lastInput?.label || input.filename || "pasted text", savedAt: Date.now(), expired: false, ...owned });
    renderRecent();
    history.pushState(null, "", `#/c/${encodeURIComponent(body.conversationId)}`);
    await follow(run, body.conversationId, body.jobId, body.status, body.error);
  } else if (status === 401) {
    askForToken(body, () => submit(input));
  } else if (status === 409 && body.code === "conversation_taken") {
    const id = body.details?.conversationId || input.conversationId;
    const ownerToken = ownerTokenOf(id);
    problem("taken", "This conversation id is already taken",
      ownerToken
        ? `“${id}” already shows the analysis of another file, which you started. Replace it with this one, or give this file another id.`
        : `“${id}” already shows the analysis of another file, started elsewhere. Give this file another id (or leave the id empty).`,
      { form: true, retry: ownerToken ? () => submit({ ...input, force: true, ownerToken }) : null, retryLabel: "Replace it" });
  } else if (status === 400 && body.code === "input_error") {
    await parseProblem(body.error, body.details || {});
  } else if (status === 413) {
    const limit = body.details?.limit;
    const size = input.file ? ` is ${megabytes(input.file.size)}` : "";
    const expands = /expands to/.test(body.error || "");
    problem("too_large", "This file is too large",
      expands
        ? `This zip would unpack to more than ${limit ? megabytes(limit) : "the limit"}. Export the chat again “without media”: the messages alone are small.`
        : `This file${size}; this parley accepts up to ${limit ? megabytes(limit) : "a limit set by its operator"}. Export the chat “without media”, or only the period you want.`,
      { form: true });
  } else if (status === 503) {
    storeDown(body, () => submit(input));
  } else if (status === 507) {
    problem("store_full", "The store is full", `${body.error || ""} Try again later, when older results have expired.`, { retry: () => submit(input) });
  } else if (status === 400 || status === 422) {
    problem("invalid", "The request was not accepted", body.error || `HTTP ${status}`, { form: true });
  } else {
    problem("http", "Something went wrong", `${body.error || "The server answered"} (HTTP ${status}).`, { retry: () => submit(input) });
  }
}

/** Go on from a job's status: wait for it, show its result, or say why not. */
async function follow(run, conversationId, jobId, status, error) {
  if (status === "completed") return loadResult(run, conversationId, jobId);
  if (status === "failed") return failed(conversationId, error);
  return listen(run, conversationId, jobId);
}

const QUIET_NOTE_AFTER_S = 15;

/** What the bar's numbers mean to a person: how many messages, about how long is left
 * (from the pace so far), and that it is still working when no update came for a while. */
class Pace {
  constructor() {
    this.started = null; // when it was first seen running
    this.changed = Date.now(); // when the percent last moved
    this.percent = null;
  }

  see(progress) {
    const now = Date.now();
    if (progress.status === "running" && this.started === null) this.started = now;
    if (progress.percent !== this.percent) {
      this.percent = progress.percent;
      this.changed = now;
    }
  }

  /** The server's message ("12,000 messages · scoring sentiment"), and the time left. */
  describe(progress) {
    const parts = progress.message ? [progress.message] : [];
    const elapsed = this.started === null ? 0 : (Date.now() - this.started) / 1000;
    const p = progress.percent || 0;
    if (progress.status === "running" && elapsed >= 3 && p >= 10 && p < 100) {
      const left = (elapsed * (100 - p)) / p;
      parts.push(left < 60 ? `about ${Math.max(1, Math.round(left))} s left` : `about ${Math.round(left / 60)} min left`);
    }
    return parts.join(" · ");
  }

  note() {
    const quiet = (Date.now() - this.changed) / 1000;
    return this.started !== null && quiet >= QUIET_NOTE_AFTER_S
      ? `Still working: the last update was ${Math.round(quiet)} s ago.`
      : "";
  }
}

/** One progress on screen, from a poll or the stream: the bar, the pace, and a note when
 * it has waited long for a worker or gone quiet. */
class Watch {
  constructor() {
    this.pace = new Pace();
    this.waitingSince = null; // when it was last seen waiting for a worker
    this.last = null;
    this.outage = false; // the stream said the store is unreachable
  }

  see(progress) {
    this.last = progress;
    this.outage = false;
    const waiting = progress.stage === "queued" || progress.stage === "requeued";
    this.waitingSince = waiting ? this.waitingSince ?? Date.now() : null;
    this.pace.see(progress);
    this.redraw();
  }

  redraw() {
    if (this.outage) return statusNote("The store is unavailable at the moment; still trying…");
    if (this.last === null) return;
    const waited = this.waitingSince === null ? 0 : (Date.now() - this.waitingSince) / 1000;
    statusNote(waited >= WAIT_NOTE_AFTER_S
      ? `No worker has taken it yet (${Math.round(waited)} s). Workers take analyses in order; if none ever does, the server's parley worker processes may not be running.`
      : this.pace.note());
    setProgress({ ...this.last, message: this.pace.describe(this.last) });
  }
}

// A stream that has sent nothing this long after it opened is held back by a proxy that
// buffers responses: the page polls instead. The server sends the current progress at once.
const STREAM_SILENCE_MS = 5000;

/** Follow the progress the server pushes (Server-Sent Events), from any worker. Polls
 * instead where a stream cannot work: an access token in use (EventSource sends no
 * headers), a browser without EventSource, a stream refused or held back by a proxy. */
function listen(run, conversationId, jobId) {
  if (typeof EventSource !== "function" || accessToken()) return poll(run, conversationId, jobId);
  showStatus(conversationId, { stage: "queued", percent: 0, message: "" });
  const watch = new Watch();
  const source = new EventSource(`/api/progress/${encodeURIComponent(conversationId)}/events`);
  let heard = false;
  const ticker = setInterval(() => watch.redraw(), 1000);
  const silence = setTimeout(() => heard || instead(), STREAM_SILENCE_MS);
  function stop() {
    clearInterval(ticker);
    clearTimeout(silence);
    source.close();
    if (state.stopStream === stop) state.stopStream = null;
  }
  state.stopStream = stop;
  function instead() {
    stop();
    if (run === state.run) poll(run, conversationId, jobId);
  }
  const on = (kind, handle) => source.addEventListener(kind, (event) => {
    if (run !== state.run) return stop();
    heard = true;
    handle(event.data ? JSON.parse(event.data) : {});
  });
  on("progress", (progress) => watch.see(progress));
  on("completed", (progress) => {
    stop();
    loadResult(run, conversationId, progress.jobId || jobId);
  });
  on("failed", (progress) => {
    stop();
    failed(conversationId, progress.error);
  });
  on("expired", () => {
    stop();
    expired(conversationId);
  });
  on("unavailable", () => {
    watch.outage = true;
    watch.redraw();
  });
  // While it can, EventSource reconnects by itself, sending Last-Event-ID: the server
  // answers with what was missed. A source that gave up (a 401, a 404, a 5xx, no stream
  // at all) is CLOSED: polling takes over, and says why if there is something to say.
  source.onerror = () => source.readyState === EventSource.CLOSED && instead();
}

/** Poll the progress until the job ends. Any worker answers: the store has the truth. */
async function poll(run, conversationId, jobId) {
  showStatus(conversationId, { stage: "queued", percent: 0, message: "" });
  let failures = 0;
  const watch = new Watch();
  while (run === state.run) {
    let answer = null;
    try {
      answer = await getJSON(`/api/progress/${encodeURIComponent(conversationId)}`);
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
    }
    if (run !== state.run) return;
    if (answer?.status === 200) {
      failures = 0;
      const progress = answer.body;
      watch.see(progress);
      jobId = progress.jobId || jobId;
      if (progress.status === "completed") return loadResult(run, conversationId, jobId);
      if (progress.status === "failed") return failed(conversationId, progress.error);
      await sleep(POLL_MS);
      continue;
    }
    if (answer?.status === 404) return expired(conversationId);
    if (answer?.status === 401) return askForToken(answer.body, () => poll(newRun(), conversationId, jobId));
    if (answer && answer.status < 500) {
      return problem("http", "Something went wrong", `${answer.body.error || ""} (HTTP ${answer.status}).`);
    }
    // 503, another 5xx, or no answer: the store or the server is down for now. Keep
    // trying with a growing pause, and say so; give up after a while, with a retry.
    failures += 1;
    if (failures >= GIVE_UP_AFTER) {
      const again = () => { const next = newRun(); poll(next, conversationId, jobId); };
      return answer ? storeDown(answer.body, again) : networkDown(again);
    }
    statusNote(answer?.status === 503
      ? "The store is unavailable at the moment; still trying…"
      : "The server is not answering at the moment; still trying…");
    await sleep(Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** failures));
  }
}

async function loadResult(run, conversationId, jobId) {
  setProgress({ stage: "done", percent: 100, message: "Fetching the result" });
  let answer;
  try {
    answer = await getJSON(`/api/jobs/${encodeURIComponent(jobId)}/result`);
  } catch {
    if (run === state.run) networkDown(() => loadResult(newRun(), conversationId, jobId));
    return;
  }
  if (run !== state.run) return;
  const { status, body } = answer;
  if (status === 200 && body.hasResult) return showResult(conversationId, jobId, body.result);
  if (status === 200 && body.status === "failed") return failed(conversationId, body.error);
  if (status === 202) return listen(run, conversationId, jobId);
  if (status === 404) return expired(conversationId);
  if (status === 503) return storeDown(body, () => loadResult(newRun(), conversationId, jobId));
  return problem("http", "Something went wrong", `${body.error || ""} (HTTP ${status}).`);
}

function markRendered() {
  document.body.dataset.rendered = state.jobId; // every chart has been drawn
  document.body.dataset.renderedConversation = state.conversationId;
}

async function showResult(conversationId, jobId, result) {
  state.result = result;
  state.conversationId = conversationId;
  state.jobId = jobId;
  const known = loadRecent().find((item) => item.conversationId === conversationId);
  // The export's own name for the conversation, else its file's name without the
  // extension; never a raw id.
  const file = known?.name && known.name !== "pasted text" ? known.name.replace(/\.[a-z0-9]{2,4}$/i, "") : null;
  const title = result.title || file || "A pasted conversation";
  // Messages people wrote (as the summary counts them), not the export's system lines.
  const written = result.overview?.authoredMessages ?? result.overview?.messages;
  remember({ conversationId, jobId, title, messages: written, format: result.format, expired: false });
  renderRecent();
  view("result");
  showErase(conversationId);
  $("result-title").textContent = title;
  $("result-sub").textContent = `${byline(result)} · conversation ${conversationId} · kept on the server for ${state.kept}`;
  // A deduplicated answer says so: the same file within the hour is the same analysis.
  resultNote(state.deduplicated
    ? "This file was analysed already: this is that analysis, not a new one. To run it afresh, tick “Analyse again even if a result exists”."
    : "");
  state.deduplicated = false;
  await renderDashboard($("dashboard"), result);
  markRendered();
}

// ---- downloads -----------------------------------------------------------------------

function resultNote(text) {
  $("result-note").textContent = text;
  show($("result-note"), Boolean(text));
}

/** Downloads are named after the conversation: its title (a chat's or group's name),
 * else its id. */
function stem() {
  return fileStem(state.result?.title || state.conversationId);
}

function downloadJSON() {
  if (!state.result) return;
  const blob = new Blob([JSON.stringify(state.result, null, 2)], { type: "application/json" });
  saveBlob(blob, `${stem()}.json`);
}

/** A view of the result the server makes (the HTML report, a CSV), saved under the
 * conversation's name. */
async function downloadView(path, suffix, what) {
  if (!state.jobId) return;
  resultNote(`Preparing the ${what}…`);
  try {
    const answer = await fetchBlob(`/api/jobs/${encodeURIComponent(state.jobId)}/${path}`);
    if (answer.blob) {
      saveBlob(answer.blob, `${stem()}${suffix}`);
      resultNote("");
    } else if (answer.status === 404) {
      resultNote(`The result has expired on the server, so the ${what} cannot be made any more. The JSON download still works from this page.`);
    } else {
      resultNote(`The ${what} could not be made: ${answer.body?.error || `HTTP ${answer.status}`}.`);
    }
  } catch {
    resultNote(`The server could not be reached for the ${what}.`);
  }
}

function ownerTokenOf(conversationId) {
  return loadRecent().find((item) => item.conversationId === conversationId)?.ownerToken || null;
}

/** Erasing needs the owner token this browser got when it started the analysis (or the
 * operator's token): show the button only where it can work. */
function showErase(conversationId) {
  show($("erase"), Boolean(ownerTokenOf(conversationId) || accessToken()));
}

async function erase() {
  const conversationId = state.conversationId;
  let answer;
  try {
    answer = await eraseConversation(conversationId, ownerTokenOf(conversationId));
  } catch {
    resultNote("The server could not be reached: nothing was erased.");
    return;
  }
  const { status, body } = answer;
  if (status === 200 || status === 404) {
    remember({ conversationId, expired: true, ownerToken: null });
    renderRecent();
    show($("erase"), false);
    resultNote(status === 200
      ? "Erased from the server: its job, progress and result are gone. What you see stays in this page until you leave it."
      : "The server no longer has this analysis: nothing left to erase.");
    return;
  }
  resultNote(`${body.error || "The server refused"} (HTTP ${status}).`);
}

async function copyLink() {
  const link = `${location.origin}/#/c/${encodeURIComponent(state.conversationId)}`;
  try {
    await navigator.clipboard.writeText(link);
    resultNote(`Link copied: ${link} (works for ${state.kept}).`);
  } catch {
    resultNote(`The link to this result (for ${state.kept}): ${link}`);
  }
}

// ---- recent analyses -----------------------------------------------------------------

function renderRecent() {
  const items = loadRecent();
  show($("recent-empty"), items.length === 0);
  show($("recent-clear"), items.length > 0);
  fill($("recent-list"), items.map((item) => {
    const gone = probablyExpired(item);
    const label = item.title || item.name || item.conversationId;
    const facts = [item.format, item.messages !== undefined ? plural(item.messages, "message") : null, item.savedAt ? timeAgo(item.savedAt) : null]
      .filter(Boolean).join(" · ");
    return h("li", { class: gone ? "expired" : null },
      h("a", { href: `#/c/${encodeURIComponent(item.conversationId)}` }, label),
      h("span", { class: "muted" }, ` ${facts}`),
      gone ? h("span", { class: "badge", text: "expired" }) : null);
  }));
}

// ---- routes --------------------------------------------------------------------------

async function openConversation(conversationId) {
  const run = newRun();
  if (!ID_RE.test(conversationId)) {
    problem("invalid", "This link is not valid", "A conversation id has 1 to 128 letters, digits and - _ . :");
    return;
  }
  showStatus(conversationId, { stage: "queued", percent: 0, message: "Looking up the conversation" });
  let answer;
  try {
    answer = await getJSON(`/api/conversations/${encodeURIComponent(conversationId)}`);
  } catch {
    if (run === state.run) networkDown(() => openConversation(conversationId));
    return;
  }
  if (run !== state.run) return;
  const { status, body } = answer;
  if (status === 404) return expired(conversationId);
  if (status === 401) return askForToken(body, () => openConversation(conversationId));
  if (status === 503) return storeDown(body, () => openConversation(conversationId));
  if (status !== 200) return problem("http", "Something went wrong", `${body.error || ""} (HTTP ${status}).`);
  state.conversationId = conversationId;
  state.jobId = body.jobId;
  return follow(run, conversationId, body.jobId, body.status, body.error);
}

function route() {
  const match = location.hash.match(/^#\/c\/(.+)$/);
  if (match) {
    let id;
    try {
      id = decodeURIComponent(match[1]);
    } catch {
      id = match[1];
    }
    if (id !== state.conversationId || !state.result) openConversation(id);
    else {
      view("result");
      markRendered();
    }
    return;
  }
  newRun(); // stop whatever was running
  if (state.result) freshForm(); // after a result, a new analysis starts from nothing
  state.conversationId = null;
  state.result = null;
  view("input");
}

// ---- the form ------------------------------------------------------------------------

/** The sample export shipped with parley, analysed as if it had been dropped here. */
async function trySample() {
  let response;
  try {
    response = await fetch("/sample.txt");
  } catch {
    networkDown(trySample);
    return;
  }
  const content = await response.text();
  const name = /filename="([^"]+)"/.exec(response.headers.get("content-disposition") || "")?.[1];
  submit({ content, filename: name || "sample.txt", format: null, conversationId: null, force: false, pseudonymise: $("pseudonymise").checked });
}

function freshForm() {
  $("analyze-form").reset();
  chosenFile(null);
  $("paste-box").open = false;
  $("advanced").open = false;
}

/** The files chosen or dropped: one export, or several analysed as one conversation. */
function chosenFile(files) {
  const list = files ? [...files] : [];
  state.file = list[0] || null;
  state.more = list.slice(1);
  show($("file-chosen"), list.length > 0);
  const kb = Math.max(1, Math.round(list.reduce((sum, f) => sum + f.size, 0) / 1024));
  $("file-name").textContent = list.length > 1
    ? `${list.length} exports, analysed as one conversation: ${list.map((f) => f.name).join(", ")} (${kb} KB)`
    : list.length ? `${list[0].name} (${kb} KB)` : "";
  $("drop").classList.toggle("has-file", list.length > 0);
}

function formError(text) {
  let node = $("form-error");
  if (!node) {
    node = h("p", { id: "form-error", class: "form-error", role: "alert" });
    $("analyze-form").querySelector(".actions").prepend(node);
  }
  node.textContent = text;
  show(node, Boolean(text));
}

function setUpForm() {
  const fileInput = $("file");
  fileInput.addEventListener("change", () => chosenFile(fileInput.files));
  $("file-clear").addEventListener("click", () => {
    fileInput.value = "";
    chosenFile(null);
  });
  const drop = $("drop");
  for (const name of ["dragenter", "dragover"]) {
    drop.addEventListener(name, (event) => {
      event.preventDefault();
      drop.classList.add("dragging");
    });
  }
  for (const name of ["dragleave", "drop"]) {
    drop.addEventListener(name, () => drop.classList.remove("dragging"));
  }
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    const files = event.dataTransfer?.files;
    if (files?.length) chosenFile(files);
  });
  // A file dropped anywhere else should not make the browser navigate away.
  window.addEventListener("dragover", (event) => event.preventDefault());
  window.addEventListener("drop", (event) => event.preventDefault());

  $("analyze-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const content = $("paste").value;
    const conversationId = $("conversation-id").value.trim();
    const idField = $("conversation-id");
    if (conversationId && !ID_RE.test(conversationId)) {
      idField.setAttribute("aria-invalid", "true");
      formError("The conversation id may only have letters, digits and - _ . : (at most 128).");
      idField.focus();
      return;
    }
    idField.removeAttribute("aria-invalid");
    if (!state.file && !content.trim()) {
      formError("Choose or drop a file, or paste the conversation's text.");
      fileInput.focus();
      return;
    }
    if (state.file && content.trim()) {
      formError("A file is chosen and text is pasted: remove the file or clear the text, so it is clear which to analyse.");
      $("file-clear").focus();
      return;
    }
    formError("");
    submit({
      file: state.file || null,
      more: state.file ? state.more : [],
      content: state.file ? null : content,
      format: $("format").value || null,
      conversationId: conversationId || null,
      force: $("force").checked,
      pseudonymise: $("pseudonymise").checked,
      timezone: $("timezone").value.trim() || null,
    });
  });

  $("dl-json").addEventListener("click", downloadJSON);
  $("dl-html").addEventListener("click", () => downloadView("report.html?download=true", ".html", "report"));
  $("dl-people-csv").addEventListener("click", () => downloadView("people.csv", "-people.csv", "table of people"));
  $("dl-activity-csv").addEventListener("click", () => downloadView("activity.csv", "-activity.csv", "table of activity"));
  $("copy-link").addEventListener("click", copyLink);
  $("erase").addEventListener("click", erase);
  $("try-sample").addEventListener("click", trySample);
  $("recent-clear").addEventListener("click", () => {
    forgetAll();
    renderRecent();
  });
}

setUpForm();
renderRecent();
learnLifetime();
window.addEventListener("hashchange", route);
window.addEventListener("resize", () => markOverflowingTables($("dashboard")));
route();
