// Every live explorer of the book, by the name natgrad_lib.live sends as "kind".
import ellipse from "./ellipse.js";
import klball from "./klball.js";

export const explorers = { kl_ball: klball, kl_ellipse: ellipse };

// anywidget's contract: one render({model, el}) for every kind.
export function render({ model, el }) {
  const kind = model.get("kind");
  const ex = explorers[kind];
  if (!ex) throw new Error(`unknown explorer kind ${JSON.stringify(kind)}`);
  return ex.render({ model, el });
}
