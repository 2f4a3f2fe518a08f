// The parts every explorer is made of: labelled keyboard-operable controls, a reset button,
// a live read-out, and SVG panels (crisp at any device pixel ratio) drawn with d3.
import { scaleLinear, scaleLog } from "d3-scale";
import { line as d3line } from "d3-shape";
import { select } from "d3-selection";
import { INK, PALETTE, PAPER } from "../build/formulas.js";

export { PALETTE, INK, PAPER };

let uid = 0;
const nextId = (stem) => `natgrad-${stem}-${++uid}`;

// %g with 6 significant digits, as Python's f"{x:g}" prints it.
export function fmtG(x, digits = 6) {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  if (x === 0) return "0";
  const exp = Math.floor(Math.log10(Math.abs(Number(x.toPrecision(digits)))));
  if (exp < -4 || exp >= digits) {
    const [m, e] = x.toExponential(digits - 1).split("e");
    const mant = m.includes(".") ? m.replace(/0+$/, "").replace(/\.$/, "") : m;
    const n = Number(e);
    return `${mant}e${n < 0 ? "-" : "+"}${String(Math.abs(n)).padStart(2, "0")}`;
  }
  const s = x.toFixed(Math.max(0, digits - 1 - exp));
  return s.includes(".") ? s.replace(/0+$/, "").replace(/\.$/, "") : s;
}

// Keyboard operation inside a notebook. JupyterLab (Lumino's CommandRegistry) reads key presses
// at the document, after the focused element, and in a notebook's command mode binds the
// arrow keys, Enter and letters to the notebook (ArrowRight: the next heading, ArrowDown: the
// next cell); it cancels every key it uses, so a focused range input or select would never
// move. A text field is spared because it matches ":read-write"; a range input, a select and a
// button do not. So each control keeps the keys it is operated by: they stop at the control
// (not cancelled: the browser still does what the key means), as ipywidgets' text boxes do.
// Every other key, and every key with Ctrl, Alt or Meta (Ctrl+S), still reaches the notebook.
// (JupyterLab's data-lm-suppress-shortcuts attribute would withhold all of them.)
const MOVE_KEYS = (key) => ["ArrowLeft", "ArrowRight", "ArrowUp", "ArrowDown", "Home", "End", "PageUp", "PageDown"].includes(key);
const OPEN_KEYS = (key) => key === "Enter" || key === " ";
function keepKeys(control, isOwn) {
  control.addEventListener("keydown", (ev) => {
    if (!ev.ctrlKey && !ev.altKey && !ev.metaKey && isOwn(ev.key)) ev.stopPropagation();
  });
}

export function frame(el, title) {
  el.classList.add("natgrad-live-explorer");
  el.replaceChildren();
  const root = document.createElement("figure");
  root.className = "natgrad-live-figure";
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", title);
  const controls = document.createElement("div");
  controls.className = "natgrad-live-controls";
  const panels = document.createElement("div");
  panels.className = "natgrad-live-panels";
  const readout = document.createElement("p");
  readout.className = "natgrad-live-readout";
  readout.setAttribute("role", "status");
  readout.setAttribute("aria-live", "polite");
  const hover = document.createElement("p");
  hover.className = "natgrad-live-hover";
  hover.textContent = "Point at a panel to read its coordinates.";
  root.append(controls, panels, readout, hover);
  el.append(root);
  return { root, controls, panels, readout, hover };
}

// A slider over a list of values (the index moves; the label shows the value).
export function slider(parent, { name, label, values, labels, value, onInput }) {
  const id = nextId(name);
  const wrap = document.createElement("div");
  wrap.className = "natgrad-live-control";
  const lab = document.createElement("label");
  lab.htmlFor = id;
  lab.textContent = label;
  const input = document.createElement("input");
  Object.assign(input, { type: "range", id, min: 0, max: values.length - 1, step: 1 });
  input.name = name;
  const out = document.createElement("output");
  out.htmlFor = id;
  const show = (i) => {
    input.value = String(i);
    out.textContent = labels[i];
    input.setAttribute("aria-valuetext", `${label} ${labels[i]}`);
  };
  show(Math.max(0, values.indexOf(value)));
  input.addEventListener("input", () => { show(Number(input.value)); onInput(values[Number(input.value)]); });
  keepKeys(input, MOVE_KEYS);
  wrap.append(lab, input, out);
  parent.append(wrap);
  return { set: (v) => show(Math.max(0, values.indexOf(v))), input };
}

