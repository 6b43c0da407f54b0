// Line charts as inline SVG (no library): one x axis of days, one or more series, a legend.

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

function niceTicks(min, max, count = 4) {
  if (min === max) {
    max = min + 1;
  }
  const span = max - min;
  const step0 = span / count;
  const mag = 10 ** Math.floor(Math.log10(step0));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((x) => x >= step0) || step0;
  const lo = Math.floor(min / step) * step;
  const hi = Math.ceil(max / step) * step;
  const ticks = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

/**
 * lineChart({title, days: ["2026-01-01", ...], series: [{name, cls, values: [number|null]}], format})
 * Returns a <figure> with an accessible SVG (role=img, title, per-point <title>s).
 */
export function lineChart({ title, days, series, format = (v) => String(v), testid }) {
  const width = 640;
  const height = 220;
  const pad = { top: 12, right: 12, bottom: 26, left: 64 };
  const values = series.flatMap((x) => x.values).filter((v) => v !== null && Number.isFinite(v));
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const x = (i) => pad.left + (days.length <= 1 ? 0 : (i * (width - pad.left - pad.right)) / (days.length - 1));
  const y = (v) => pad.top + ((hi - v) * (height - pad.top - pad.bottom)) / (hi - lo || 1);

  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart" });
  svg.append(s("title", {}, title));
  for (const t of ticks) {
    svg.append(s("line", { x1: pad.left, x2: width - pad.right, y1: y(t), y2: y(t), class: t === 0 ? "axis zero" : "grid" }));
    svg.append(s("text", { x: pad.left - 6, y: y(t) + 4, class: "tick", "text-anchor": "end" }, format(t)));
  }
  const labelEvery = Math.max(1, Math.ceil(days.length / 6));
  days.forEach((d, i) => {
    if (i % labelEvery === 0 || i === days.length - 1) {
      svg.append(s("text", { x: x(i), y: height - 8, class: "tick", "text-anchor": "middle" }, d.slice(5)));
    }
  });
  for (const line of series) {
    const points = line.values.map((v, i) => (v === null || !Number.isFinite(v) ? null : [x(i), y(v)]));
    let d = "";
    let pen = false;
    for (const p of points) {
      if (!p) {
        pen = false;
        continue;
      }
      d += `${pen ? "L" : "M"}${p[0].toFixed(1)},${p[1].toFixed(1)}`;
      pen = true;
    }
    svg.append(s("path", { d, class: `series ${line.cls}`, fill: "none" }));
    points.forEach((p, i) => {
      if (p) {
        svg.append(
          s("circle", { cx: p[0], cy: p[1], r: 2.5, class: `dot ${line.cls}` }, s("title", {}, `${days[i]} ${line.name}: ${format(line.values[i])}`)),
        );
      }
    });
  }
  const legend = document.createElement("figcaption");
  legend.className = "legend";
  legend.append(title + ": ");
  for (const line of series) {
    const key = document.createElement("span");
    key.className = `key ${line.cls}`;
    key.textContent = line.name;
    legend.append(key);
  }
  const figure = document.createElement("figure");
  figure.className = "chart-figure";
  if (testid) figure.dataset.testid = testid;
  figure.append(svg, legend);
  return figure;
}
