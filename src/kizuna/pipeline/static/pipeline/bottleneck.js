// The bottleneck page's trend charts. No inline script (CSP): the data come from the
// <script type="application/json" id="bottleneck-data"> block the server renders.
(function () {
  "use strict";

  function lines(names, series, highlight, percent) {
    return names.map(function (name, i) {
      return {
        type: "scatter", mode: "lines+markers", name: name,
        x: null, y: series[i].map(function (v) { return v === null ? null : (percent ? v * 100 : v); }),
        line: { width: i === highlight ? 4 : 1.5 }
      };
    });
  }

  function plot(id, title, traces, periods, judged, ySuffix) {
    var holder = document.getElementById(id);
    if (!holder) return;
    traces.forEach(function (t) { t.x = periods; });
    var first = periods[Math.max(periods.length - judged, 0)];
    var layout = {
      title: { text: title, font: { size: 14 } },
      margin: { l: 48, r: 8, t: 36, b: 48 }, height: 300, font: { size: 12 },
      legend: { orientation: "h", y: -0.25 },
      yaxis: { ticksuffix: ySuffix || "", rangemode: "tozero" },
      shapes: [{ type: "rect", xref: "x", yref: "paper", x0: first, x1: periods[periods.length - 1],
                 y0: 0, y1: 1, fillcolor: "rgba(230, 126, 34, 0.08)", line: { width: 0 } }]
    };
    window.Plotly.react(holder, traces, layout, { displaylogo: false, responsive: true });
    holder.setAttribute("data-drawn", "true");
  }

  function draw() {
    var source = document.getElementById("bottleneck-data");
    if (!source || !window.Plotly) return;
    var d = JSON.parse(source.textContent);
    var s = d.series, hi = d.bottleneck === null ? -1 : d.bottleneck;
    plot("bottleneck-balance", d.titles.balance, lines(d.stages, s.balance, hi, false), d.periods, d.window);
    var focus = hi >= 0 ? hi : 0;
    plot("bottleneck-flow", d.titles.flow + (d.stages.length ? " (" + d.stages[focus] + ")" : ""), [
      { type: "bar", name: d.titles.inflow, y: s.inflow[focus] || [] },
      { type: "bar", name: d.titles.outflow, y: s.outflow[focus] || [] }
    ], d.periods, d.window);
    plot("bottleneck-conversion", d.titles.conversion, lines(d.stages, s.conversion, hi, true), d.periods, d.window, "%");
    plot("bottleneck-days", d.titles.median_days, lines(d.stages, s.median_days, hi, false), d.periods, d.window);
  }

  document.addEventListener("DOMContentLoaded", draw);
})();