export function dropdown(parent, { name, label, values, labels, value, onInput }) {
  const id = nextId(name);
  const wrap = document.createElement("div");
  wrap.className = "natgrad-live-control";
  const lab = document.createElement("label");
  lab.htmlFor = id;
  lab.textContent = label;
  const sel = document.createElement("select");
  sel.id = id;
  sel.name = name;
  values.forEach((v, i) => {
    const opt = document.createElement("option");
    opt.value = String(i);
    opt.textContent = labels[i];
    sel.append(opt);
  });
  const show = (v) => { sel.value = String(Math.max(0, values.indexOf(v))); };
  show(value);
  sel.addEventListener("change", () => onInput(values[Number(sel.value)]));
  keepKeys(sel, (key) => MOVE_KEYS(key) || OPEN_KEYS(key) || key.length === 1);   // (type-ahead)
  wrap.append(lab, sel);
  parent.append(wrap);
  return { set: show, input: sel };
}

export function resetButton(parent, onReset) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = "natgrad-live-reset";
  b.textContent = "Reset";
  b.addEventListener("click", onReset);
  keepKeys(b, OPEN_KEYS);
  parent.append(b);
  return b;
}

const W = 320;
const H = 240;
const M = { left: 52, right: 10, top: 24, bottom: 40 };

