// The static page's entry: every <div class="natgrad-live"> written by natgrad_lib.live holds
// its configuration as JSON; the same render({model, el}) as in a kernel draws it, over a
// model that keeps the state in the page. If an explorer fails, its static fallback (the
// frame player kept in <noscript>) takes its place and the rest of the page works on.
import { injectStyle } from "./inject.js";
import { render } from "./explorers.js";
import { staticModel } from "./model.js";

function fallBack(host, err) {
  console.warn("natgrad explorer failed; showing its static fallback:", err);
  const ns = host.querySelector("noscript");
  const html = ns ? ns.textContent : "";
  const view = host.querySelector(".natgrad-live-view");
  // createContextualFragment keeps the player's scripts runnable
  view.replaceChildren(document.createRange().createContextualFragment(html));
  host.dataset.state = "fallback";
}

export function mount(host) {
  injectStyle();
  if (host.dataset.state) return;
  const view = host.querySelector(".natgrad-live-view");
  try {
    const state = JSON.parse(host.querySelector('script[type="application/json"]').textContent);
    render({ model: staticModel(state), el: view });
    host.dataset.state = "live";
    host.dataset.mountedMs = String(Math.round(performance.now()));   // benchmarks/bench_live.py
  } catch (err) {
    fallBack(host, err);
  }
}

export function mountAll(root = document) {
  root.querySelectorAll(".natgrad-live").forEach(mount);
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => mountAll());
else mountAll();

// For tests/test_jsgen.py, which evaluates the shipped bundle's generated formulas, numerical
// helpers and optimiser loop in Chromium against natgrad_lib.
export { families } from "../build/formulas.js";
export * as numerics from "./numerics.js";
export { run as optimizerRun } from "./optimizer.js";
