// Line charts as inline SVG (no library): one x axis of days, one or more series, a legend, and a
// hover line with a tooltip listing the day's figures (mouse, touch and keyboard: focus the chart,
// then ← → Home End; Escape hides it). Narrow screens get a narrower drawing, so its labels keep a
// readable size once the SVG is scaled to the screen.

const NS = "http://www.w3.org/2000/svg";

function s(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  for (const c of children) el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return el;
}

export function niceTicks(min, max, count = 4) {
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

/** The indexes of the days to label: the first and the last always, at most `most` in all, none
 *  so close to the last that the two would overlap. */
export function labelledDays(n, most) {
  if (n <= 0) return [];
  if (n === 1) return [0];
  const every = Math.max(1, Math.ceil((n - 1) / Math.max(1, most - 1)));
  const picked = [];
  for (let i = 0; i < n - 1; i += every) picked.push(i);
  if (picked.length > 1 && n - 1 - picked[picked.length - 1] < every * 0.6) picked.pop();
  picked.push(n - 1);
  return picked;
}

const narrow = () => typeof matchMedia === "function" && matchMedia("(max-width: 480px)").matches;

/**
 * lineChart({title, days: ["2026-01-01", ...], series: [{name, cls, values: [number|null]}], format})
 * Returns a <figure> with an accessible SVG (role=img, title, per-point <title>s) and a tooltip.
 */
export function lineChart({ title, days, series, format = (v) => String(v), testid }) {
  const small = narrow();
  const width = small ? 360 : 640;
  const height = small ? 240 : 220;
  const pad = { top: 12, right: small ? 10 : 14, bottom: 26, left: small ? 52 : 64 };
  const values = series.flatMap((x) => x.values).filter((v) => v !== null && Number.isFinite(v));
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values));
  const lo = ticks[0];
  const hi = ticks[ticks.length - 1];
  const x = (i) => pad.left + (days.length <= 1 ? 0 : (i * (width - pad.left - pad.right)) / (days.length - 1));
  const y = (v) => pad.top + ((hi - v) * (height - pad.top - pad.bottom)) / (hi - lo || 1);

  const svg = s("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": title, class: "chart", tabindex: 0 });
  svg.append(s("title", {}, `${title} (focus, then use the arrow keys to read each day)`));
  for (const t of ticks) {
    svg.append(s("line", { x1: pad.left, x2: width - pad.right, y1: y(t), y2: y(t), class: t === 0 ? "axis zero" : "grid" }));
    svg.append(s("text", { x: pad.left - 6, y: y(t) + 4, class: "tick", "text-anchor": "end" }, format(t)));
  }
  const labelled = labelledDays(days.length, small ? 3 : 6);
  for (const i of labelled) {
    // the first label starts at its day, the last ends at its day: neither is cut by the frame
    const anchor = days.length > 1 && i === days.length - 1 ? "end" : days.length > 1 && i === 0 ? "start" : "middle";
    svg.append(s("text", { x: x(i), y: height - 8, class: "tick day", "text-anchor": anchor }, days[i].slice(5)));
  }
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

  // The hover line and the tooltip (drawn in the SVG: no inline styles under the page's CSP)
  const hover = s("line", { class: "hover-line", y1: pad.top, y2: height - pad.bottom, x1: 0, x2: 0, visibility: "hidden" });
  const tipBox = s("rect", { class: "tooltip-box", rx: 4, ry: 4 });
  const tipLines = [days.length ? days[0] : "", ...series.map(() => "")].map((_, k) => s("text", { class: k === 0 ? "tooltip-day" : "tooltip-line" }));
  const tip = s("g", { class: "tooltip", "data-testid": "chart-tooltip", visibility: "hidden" }, tipBox, ...tipLines);
  const marks = series.map((line) => s("circle", { r: 4, class: `hover-dot ${line.cls}`, visibility: "hidden" }));
  svg.append(hover, ...marks, tip);
  const live = document.createElement("p");
  live.className = "sr-only";
  live.setAttribute("aria-live", "polite");
  live.dataset.testid = "chart-readout";

  let shown = -1;
  const lineHeight = small ? 16 : 15;
  function show(i) {
    if (i < 0 || i >= days.length) return;
    shown = i;
    const cx = x(i);
    hover.setAttribute("x1", cx);
    hover.setAttribute("x2", cx);
    hover.setAttribute("visibility", "visible");
    const texts = [days[i], ...series.map((line) => `${line.name}: ${line.values[i] === null || line.values[i] === undefined ? "—" : format(line.values[i])}`)];
    texts.forEach((t, k) => (tipLines[k].textContent = t));
    series.forEach((line, k) => {
      const v = line.values[i];
      const ok = v !== null && v !== undefined && Number.isFinite(v);
      marks[k].setAttribute("visibility", ok ? "visible" : "hidden");
      if (ok) {
        marks[k].setAttribute("cx", cx);
        marks[k].setAttribute("cy", y(v));
      }
    });
    const boxWidth = Math.max(...texts.map((t) => t.length)) * (small ? 7.2 : 6.8) + 16;
    const boxHeight = texts.length * lineHeight + 10;
    // beside the line, on the side with room; never outside the drawing
    let left = cx + 10;
    if (left + boxWidth > width - 2) left = cx - 10 - boxWidth;
    left = Math.max(2, left);
    const top = pad.top + 2;
    tipBox.setAttribute("x", left);
    tipBox.setAttribute("y", top);
    tipBox.setAttribute("width", boxWidth);
    tipBox.setAttribute("height", boxHeight);
    tipLines.forEach((t, k) => {
      t.setAttribute("x", left + 8);
      t.setAttribute("y", top + 5 + lineHeight * (k + 1) - 4);
    });
    tip.setAttribute("visibility", "visible");
    tip.dataset.day = days[i];
    live.textContent = texts.join(", ");
  }
  function hide() {
    shown = -1;
    for (const el of [hover, tip, ...marks]) el.setAttribute("visibility", "hidden");
  }
  function nearest(event) {
    const box = svg.getBoundingClientRect();
    if (!box.width || days.length === 0) return -1;
    const at = ((event.clientX - box.left) / box.width) * width;
    if (days.length === 1) return 0;
    const i = Math.round(((at - pad.left) * (days.length - 1)) / (width - pad.left - pad.right));
    return Math.min(days.length - 1, Math.max(0, i));
  }
  svg.addEventListener("pointermove", (event) => show(nearest(event)));
  svg.addEventListener("pointerdown", (event) => show(nearest(event)));
  svg.addEventListener("pointerleave", (event) => {
    if (event.pointerType === "mouse") hide(); // a finger lifted keeps the day on screen
  });
  svg.addEventListener("keydown", (event) => {
    const moves = { ArrowLeft: -1, ArrowRight: 1 };
    if (event.key in moves) show(shown < 0 ? days.length - 1 : Math.min(days.length - 1, Math.max(0, shown + moves[event.key])));
    else if (event.key === "Home") show(0);
    else if (event.key === "End") show(days.length - 1);
    else if (event.key === "Escape") hide();
    else return;
    event.preventDefault();
  });
  svg.addEventListener("focus", () => shown < 0 && show(days.length - 1));
  svg.addEventListener("blur", hide);

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
  figure.append(svg, legend, live);
  return figure;
}
