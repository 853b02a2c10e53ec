/* Draw each dashboard chart with ECharts (served by the project) from the numbers printed beside it. */
(function () {
  "use strict";
  if (!window.echarts) { return; }
  var palette = ["#c62828", "#1565c0", "#2e7d32", "#b26a00", "#6a1b9a", "#00838f"];
  document.querySelectorAll("[data-chart]").forEach(function (node) {
    var spec = JSON.parse(node.getAttribute("data-chart"));
    var labels = spec.rows.map(function (row) {
      return spec.x.map(function (i) { return row[i]; }).join(" · ");
    });
    var option;
    if (spec.kind === "pie") {
      option = {
        tooltip: { trigger: "item" },
        series: [{ type: "pie", radius: ["35%", "70%"], data: spec.rows.map(function (row, i) {
          return { name: labels[i], value: row[spec.y[0]] };
        }) }]
      };
    } else {
      option = {
        tooltip: { trigger: "axis" },
        legend: { top: 0 },
        grid: { left: 48, right: 16, top: 32, bottom: 56 },
        xAxis: { type: "category", data: labels, axisLabel: { rotate: labels.length > 8 ? 40 : 0 } },
        yAxis: { type: "value" },
        series: spec.y.map(function (i) {
          return { name: spec.headers[i], type: spec.kind === "line" ? "line" : "bar",
                   data: spec.rows.map(function (row) { return row[i]; }) };
        })
      };
    }
    option.color = palette;
    option.animation = false;
    var chart = echarts.init(node, null, { renderer: "canvas" });
    chart.setOption(option);
    node.setAttribute("data-drawn", "1");
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
