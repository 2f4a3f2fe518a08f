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
  return ex.render({ model, el });
}
