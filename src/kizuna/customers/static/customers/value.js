// The RFM page's bar chart. No inline script (CSP): the data come from the
// <script type="application/json" id="rfm-chart-data"> block the server renders.
(function () {
  "use strict";

  function draw() {
    var holder = document.getElementById("rfm-chart");
    var source = document.getElementById("rfm-chart-data");
    if (!holder || !source || !window.Plotly) return;
    var data = JSON.parse(source.textContent);
    var traces = [
      { type: "bar", name: data.customers_title, x: data.labels, y: data.customers,
        marker: { color: "#2563eb" } },
      { type: "bar", name: data.share_title, x: data.labels, y: data.revenue_share,
        yaxis: "y2", marker: { color: "#f59e0b" } }
    ];
    var layout = {
      barmode: "group", height: 380, margin: { l: 48, r: 48, t: 16, b: 96 },
      yaxis: { title: { text: data.customers_title }, rangemode: "tozero" },
      yaxis2: { title: { text: data.share_title }, overlaying: "y", side: "right",
                rangemode: "tozero" },
      legend: { orientation: "h" }, font: { size: 13 }
    };
    window.Plotly.react(holder, traces, layout, { displaylogo: false, responsive: true });
    holder.setAttribute("data-drawn", "true");
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