// One SVG panel with a viewBox (vector: crisp at every device pixel ratio).
export function panel(parent, { label, xlog = false, ylog = false }) {
  const box = document.createElement("div");
  box.className = "natgrad-live-panel";
  parent.append(box);
  const svg = select(box).append("svg")
    .attr("viewBox", `0 0 ${W} ${H}`).attr("role", "img").attr("aria-label", label)
    .attr("preserveAspectRatio", "xMidYMid meet");
  svg.append("rect").attr("class", "natgrad-live-card").attr("width", W).attr("height", H).attr("fill", PAPER);
  const clipId = nextId("clip");
  svg.append("clipPath").attr("id", clipId).append("rect")
    .attr("x", M.left).attr("y", M.top).attr("width", W - M.left - M.right).attr("height", H - M.top - M.bottom);
  const shade = svg.append("g").attr("clip-path", `url(#${clipId})`);
  const axes = svg.append("g").attr("class", "natgrad-live-axes").attr("fill", INK).attr("font-size", 11);
  const data = svg.append("g").attr("clip-path", `url(#${clipId})`);
  const over = svg.append("g");
  const title = svg.append("text").attr("x", (M.left + W - M.right) / 2).attr("y", 15)
    .attr("text-anchor", "middle").attr("font-size", 12).attr("fill", INK);
  const x = (xlog ? scaleLog() : scaleLinear()).range([M.left, W - M.right]);
  const y = (ylog ? scaleLog() : scaleLinear()).range([H - M.bottom, M.top]);
  const lines = new Map();
  const p = {
    svg, x, y, box, shade, data, over,
    setTitle(t) { title.text(t); },
    setDomain(xd, yd, xlabel, ylabel) {
      x.domain(xd);
      y.domain(yd);
      axes.selectAll("*").remove();
      axes.append("rect").attr("x", M.left).attr("y", M.top).attr("width", W - M.left - M.right)
        .attr("height", H - M.top - M.bottom).attr("fill", "none").attr("stroke", INK).attr("stroke-width", 0.8);
      const xt = xlog ? x.ticks().filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9) : x.ticks(4);
      for (const t of xt) {
        axes.append("line").attr("x1", x(t)).attr("x2", x(t)).attr("y1", H - M.bottom).attr("y2", H - M.bottom + 4).attr("stroke", INK);
        axes.append("text").attr("x", x(t)).attr("y", H - M.bottom + 15).attr("text-anchor", "middle").text(fmtG(t, 4));
      }
      const yt = ylog ? y.ticks().filter((t) => Math.abs(Math.log10(t) - Math.round(Math.log10(t))) < 1e-9).filter((_, i, a) => i % Math.ceil(a.length / 4) === 0) : y.ticks(5);
      for (const t of yt) {
        axes.append("line").attr("x1", M.left - 4).attr("x2", M.left).attr("y1", y(t)).attr("y2", y(t)).attr("stroke", INK);
        axes.append("text").attr("x", M.left - 6).attr("y", y(t) + 4).attr("text-anchor", "end").text(ylog ? t.toExponential(0).replace("e", "e") : fmtG(t, 4));
      }
      axes.append("text").attr("x", (M.left + W - M.right) / 2).attr("y", H - 6).attr("text-anchor", "middle").text(xlabel);
      axes.append("text").attr("transform", `translate(12,${(M.top + H - M.bottom) / 2}) rotate(-90)`)
        .attr("text-anchor", "middle").text(ylabel);
    },
    // a polyline through [x, y] points; non-finite points break it
    line(key, pts, style) {
      if (!lines.has(key)) {
        const path = data.append("path").attr("fill", "none").attr("class", `natgrad-live-${key}`);
        for (const [k, v] of Object.entries(style)) path.attr(k, v);
        lines.set(key, path);
      }
      const gen = d3line().defined((d) => Number.isFinite(d[0]) && Number.isFinite(d[1])).x((d) => x(d[0])).y((d) => y(d[1]));
      lines.get(key).attr("d", gen(pts));
      return lines.get(key);
    },
    dot(key, pt, r = 3) {
      if (!lines.has(key)) lines.set(key, data.append("circle").attr("fill", INK).attr("class", `natgrad-live-${key}`));
      lines.get(key).attr("cx", x(pt[0])).attr("cy", y(pt[1])).attr("r", r);
    },
    // grey where the parameters leave the domain (no distribution there)
    outside(rects) {
      shade.selectAll("*").remove();
      for (const [[x0, x1], [y0, y1]] of rects) {
        const [a, b] = [x(Math.max(x0, x.domain()[0] - 1e9)), x(Math.min(x1, x.domain()[1] + 1e9))];
        const [c, d] = [y(Math.min(y1, y.domain()[1] + 1e9)), y(Math.max(y0, y.domain()[0] - 1e9))];
        shade.append("rect").attr("x", Math.min(a, b)).attr("y", Math.min(c, d))
          .attr("width", Math.abs(b - a)).attr("height", Math.abs(d - c)).attr("fill", "#d9d9d9");
      }
    },
    // pointer read-out: fn(dataX, dataY) -> text, or null outside the axes
    onHover(fn, target) {
      const svgEl = svg.node();
      const show = (ev) => {
        const pt = svgEl.createSVGPoint();
        pt.x = ev.clientX; pt.y = ev.clientY;
        const loc = pt.matrixTransform(svgEl.getScreenCTM().inverse());
        if (loc.x < M.left || loc.x > W - M.right || loc.y < M.top || loc.y > H - M.bottom) return;
        target.textContent = fn(x.invert(loc.x), y.invert(loc.y));
      };
      svgEl.addEventListener("pointermove", show);
      svgEl.addEventListener("pointerdown", show);
    },
  };
  return p;
}

// Grey rectangles for the part of a chart's box outside the family's open domain.
export function outsideRects(fam) {
  const big = 1e12;
  const r = [];
  if (fam.lower[0] > -Infinity) r.push([[-big, fam.lower[0]], [-big, big]]);
  if (fam.upper[0] < Infinity) r.push([[fam.upper[0], big], [-big, big]]);
  if (fam.lower[1] > -Infinity) r.push([[-big, big], [-big, fam.lower[1]]]);
  if (fam.upper[1] < Infinity) r.push([[-big, big], [fam.upper[1], big]]);
  return r;
}
