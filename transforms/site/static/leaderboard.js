// The state-of-the-art-over-time chart of a leaderboard page, drawn by Chart.js (vendored).
// Every result is a point at its paper's date; the step line is the best value so far. Names
// are data: Chart.js draws them on the canvas as text, never as HTML.
(function () {
  var source = document.getElementById("sota-data");
  var canvas = document.getElementById("sota-chart");
  if (!source || !canvas || typeof Chart === "undefined") return;
  var data = JSON.parse(source.textContent);
  var day = function (ms) { return new Date(ms).toISOString().slice(0, 10); };
  var datasets = [{
    type: "scatter",
    label: "Results",
    data: data.points,
    pointRadius: 4,
    pointHoverRadius: 6,
    backgroundColor: "rgba(33, 102, 172, 0.55)",
    borderColor: "rgba(33, 102, 172, 0.9)",
    order: 2
  }];
  if (data.sota.length) {
    datasets.push({
      type: "line",
      label: "State of the art",
      data: data.sota,
      stepped: "before",
      borderColor: "rgb(214, 96, 77)",
      backgroundColor: "rgb(214, 96, 77)",
      borderWidth: 2,
      pointRadius: 0,
      fill: false,
      order: 1
    });
  }
  new Chart(canvas, {
    data: { datasets: datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      parsing: { xAxisKey: "x", yAxisKey: "y" },
      scales: {
        x: { type: "linear", title: { display: true, text: "Paper date" },
             ticks: { callback: function (v) { return day(v); }, maxTicksLimit: 8 } },
        y: { title: { display: true, text: document.getElementById("direction") ? "Value" : "" } }
      },
      plugins: {
        legend: { position: "bottom" },
        tooltip: {
          callbacks: {
            label: function (ctx) {
              var p = ctx.raw;
              return (p.model || "") + ": " + p.y + " (" + p.date + ")";
            }
          }
        }
      }
    }
  });
})();
