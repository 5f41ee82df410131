#include "checker/trace_html.hpp"

namespace tlbcheck::checker {

namespace {

// The page around the data. The renderer builds every element from the
// report with createElement and textContent (never innerHTML), so a name in
// the protocol is shown as it is written and cannot add markup.
constexpr const char* kHead = R"html(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>tlbcheck report</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; padding: 1em 1.5em; color: #1d1d1f; background: #fafafa; }
h1 { font-size: 1.3em; margin: 0 0 .2em 0; }
code, .mono, td.cell, #hardware td, #current { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-size: 12.5px; }
#meta { color: #555; margin-bottom: .6em; }
#verdict { font-weight: 600; margin: .4em 0; }
.verdict-violated, .verdict-model-error { color: #b00020; }
.verdict-holds { color: #137333; }
.verdict-incomplete { color: #a15c00; }
#explanation { background: #fff3f3; border-left: 4px solid #b00020; padding: .5em .8em; margin: .4em 0; max-width: 110em; }
#cause { margin: .3em 0 .6em 1.2em; padding: 0; }
#controls { position: sticky; top: 0; background: #fafafa; padding: .5em 0; display: flex; gap: .6em; align-items: center; z-index: 2; border-bottom: 1px solid #ddd; }
#slider { flex: 1; max-width: 60em; }
#position { min-width: 14em; }
#current { background: #fff; border: 1px solid #ccc; padding: .5em .8em; margin: .6em 0; }
#panels { display: flex; gap: 1.5em; align-items: flex-start; }
#lanes-box { position: relative; max-height: 58vh; overflow: auto; border: 1px solid #ddd; }
h2 { font-size: 1.05em; margin: .4em 0; }
table { border-collapse: collapse; background: #fff; }
th, td { border: 1px solid #ddd; padding: 2px 6px; vertical-align: top; text-align: left; }
th { background: #eee; position: sticky; top: 0; z-index: 1; }
#lanes tr.step { cursor: pointer; }
#lanes tr.future td.cell { color: #aaa; }
#lanes tr.current td { background: #fff6c8; }
#lanes tr.current td.cell.acting { outline: 2px solid #e0a800; }
td.num { text-align: right; color: #777; }
td.cell div, #current div { white-space: pre-wrap; }
.sub { padding-left: 2.5em; }
.change { color: #1a4f8f; }
.calls, .ran { color: #777; }
.branch { color: #6a1b9a; }
#hardware td { min-width: 14em; }
#hardware .changed { background: #dff5e1; }
#hardware .empty { color: #aaa; }
#hardware .stale { color: #a00; font-weight: bold; }
a.step-link { color: #0b57d0; }
</style>
</head>
<body>
<noscript>This page draws the report with JavaScript; the report itself is the JSON in the element with id "report".</noscript>
<h1 id="title"></h1>
<div id="meta"></div>
<div id="verdict"></div>
<div id="explanation" hidden></div>
<ol id="cause" hidden></ol>
<div id="controls">
<button id="prev" type="button" title="previous step (left arrow)">&larr; prev</button>
<input id="slider" type="range" min="0" max="0" value="0" aria-label="step">
<button id="next" type="button" title="next step (right arrow)">next &rarr;</button>
<span id="position"></span>
</div>
<div id="current"></div>
<div id="panels">
<section><h2>Steps</h2><div id="lanes-box"><table id="lanes"></table></div></section>
<section><h2>Hardware at this step</h2><table id="hardware"></table></section>
</div>
<script type="application/json" id="report">)html";

constexpr const char* kTail = R"html(</script>
<script>
"use strict";
(function () {
  const report = JSON.parse(document.getElementById("report").textContent);
  const $ = (id) => document.getElementById(id);
  const str = (x) => (typeof x === "string" ? x : x === null || x === undefined ? "" : JSON.stringify(x));
  const arr = (x) => (Array.isArray(x) ? x : []);
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const steps = arr(report.trace);
  const total = steps.length;

  // step numbers in a sentence ("at step 12") become links that move the slider
  function linked(parent, text) {
    const re = /\bstep (\d+)\b/g;
    let last = 0, m;
    while ((m = re.exec(text)) !== null) {
      const n = Number(m[1]);
      if (n > total) continue;
      parent.appendChild(document.createTextNode(text.slice(last, m.index)));
      const a = el("a", "step-link", m[0]);
      a.href = "#step=" + n;
      a.dataset.step = String(n);
      parent.appendChild(a);
      last = m.index + m[0].length;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  // header: protocol, file, options, verdict, explanation and its causes
  $("title").textContent = str(report.protocol) || "tlbcheck report";
  document.title = "tlbcheck: " + (str(report.protocol) || "report");
  const options = report.options && typeof report.options === "object" ? Object.entries(report.options) : [];
  const meta = [str(report.file)];
  if (options.length) meta.push("options: " + options.map(([k, v]) => k + "=" + str(v)).join(", "));
  meta.push(String(Number(report.states) || 0) + " states");
  $("meta").textContent = meta.filter((t) => t).join("  \u00b7  ");
  const verdict = str(report.verdict);
  const v = report.violation && typeof report.violation === "object" ? report.violation : null;
  let line = "verdict: " + verdict;
  if (report.property) line += " (" + str(report.property) + ")";
  if (v && v.meaning) line += " \u2014 " + str(v.meaning);
  if (report.stopped_by) line += " \u2014 " + (typeof report.stopped_by === "object" ? str(report.stopped_by.sentence) : str(report.stopped_by));
  $("verdict").textContent = line;
  $("verdict").className = "verdict-" + verdict.replace(/[^a-z-]/g, "");
  const sentence = v ? str(v.sentence) : str(report.explanation);
  if (sentence) {
    linked($("explanation"), sentence);
    $("explanation").hidden = false;
  }
  if (v) {
    for (const c of arr(v.cause)) {
      const li = el("li");
      linked(li, "step " + (Number(c.step) || 0) + ": " + str(c.text));
      $("cause").appendChild(li);
    }
    $("cause").hidden = $("cause").children.length === 0;
  }

  // swimlanes: one column per CPU (and one for steps of no CPU)
  let lanes = arr(report.cpus).filter((l) => l && typeof l.cpu === "number");
  if (lanes.length === 0) {  // an older report: columns from the steps
    const seen = new Map();
    for (const s of steps) {
      const c = typeof s.cpu === "number" ? s.cpu : -1;
      if (!seen.has(c)) seen.set(c, { cpu: c, tasks: [] });
      if (!seen.get(c).tasks.includes(str(s.task))) seen.get(c).tasks.push(str(s.task));
    }
    lanes = [...seen.values()].sort((a, b) => (a.cpu < 0) - (b.cpu < 0) || a.cpu - b.cpu);
  }
  const column = new Map(lanes.map((l, i) => [l.cpu, i]));
  const head = el("tr");
  head.appendChild(el("th", "", "step"));
  lanes.forEach((l) => {
    const th = el("th", "", l.cpu >= 0 ? "cpu" + l.cpu : "machine");
    const tasks = arr(l.tasks).map(str);
    if (tasks.length) th.appendChild(el("div", "calls", tasks.join(", ")));
    head.appendChild(th);
  });
  $("lanes").appendChild(head);
  const initial = el("tr", "step");
  initial.id = "step-0";
  initial.appendChild(el("td", "num", "0"));
  const init = el("td", "cell", "initial state");
  init.colSpan = Math.max(lanes.length, 1);
  initial.appendChild(init);
  initial.addEventListener("click", () => go(0));
  $("lanes").appendChild(initial);

  function where(s) {
    const file = str(s.file);
    if (s.context === "hardware") return "[hw] ";
    return "[" + (file && file !== str(report.file) ? file + ":" : "") + (Number(s.line) || 0) + "] ";
  }
  function describe(s, cell, multi) {
    const task = multi ? str(s.task) + ": " : "";
    cell.appendChild(el("div", "action", where(s) + task + str(s.action)));
    if (arr(s.calls).length) cell.appendChild(el("div", "sub calls", "in " + arr(s.calls).map(str).join(" > ")));
    if (typeof s.branch === "boolean") cell.appendChild(el("div", "sub branch", "=> " + (s.branch ? "true" : "false")));
    for (const m of arr(s.more)) cell.appendChild(el("div", "sub action", str(m)));
    if (arr(s.also_ran).length) cell.appendChild(el("div", "sub ran", "(ran " + arr(s.also_ran).map(str).join(", ") + " first)"));
    for (const c of arr(s.changes)) cell.appendChild(el("div", "sub change", str(c.slot) + ": " + str(c.from) + " -> " + str(c.to)));
  }
  const rows = [initial];
  steps.forEach((s, i) => {
    const tr = el("tr", "step");
    tr.id = "step-" + (i + 1);
    tr.appendChild(el("td", "num", String(i + 1)));
    const at = column.has(s.cpu) ? column.get(s.cpu) : 0;
    lanes.forEach((l, k) => {
      const td = el("td", k === at ? "cell acting" : "cell");
      if (k === at) describe(s, td, arr(l.tasks).length > 1 || l.cpu < 0);
      tr.appendChild(td);
    });
    if (lanes.length === 0) { const td = el("td", "cell acting"); describe(s, td, true); tr.appendChild(td); }
    tr.addEventListener("click", () => go(i + 1));
    $("lanes").appendChild(tr);
    rows.push(tr);
  });

  // the caches at step n: after the step, or in the initial state (n = 0)
  function hardware(n) {
    const h = n === 0 ? report.initial_hardware : steps[n - 1] && steps[n - 1].hardware;
    return h && typeof h === "object" ? h : {};
  }
  function entries(h, key) { return arr(h[key]).map((e) => str(e && e.slot) + " = " + str(e && e.value) + (e && e.note ? "  \u2190 " + str(e.note) : "")); }
  function showHardware(n) {
    const table = $("hardware");
    table.textContent = "";
    const h = hardware(n), before = n > 0 ? hardware(n - 1) : h;
    const keys = Object.keys(h).sort((a, b) => (a === "shared") - (b === "shared") || a.localeCompare(b, "en", { numeric: true }));
    const tr = el("tr"), body = el("tr");
    for (const key of keys) {
      tr.appendChild(el("th", "", key));
      const td = el("td");
      td.dataset.key = key;
      const old = new Set(entries(before, key));
      const now = entries(h, key);
      for (const e of now) td.appendChild(el("div", (old.has(e) ? "entry" : "entry changed") + (e.includes("\u2190 stale") ? " stale" : ""), e));
      if (now.length === 0) td.appendChild(el("div", "empty", "(empty)"));
      body.appendChild(td);
    }
    if (keys.length === 0) body.appendChild(el("td", "empty", "no hardware state in this report"));
    table.appendChild(tr);
    table.appendChild(body);
  }

  function showCurrent(n) {
    const box = $("current");
    box.textContent = "";
    if (n === 0) {
      box.appendChild(el("div", "action", "step 0: the initial state"));
      return;
    }
    const s = steps[n - 1];
    const cpu = typeof s.cpu === "number" && s.cpu >= 0 ? "cpu" + s.cpu : "machine";
    box.appendChild(el("div", "", "step " + n + " \u00b7 " + cpu + " \u00b7 " + str(s.task) + (s.context ? " (" + str(s.context) + ")" : "")));
    describe(s, box, false);
  }

  let current = -1;
  function go(n) {
    n = Math.max(0, Math.min(total, Math.trunc(Number(n)) || 0));
    current = n;
    $("slider").value = String(n);
    $("position").textContent = n === 0 ? "initial state (step 0 of " + total + ")" : "step " + n + " of " + total;
    rows.forEach((r, i) => {
      r.classList.toggle("current", i === n);
      r.classList.toggle("future", i > n);
    });
    showCurrent(n);
    showHardware(n);
    const box = $("lanes-box"), row = rows[n];  // keep the current row in view, in the middle
    if (row && (row.offsetTop < box.scrollTop || row.offsetTop + row.offsetHeight > box.scrollTop + box.clientHeight)) {
      box.scrollTop = Math.max(0, row.offsetTop - box.clientHeight / 2);
    }
    $("prev").disabled = n === 0;
    $("next").disabled = n === total;
    try { history.replaceState(null, "", "#step=" + n); } catch (e) { /* a file: URL in some browsers */ }
  }

  $("slider").max = String(total);
  $("slider").addEventListener("input", () => go($("slider").value));
  $("prev").addEventListener("click", () => go(current - 1));
  $("next").addEventListener("click", () => go(current + 1));
  document.addEventListener("keydown", (e) => {
    if (e.target === $("slider")) return;  // the slider moves itself
    if (e.key === "ArrowLeft") go(current - 1);
    else if (e.key === "ArrowRight") go(current + 1);
    else if (e.key === "Home") go(0);
    else if (e.key === "End") go(total);
    else return;
    e.preventDefault();
  });
  // #step=N opens at step N; &next=K then presses "next" K times
  function fromHash() {
    const params = new URLSearchParams(location.hash.replace(/^#/, ""));
    const start = params.has("step") ? params.get("step") : total;
    const presses = Math.min(Number(params.get("next")) || 0, total);
    go(start);
    for (let i = 0; i < presses; i++) $("next").click();
  }
  window.addEventListener("hashchange", fromHash);
  fromHash();
})();
</script>
</body>
</html>
)html";

}  // namespace

std::string json_for_script(const nlohmann::json& json) {
  std::string text = json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '<') out += "\\u003c";
    else if (c == '>') out += "\\u003e";
    else if (c == '&') out += "\\u0026";
    else out += c;
  }
  return out;
}

std::string render_html(const nlohmann::json& report) { return std::string(kHead) + json_for_script(report) + kTail; }

}  // namespace tlbcheck::checker
