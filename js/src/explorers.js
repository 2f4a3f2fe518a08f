// Every live explorer of the book, by the name natgrad_lib.live sends as "kind".
import curvature from "./curvature.js";
import ellipse from "./ellipse.js";
import glmpath from "./glmpath.js";
import cloud from "./cloud.js";
import klball from "./klball.js";
import optimizer from "./optimizer.js";
import scorehist from "./scorehist.js";

export const explorers = { kl_ball: klball, kl_ellipse: ellipse, score_histogram: scorehist, score_cloud: cloud, curvature, glm_paths: glmpath, optimizer };

// anywidget's contract: one render({model, el}) for every kind.
export function render({ model, el }) {
  const kind = model.get("kind");
  const ex = explorers[kind];
  if (!ex) throw new Error(`unknown explorer kind ${JSON.stringify(kind)}`);
  // Every finished draw (each explorer's "natgrad:drawn" event) is counted on the element, with
  // its time in the page (performance.now()): tests and benchmarks wait for the count to grow.
  let draws = 0;
  const mark = (ev) => {
    if (ev.target !== el) return;
    el.dataset.natgradDrawnMs = String(performance.now());
    el.dataset.natgradDraws = String(++draws);
  };
  el.addEventListener("natgrad:drawn", mark);
  const cleanup = ex.render({ model, el });
  return () => {
    el.removeEventListener("natgrad:drawn", mark);
    if (typeof cleanup === "function") cleanup();
  };
}
