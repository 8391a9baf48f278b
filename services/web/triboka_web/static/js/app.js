// Behaviour that templates request through data- attributes (the CSP forbids inline scripts and styles).
"use strict";

function applyWidths() {
  document.querySelectorAll("[data-width]").forEach((el) => {
    el.style.width = `${Math.min(100, Math.max(0, Number(el.dataset.width) || 0))}%`;
  });
}

function confirmBeforeSubmit() {
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  });
}

const PALETTE = ["#5b3a29", "#2f7d4f", "#d4a017", "#8c5e3c", "#4b8bbe", "#c0504d", "#7f6a93", "#9bbb59"];

function drawCharts() {
  if (typeof window.Chart === "undefined") return;
  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const source = document.getElementById(canvas.dataset.chart);
    if (!source) return;
    const spec = JSON.parse(source.textContent);
    const round = spec.type === "doughnut";
    const datasets = spec.datasets.map((set, i) => ({
      ...set,
      backgroundColor: round ? PALETTE : PALETTE[i % PALETTE.length],
      borderColor: round ? "#fff" : PALETTE[i % PALETTE.length],
      borderWidth: round ? 2 : 1,
      tension: 0.25,
    }));
    const scales = round ? {} : {
      x: { stacked: spec.stacked },
      y: { stacked: spec.stacked, beginAtZero: true, title: { display: Boolean(spec.unit), text: spec.unit } },
    };
    new window.Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { display: round || datasets.length > 1, position: "bottom" } },
        scales,
      },
    });
    canvas.dataset.rendered = "true";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  applyWidths();
  confirmBeforeSubmit();
  drawCharts();
});
