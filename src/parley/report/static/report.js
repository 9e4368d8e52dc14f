// The report's start: inflate the embedded plotly.js, then draw the dashboard — the same
// modules the page draws it with — from the result embedded beside this script.

import { byline, renderDashboard } from "./dashboard.js";
import { $, fileStem, fill, h, saveBlob } from "./dom.js";

/** plotly.js is embedded gzipped and base64-encoded (2 MB instead of 4.8 MB). */
async function loadPlotly() {
  if (window.Plotly) return;
  if (typeof DecompressionStream === "undefined") {
    throw new Error("this browser cannot inflate the embedded charting library");
  }
  const binary = atob($("plotly-js").textContent.trim());
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  const script = document.createElement("script");
  script.textContent = await new Response(stream).text();
  document.head.append(script);
}

/** The report's own downloads: the result, and the CSVs embedded beside it. */
function offerDownloads(result) {
  const stem = fileStem(result.title || "report");
  const csv = (id) => new Blob([Uint8Array.from(atob($(id).textContent.trim()), (c) => c.charCodeAt(0))], { type: "text/csv" });
  $("dl-json").addEventListener("click", () => saveBlob(new Blob([JSON.stringify(result, null, 2)], { type: "application/json" }), `${stem}.json`));
  $("dl-people-csv").addEventListener("click", () => saveBlob(csv("csv-people"), `${stem}-people.csv`));
  $("dl-activity-csv").addEventListener("click", () => saveBlob(csv("csv-activity"), `${stem}-activity.csv`));
  document.querySelector(".report-downloads").hidden = false;
}

async function start() {
  const result = JSON.parse($("parley-result").textContent);
  offerDownloads(result);
  $("report-sub").textContent = `${byline(result)} · analysed by parley · result schema v${result.schemaVersion}`;
  try {
    await loadPlotly();
  } catch (error) {
    fill($("report-note"), `Charts unavailable: ${error.message}. The figures and tables are all here.`);
    $("report-note").hidden = false;
  }
  await renderDashboard($("dashboard"), result);
  document.body.dataset.rendered = "true"; // every chart has been drawn (tests wait for it)
}

start().catch((error) => {
  document.body.prepend(h("p", { class: "note", role: "alert", text: `The report could not be drawn: ${error.message}` }));
});
