// The pipeline page's Sankey (THE MODEL). No inline script (CSP): the data come from the
// <script type="application/json" id="funnel-sankey-data"> block the server renders.
(function () {
  "use strict";

  function draw() {
    var holder = document.getElementById("funnel-sankey");
    var source = document.getElementById("funnel-sankey-data");
    if (!holder || !source || !window.Plotly) return;
    var data = JSON.parse(source.textContent);
    var trace = {
      type: "sankey",
      arrangement: "snap",
      node: { label: data.nodes, color: data.node_colors, pad: 18, thickness: 16 },
      link: {
        source: data.sources, target: data.targets, value: data.values,
        color: data.link_colors, customdata: data.link_labels,
        hovertemplate: "%{customdata}: %{value}<extra></extra>"
      }
    };
    var layout = { margin: { l: 8, r: 8, t: 8, b: 8 }, height: 420, font: { size: 13 } };
    window.Plotly.react(holder, [trace], layout, { displaylogo: false, responsive: true });
    holder.setAttribute("data-drawn", "true");
  }

  document.addEventListener("DOMContentLoaded", draw);
  document.addEventListener("htmx:afterSettle", draw);
})();
