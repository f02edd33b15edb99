// backcare front end: the progress chart and small form helpers. No inline scripts (CSP).
(function () {
  "use strict";

  function painChart() {
    var canvas = document.getElementById("pain-chart");
    var data = document.getElementById("chart-data");
    if (!canvas || !data || typeof window.Chart === "undefined") return;
    var d = JSON.parse(data.textContent);
    var datasets = [
      { label: "Pain before session", data: d.before, borderColor: "#a4161a", backgroundColor: "#a4161a", spanGaps: true },
      { label: "Pain after session", data: d.after, borderColor: "#0b5cad", backgroundColor: "#0b5cad", spanGaps: true },
      { label: "Check-in", data: d.checkin, borderColor: "#1e6b2f", backgroundColor: "#1e6b2f", showLine: false, pointRadius: 5 },
      { label: "Baseline", data: d.labels.map(function () { return d.baseline; }), borderColor: "#6b7580", borderWidth: 1, pointRadius: 0 }
    ];
    if (d.latest_index !== null) {
      // The value progress compares with the baseline: ringed, in its own legend entry.
      var series = d.latest_kind === "checkin" ? d.checkin : d.before;
      datasets.push({ label: "Latest (compared with the baseline)",
        data: d.labels.map(function (_, i) { return i === d.latest_index ? series[i] : null; }),
        borderColor: "#111", backgroundColor: "rgba(0,0,0,0)", showLine: false, pointRadius: 9, pointBorderWidth: 3 });
      canvas.dataset.latest = String(d.latest_index);
    }
    if (d.threshold !== null) {
      datasets.push({ label: "Meaningful improvement", data: d.labels.map(function () { return d.threshold; }),
        borderColor: "#7a4b00", borderDash: [6, 4], borderWidth: 2, pointRadius: 0 });
    }
    canvas.dataset.points = String(d.labels.length);
    new window.Chart(canvas, {
      type: "line",
      data: { labels: d.labels, datasets: datasets },
      options: { animation: false, responsive: true, scales: { y: { min: 0, max: 10, title: { display: true, text: "Pain (0-10)" } } } }
    });
    canvas.dataset.ready = "true";
    disabilityChart(d.disability);
  }

  function disabilityChart(rows) {
    var figure = document.getElementById("disability-figure");
    var canvas = document.getElementById("disability-chart");
    if (!figure || !canvas || !rows || rows.length === 0) return;
    figure.hidden = false;
    function series(key) { return rows.map(function (r) { return r[key]; }); }
    new window.Chart(canvas, {
      type: "line",
      data: {
        labels: rows.map(function (r) { return r.day; }),
        datasets: [
          { label: "Roland-Morris (0-24)", data: series("rmdq"), borderColor: "#a4161a", spanGaps: true },
          { label: "Oswestry (%)", data: series("odi"), borderColor: "#0b5cad", spanGaps: true },
          { label: "PEG (0-10)", data: series("peg"), borderColor: "#1e6b2f", spanGaps: true }
        ]
      },
      options: { animation: false, responsive: true, scales: { y: { min: 0 } } }
    });
    canvas.dataset.ready = "true";
  }

  // Questions that matter only after another answer (e.g. pregnancy weeks) show only then:
  // `data-show-when` names the box that opens them, `data-show-when-any` a selector of boxes
  // any of which does. Without JavaScript every question is shown.
  function dependentQuestions() {
    document.querySelectorAll("[data-show-when], [data-show-when-any]").forEach(function (block) {
      var triggers = block.dataset.showWhenAny
        ? Array.prototype.slice.call(document.querySelectorAll(block.dataset.showWhenAny))
        : [document.getElementById(block.dataset.showWhen)].filter(Boolean);
      if (!triggers.length) return;
      // A question with an error, or already answered, stays visible (never hide an answer).
      function update() {
        var input = block.querySelector("input");
        var answered = input && input.type !== "checkbox" && input.value !== "";
        var open = triggers.some(function (t) { return t.checked; });
        block.hidden = !open && !answered && !block.querySelector("input:checked") && !block.querySelector(".error");
      }
      triggers.forEach(function (t) { t.addEventListener("change", update); });
      update();
    });
  }

  function printButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    // What an answer page folds (<details>) is printed open: a printed answer is complete.
    window.addEventListener("beforeprint", function () {
      document.querySelectorAll("main details:not([open])").forEach(function (d) { d.open = true; });
    });
  }

  // Nothing of a record stays in the browser (shared clinic computers): htmx's history is
  // off (base.html), and what htmx wrote before that, or writes on loading a page (the
  // page's address, which may hold a search for a name), is removed.
  function forgetHtmxHistory() {
    ["htmx-history-cache", "htmx-current-path-for-history"].forEach(function (key) {
      try { window.sessionStorage.removeItem(key); window.localStorage.removeItem(key); } catch (e) { /* storage off */ }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    forgetHtmxHistory(); painChart(); dependentQuestions(); printButtons();
  });
  document.addEventListener("htmx:afterSettle", forgetHtmxHistory);
})();
