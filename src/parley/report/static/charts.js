// Charts, drawn by plotly.js (from the installed plotly package: the page loads it from
// the server, the report inflates its embedded copy).
//
// plotly reads a small HTML-like markup in every label (<b>, <br>, <a href>), so user
// text (speaker names, words, emoji) is entity-escaped before it is handed over: plotly
// then shows the characters, never markup.

// Okabe–Ito, distinguishable with the common colour-vision deficiencies.
export const PALETTE = [
  "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
  "#D55E00", "#F0E442", "#000000", "#999999", "#7F3C8D",
];
const INK = "#1b1f24";
const GRID = "#e3e6ea";

export function plotText(value) {
  return String(value).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

const CONFIG = { responsive: true, displaylogo: false, displayModeBar: false };

function layout(extra = {}) {
  const { xaxis = {}, yaxis = {}, ...rest } = extra;
  return {
    autosize: true,
    height: 300,
    margin: { l: 10, r: 10, t: 10, b: 10 },
    paper_bgcolor: "rgba(0,0,0,0)",
    plot_bgcolor: "rgba(0,0,0,0)",
    font: { family: "system-ui, -apple-system, Segoe UI, Roboto, sans-serif", size: 12, color: INK },
    colorway: PALETTE,
    hoverlabel: { font: { size: 13 } },
    legend: { orientation: "h", y: -0.2 },
    xaxis: { automargin: true, gridcolor: GRID, zerolinecolor: GRID, fixedrange: true, ...xaxis },
    yaxis: { automargin: true, gridcolor: GRID, zerolinecolor: GRID, fixedrange: true, ...yaxis },
    ...rest,
  };
}

/** Few bins read best as named categories; many as a date axis plotly thins out. */
function timeAxis(unit, bins) {
  // Hours read best on a date axis (plotly labels them 09:00, Mar 4); a handful of days
  // or years as categories, so one bar is not stretched over a meaningless time range.
  if (unit === "hour") return { type: "date" };
  return unit === "year" || bins <= 14 ? { type: "category" } : { type: "date" };
}

function draw(node, traces, extra) {
  if (!window.Plotly) {
    // The library did not load (a blocked script, a browser without DecompressionStream):
    // the figure says so, and the tables and facts around it still stand.
    node.textContent = "This chart could not be drawn: the charting library did not load.";
    node.classList.add("chart-missing");
    return Promise.resolve();
  }
  const spec = layout(extra);
  // The box keeps the chart's height: plotly's responsive resize (a phone turned, a
  // window narrowed) takes its height from the box, and would squash a tall chart.
  node.style.height = `${spec.height}px`;
  return window.Plotly.newPlot(node, traces, spec, CONFIG);
}

/** Horizontal bars, largest on top: series = [{name, values, format}] over `labels`. */
export function hbars(node, labels, series, { percent = false, xTitle = "" } = {}) {
  const y = labels.map(plotText);
  const traces = series.map((s, i) => ({
    type: "bar",
    orientation: "h",
    name: plotText(s.name),
    y,
    x: s.values,
    marker: { color: s.color || PALETTE[i % PALETTE.length] },
    hovertemplate: percent ? "%{y}: %{x:.0%}<extra>%{fullData.name}</extra>"
      : "%{y}: %{x}<extra>%{fullData.name}</extra>",
  }));
  return draw(node, traces, {
    height: Math.max(160, 60 + labels.length * 22 * Math.max(1, series.length * 0.7)),
    barmode: "group",
    showlegend: series.length > 1,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    margin: { l: 10, r: 10, t: series.length > 1 ? 30 : 10, b: 10 },
    xaxis: { tickformat: percent ? ".0%" : undefined, title: { text: xTitle } },
    yaxis: { autorange: "reversed", type: "category" },
  });
}

/** Messages per day/week/month/year. */
export function timeline(node, byDate) {
  const unit = byDate.unit;
  return draw(node, [{
    type: "bar",
    x: byDate.labels,
    y: byDate.messages,
    marker: { color: PALETTE[0] },
    hovertemplate: `%{x}: %{y} messages<extra>${unit}</extra>`,
  }], {
    height: 260,
    bargap: 0.1,
    xaxis: timeAxis(unit, byDate.labels.length),
    yaxis: { title: { text: `messages per ${unit}` } },
  });
}

/** A weekday × hour grid (7 × 24). */
export function weekHeatmap(node, heatmap, weekdays) {
  const hours = Array.from({ length: 24 }, (_, h) => h);
  return draw(node, [{
    type: "heatmap",
    z: heatmap,
    x: hours,
    y: weekdays.map(plotText),
    colorscale: [[0, "#f4f7fb"], [0.15, "#c6dbef"], [0.5, "#4a90c8"], [1, "#08306b"]],
    xgap: 2,
    ygap: 2,
    hovertemplate: "%{y} %{x}:00: %{z} messages<extra></extra>",
    colorbar: { thickness: 10, outlinewidth: 0 },
  }], {
    height: 260,
    xaxis: { tickmode: "array", tickvals: [0, 3, 6, 9, 12, 15, 18, 21], ticksuffix: ":00", showgrid: false },
    yaxis: { autorange: "reversed", showgrid: false },
  });
}

/** Mean sentiment per time bin, overall and (when the result has them) per speaker. */
export function sentimentLines(node, overTime) {
  const traces = [];
  const perSpeaker = Array.isArray(overTime.speakers) ? overTime.speakers : [];
  for (const [i, s] of perSpeaker.slice(0, 8).entries()) {
    traces.push({
      type: "scatter",
      mode: "lines+markers",
      name: plotText(s.speaker),
      x: overTime.labels,
      y: s.mean,
      line: { color: PALETTE[i % PALETTE.length], width: 1.5 },
      marker: { size: 4 },
      connectgaps: false,
      hovertemplate: "%{x}: %{y:.2f}<extra>%{fullData.name}</extra>",
    });
  }
  traces.push({
    type: "scatter",
    mode: "lines+markers",
    name: "everyone",
    x: overTime.labels,
    y: overTime.mean,
    line: { color: INK, width: perSpeaker.length ? 2.5 : 2 },
    marker: { size: 5 },
    connectgaps: false,
    hovertemplate: "%{x}: %{y:.2f}<extra>everyone</extra>",
  });
  return draw(node, traces, {
    height: 280,
    showlegend: traces.length > 1,
    legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom" },
    margin: { l: 10, r: 10, t: traces.length > 1 ? 30 : 10, b: 10 },
    xaxis: timeAxis(overTime.unit, overTime.labels.length),
    yaxis: { range: [-1, 1], zeroline: true, zerolinecolor: "#9aa3ad", title: { text: "mean sentiment" } },
  });
}

/** Mean sentiment per speaker, blue above zero and orange below. */
export function sentimentBars(node, speakers) {
  const labels = speakers.map((s) => plotText(s.speaker));
  return draw(node, [{
    type: "bar",
    orientation: "h",
    y: labels,
    x: speakers.map((s) => s.mean),
    marker: { color: speakers.map((s) => (s.mean >= 0 ? PALETTE[0] : PALETTE[5])) },
    hovertemplate: "%{y}: %{x:.2f}<extra></extra>",
  }], {
    height: Math.max(140, 50 + speakers.length * 24),
    xaxis: { range: [-1, 1], zerolinecolor: "#9aa3ad", title: { text: "mean sentiment (−1 to 1)" } },
    yaxis: { autorange: "reversed", type: "category" },
  });
}

/** Who answers whom: rows answer columns. */
export function replyMatrix(node, matrix) {
  const names = matrix.speakers.map(plotText);
  return draw(node, [{
    type: "heatmap",
    z: matrix.counts,
    x: names,
    y: names,
    colorscale: [[0, "#f7f4f9"], [0.2, "#d4b9da"], [0.6, "#c0569e"], [1, "#67001f"]],
    xgap: 2,
    ygap: 2,
    hovertemplate: "%{y} answered %{x} %{z} times<extra></extra>",
    colorbar: { thickness: 10, outlinewidth: 0 },
  }], {
    height: Math.max(240, 90 + names.length * 30),
    xaxis: { title: { text: "answered" }, type: "category", side: "bottom", showgrid: false, tickangle: -30 },
    yaxis: { title: { text: "responder" }, type: "category", autorange: "reversed", showgrid: false },
  });
}

/** Vertical bars: `values` over category `labels` (hours, weekdays, emoji). */
export function columns(node, labels, values, { color = PALETTE[0], name = "messages", height = 220, tickfont, tickvals } = {}) {
  return draw(node, [{
    type: "bar",
    x: labels.map(plotText),
    y: values,
    marker: { color },
    hovertemplate: `%{x}: %{y} ${name}<extra></extra>`,
  }], {
    height,
    bargap: 0.15,
    xaxis: { type: "category", tickfont, tickmode: tickvals ? "array" : undefined, tickvals },
    yaxis: { title: { text: name } },
  });
}

/** Vertical bars of counted items (emoji, domains). */
export function counts(node, items, { color = PALETTE[1], name = "count" } = {}) {
  return columns(node, items.map((i) => i.item), items.map((i) => i.count),
    { color, name, height: 240, tickfont: { size: 18 } });
}
