// The dashboard's charts (web/dashboard.html): drawn with the ECharts served by Redress itself, from the
// figures the page carries (json_script #dashboard-data), never fetched from elsewhere. A click on a bar, a
// slice or a point opens the register of exactly its cases (the figure's `register` link).
(() => {
  const source = document.getElementById("dashboard-data");
  if (!source || typeof echarts === "undefined") return;
  const data = JSON.parse(source.textContent);
  const byName = Object.fromEntries(data.charts.map((chart) => [chart.name, chart]));
  const drawn = [];

  const grid = { left: 8, right: 24, top: 16, bottom: 8, containLabel: true };
  // Drawn in the canvas, not as HTML: the tooltip's HTML carries style attributes, which the CSP refuses.
  const tooltip = { trigger: "item", confine: true, renderMode: "richText" };

  function option(chart) {
    const labels = chart.figures.map((figure) => figure.label);
    const counts = chart.figures.map((figure) => figure.count);
    if (chart.kind === "pie") {
      return {
        animation: false,
        tooltip: { ...tooltip, formatter: "{b}: {c} ({d}%)" },
        series: [
          {
            type: "pie",
            radius: ["35%", "68%"],
            data: chart.figures.map((figure) => ({ name: figure.label, value: figure.count })),
            label: { formatter: "{b}\n{c}" },
          },
        ],
      };
    }
    if (chart.kind === "line") {
      return {
        animation: false,
        grid,
        tooltip: { ...tooltip, trigger: "axis" },
        xAxis: { type: "category", data: labels, boundaryGap: false },
        yAxis: { type: "value", minInterval: 1 },
        series: [{ type: "line", data: counts, symbolSize: 8, areaStyle: { opacity: 0.12 } }],
      };
    }
    // Bars lie down: the classes' names are long.
    return {
      animation: false,
      grid,
      tooltip,
      xAxis: { type: "value", minInterval: 1 },
      yAxis: { type: "category", data: labels, inverse: true, axisLabel: { width: 140, overflow: "truncate", interval: 0 } },
      series: [{ type: "bar", data: counts, label: { show: true, position: "right" }, barMaxWidth: 22 }],
    };
  }

  for (const element of document.querySelectorAll("[data-chart]")) {
    const chart = byName[element.dataset.chart];
    if (!chart || !chart.figures.length) continue;
    // Every bar keeps its name: the chart grows with the number of bars.
    if (chart.kind === "bar") element.style.height = `${Math.max(280, 22 * chart.figures.length + 48)}px`;
    const instance = echarts.init(element, null, { renderer: "canvas" });
    instance.setOption(option(chart));
    instance.on("click", (event) => {
      const figure = chart.figures[event.dataIndex];
      if (figure) window.location.assign(figure.register);
    });
    drawn.push(instance);
  }
  window.addEventListener("resize", () => drawn.forEach((instance) => instance.resize()));
})();
