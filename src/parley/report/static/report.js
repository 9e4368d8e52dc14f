// Draws the report's charts from the analysis result embedded in the page. plotly.js is
// embedded gzipped (base64) to keep the file small, and inflated here, offline.
(function () {
  "use strict";

  function loadPlotly() {
    if (typeof Plotly !== "undefined") return Promise.resolve();
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot inflate the embedded charting library"));
    }
    var b64 = document.getElementById("plotly-js").textContent.trim();
    var bin = atob(b64);
    var bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).text().then(function (js) {
      var script = document.createElement("script");
      script.textContent = js;
      document.head.appendChild(script);
    });
  }

  loadPlotly().then(drawCharts, function (err) {
    var note = document.createElement("p");
    note.className = "note";
    note.textContent = "Charts unavailable: " + err.message + ". The tables are complete.";
    document.querySelector("main").prepend(note);
  });

  function drawCharts() {
    var r = JSON.parse(document.getElementById("parley-result").textContent);
    // plotly reads <b>, <a href> and entities in labels: user text must be escaped for it.
    function esc(s) {
      return String(s == null ? "" : s)
        .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
    }
    var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches;
    var config = { displaylogo: false, responsive: true };
    var accent = "#3b5bdb";
    var scale = dark ? [[0, "#1c1f27"], [1, "#8ea2ff"]] : [[0, "#f3f5ff"], [1, "#2b45b8"]];
    function draw(id, traces, extra) {
      var el = document.getElementById(id);
      if (!el || typeof Plotly === "undefined") return;
      extra = extra || {};
      var grid = dark ? "#2c313c" : "#eceef2";
      // The axes are merged, not replaced: a chart's own axis settings keep the defaults.
      var layout = Object.assign({
        height: 300,
        margin: { l: 60, r: 20, t: 10, b: 50 },
        paper_bgcolor: "rgba(0,0,0,0)",
        plot_bgcolor: "rgba(0,0,0,0)",
        font: { family: "system-ui, sans-serif", size: 12, color: dark ? "#e6e8ee" : "#1d2330" }
      }, extra, {
        xaxis: Object.assign({ gridcolor: grid, automargin: true }, extra.xaxis || {}),
        yaxis: Object.assign({ gridcolor: grid, automargin: true }, extra.yaxis || {})
      });
      Plotly.newPlot(el, traces, layout, config);
    }
    // Names, words and emoji are categories, always: plotly would read a speaker named
    // "+44 7700 900123" (every unsaved WhatsApp contact) or a word like "2024" as a number.
    var CATEGORY = { type: "category" };
    function hide(id) {
      var el = document.getElementById(id);
      var box = el && el.closest("figure");
      if (box) box.hidden = true;
    }
    function hbar(id, labels, values, extra) {
      var n = labels.length;
      extra = extra || {};
      draw(id, [{ type: "bar", orientation: "h", x: values.slice().reverse(),
                  y: labels.map(esc).reverse(), marker: { color: accent } }],
           Object.assign({ height: Math.max(160, 26 * n + 60) }, extra,
                         { yaxis: Object.assign({}, CATEGORY, extra.yaxis || {}) }));
    }
    var speakers = r.participation.speakers;
    hbar("ch-participation", speakers.map(function (s) { return s.speaker; }),
         speakers.map(function (s) { return s.messages; }));

    var a = r.activity;
    if (a.available) {
      var unit = a.byDate.unit;
      draw("ch-dates", [{ type: "bar", x: a.byDate.labels, y: a.byDate.messages,
                          marker: { color: accent } }],
           { xaxis: { type: unit === "year" ? "category" : "date" } });
      var hours = []; for (var h = 0; h < 24; h++) hours.push(h);
      draw("ch-hours", [{ type: "bar", x: hours, y: a.byHour, marker: { color: accent } }],
           { xaxis: { dtick: 3 } });
      // One weekday (a chat of a day) is no comparison: the chart is left out.
      if (a.byWeekday.filter(function (n) { return n > 0; }).length > 1) {
        draw("ch-weekdays", [{ type: "bar", x: a.weekdays, y: a.byWeekday, marker: { color: accent } }],
             { xaxis: CATEGORY });
      } else {
        hide("ch-weekdays");
      }
      draw("ch-heatmap", [{ type: "heatmap", z: a.heatmap, x: hours, y: a.weekdays,
                            colorscale: scale, hoverongaps: false }],
           { height: 280, yaxis: { type: "category", autorange: "reversed" }, xaxis: { dtick: 1 } });
    }

    var m = r.turns.replyMatrix;
    if (m.speakers.length) {
      var names = m.speakers.map(esc);
      draw("ch-replies", [{ type: "heatmap", z: m.counts, x: names, y: names, colorscale: scale,
                            hovertemplate: "%{y} answered %{x}: %{z}<extra></extra>" }],
           { height: Math.max(260, 28 * names.length + 120),
             yaxis: { type: "category", autorange: "reversed" }, xaxis: CATEGORY });
    }

    if (r.timed.available) {
      var talk = r.timed.speakers;
      hbar("ch-talk", talk.map(function (s) { return s.speaker; }),
           talk.map(function (s) { return s.talkSeconds / 60; }), { xaxis: { title: { text: "minutes" } } });
    }

    var sent = r.sentiment;
    if (sent.scoredMessages) {
      hbar("ch-sent-speakers", sent.speakers.map(function (s) { return s.speaker; }),
           sent.speakers.map(function (s) { return s.mean; }), { xaxis: { range: [-1, 1] } });
      var points = sent.overTime ? sent.overTime.mean.filter(function (m) { return m !== null; }).length : 0;
      if (points < 2) hide("ch-sent-time");  // a line needs two points
      if (points >= 2) {
        draw("ch-sent-time", [{ type: "scatter", mode: "lines", x: sent.overTime.labels,
                                y: sent.overTime.mean, line: { color: accent }, connectgaps: false }],
             { xaxis: { type: sent.overTime.unit === "year" ? "category" : "date" },
               yaxis: { range: [-1, 1], zeroline: true } });
      }
    }

    var emoji = r.content.topEmoji;
    if (emoji.length) {
      draw("ch-emoji", [{ type: "bar", x: emoji.map(function (e) { return esc(e.item); }),
                          y: emoji.map(function (e) { return e.count; }), marker: { color: accent } }],
           { xaxis: { type: "category", tickfont: { size: 18 } } });
    }
    var kw = r.keywords.top;
    if (kw.length) {
      hbar("ch-keywords", kw.map(function (k) { return k.word; }), kw.map(function (k) { return k.count; }));
    }
  }
})();
