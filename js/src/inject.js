// The explorers' stylesheet, added once to the document (esbuild bundles style.css as text,
// so one file serves the static page and anywidget alike).
import css from "./style.css";

export function injectStyle(doc = document) {
  if (doc.getElementById("natgrad-live-style")) return;
  const s = doc.createElement("style");
  s.id = "natgrad-live-style";
  s.textContent = css;
  doc.head.append(s);
}
