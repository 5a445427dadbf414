// ncms dashboard: draws each <figure class="dash" data-chart> with Apache
// ECharts (vendored, /static/vendor/echarts) from the table inside it. The
// table is the source of the numbers (cells with data-v) and stays on the
// page, so the figures are readable without JavaScript, in print and by
// screen readers. Columns whose <th> has data-series="bar|line|pie" are
// plotted; the first column names the categories.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  if (!window.echarts) { return; }
  var palette = ["#1f6f8b", "#e07a24", "#4c9a2a", "#9c3d54", "#6b5ca5", "#c4a000", "#2e86ab", "#7f8c8d"];
  var charts = [];
  function fmt(v) { return Number(v).toLocaleString(undefined, { maximumFractionDigits: 2 }); }
  document.querySelectorAll("figure.dash[data-chart]").forEach(function (fig) {
    var table = fig.querySelector("table"), el = fig.querySelector(".chart");
    if (!table || !el) { return; }
    var heads = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr")).filter(function (tr) {
      return tr.querySelector("td[data-v]");
    });
    if (rows.length === 0) { el.remove(); return; }
    var cats = rows.map(function (tr) { return tr.cells[0].textContent.trim(); });
    var type = fig.getAttribute("data-type");
    var series = [];
    heads.forEach(function (th, i) {
      var kind = th.getAttribute("data-series");
      if (!kind) { return; }
      var data = rows.map(function (tr) {
        var c = tr.cells[i], v = c && c.getAttribute("data-v");
        return v === null || v === "" ? null : Number(v);
      });
      if (type === "pie") {
        series.push({ type: "pie", name: th.textContent.trim(), radius: ["35%", "68%"],
          data: cats.map(function (c, k) { return { name: c, value: data[k] }; }),
          label: { formatter: "{b}\n{d}%" } });
      } else {
        series.push({ type: kind === "line" ? "line" : "bar", name: th.textContent.trim(), data: data });
      }
    });
    var opt = { color: palette, tooltip: { trigger: type === "pie" ? "item" : "axis", valueFormatter: fmt },
      legend: { top: 0 }, series: series, animation: false };
    if (type !== "pie") {
      var cat = { type: "category", data: cats, axisLabel: { interval: 0, hideOverlap: true } };
      var val = { type: "value", axisLabel: { formatter: function (v) { return v >= 10000 ? (v / 10000) + "万" : v; } } };
      opt.grid = { left: 8, right: 16, top: 32, bottom: 8, containLabel: true };
      if (type === "barh") { cat.inverse = true; opt.xAxis = val; opt.yAxis = cat; } else { opt.xAxis = cat; opt.yAxis = val; }
    }
    var chart = window.echarts.init(el, null, { renderer: "svg" });
    chart.setOption(opt);
    charts.push(chart);
  });
  window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
});
