// Small numerical helpers of the explorers: 2 x 2 linear algebra and the KL ball by rays.
// The formulas (KL, Fisher, charts) come from build/formulas.js, generated from sympy; these
// are the algorithms of natgrad_lib.klgeometry, step for step, so the page's numbers equal
// the library's (tests/browser/test_live.py compares them).

export function cholesky2(a) {
  const l00 = Math.sqrt(a[0][0]);
  const l10 = a[1][0] / l00;
  const l11 = Math.sqrt(a[1][1] - l10 * l10);
  return [[l00, 0], [l10, l11]];
}

// numpy.linspace(0, 2 pi, n): the same points (the last one exactly 2 pi).
export function rayDirections(k, n) {
  if (k === 1) return [[-1], [1]];
  const out = [];
  const step = (2 * Math.PI) / (n - 1);
  for (let i = 0; i < n; i++) {
    const a = i === n - 1 ? 2 * Math.PI : i * step;
    out.push([Math.cos(a), Math.sin(a)]);
  }
  return out;
}

// u = L^{-T} v with I = L L^T: u^T I u = 1 (klgeometry.fisher_directions).
export function fisherDirections(fam, theta, n) {
  const v = rayDirections(fam.params.length, n);
  const I = fam.fisher(theta);
  if (fam.params.length === 1) return v.map(([x]) => [x / Math.sqrt(I[0][0])]);
  const L = cholesky2(I);
  // solve L^T u = v: [[l00, l10], [0, l11]] u = v
  return v.map(([a, b]) => {
    const u1 = b / L[1][1];
    return [(a - L[1][0] * u1) / L[0][0], u1];
  });
}

export function inside(fam, pt) {
  for (let i = 0; i < pt.length; i++) {
    if (!Number.isFinite(pt[i]) || !(pt[i] > fam.lower[i] && pt[i] < fam.upper[i])) return false;
  }
  return true;
}

function domainRadius(fam, theta, u) {
  let r = Infinity;
  for (let i = 0; i < u.length; i++) {
    if (u[i] > 0) r = Math.min(r, (fam.upper[i] - theta[i]) / u[i]);
    if (u[i] < 0) r = Math.min(r, (fam.lower[i] - theta[i]) / u[i]);
  }
  return r;
}

function klOrInf(fam, theta, pt) {
  if (!inside(fam, pt)) return Infinity;
  const v = fam.kl(theta, pt);
  return Number.isFinite(v) ? v : Infinity;
}

function quadForm(I, u) {
  let s = 0;
  for (let i = 0; i < u.length; i++) for (let j = 0; j < u.length; j++) s += u[i] * I[i][j] * u[j];
  return s;
}

const MAX_BRACKET = 200;
const MAX_BISECT = 200;
const along = (theta, r, u) => theta.map((t, i) => t + r * u[i]);

// Radius r with KL(p_theta || p_{theta + r u}) = c along one ray (klgeometry.kl_ray_radius);
// NaN where the ray leaves the domain first.
export function klRayRadius(fam, theta, c, u, I) {
  const rDom = domainRadius(fam, theta, u);
  let start = Math.sqrt((2 * c) / quadForm(I, u));
  if (!(Number.isFinite(start) && start > 0)) start = 1.0;
  let lo = 0;
  let hi = Number.isFinite(rDom) ? Math.min(start, 0.5 * rDom) : start;
  let done = false;
  for (let it = 0; it < MAX_BRACKET && !done; it++) {
    const pt = along(theta, hi, u);
    if (!inside(fam, pt)) return NaN;
    if (klOrInf(fam, theta, pt) >= c) { done = true; break; }
    lo = hi;
    hi = Number.isFinite(rDom) ? 0.5 * (hi + rDom) : 2 * hi;
    if (Number.isFinite(rDom) && hi <= lo) return NaN;
  }
  if (!done) return NaN;
  for (let it = 0; it < MAX_BISECT; it++) {
    const mid = 0.5 * (lo + hi);
    if (!(mid > lo && mid < hi)) break;
    if (klOrInf(fam, theta, along(theta, mid, u)) >= c) hi = mid; else lo = mid;
  }
  // the end of the final bracket whose KL is closer to c
  const klLo = klOrInf(fam, theta, along(theta, lo, u));
  const klHi = klOrInf(fam, theta, along(theta, hi, u));
  return Math.abs(klHi - c) <= Math.abs(klLo - c) ? hi : lo;
}

export function klContour(fam, theta, c, dirs) {
  const I = fam.fisher(theta);
  return dirs.map((u) => along(theta, klRayRadius(fam, theta, c, u, I), u));
}

export function fisherEllipse(fam, theta, c, dirs) {
  const I = fam.fisher(theta);
  return dirs.map((u) => along(theta, Math.sqrt((2 * c) / quadForm(I, u)), u));
}

// Map points of a chart to its base chart; NaN for points outside the chart's domain.
export function toBaseOrNaN(fam, pts) {
  return pts.map((p) => (inside(fam, p) ? (fam.toBase ? fam.toBase(p) : p) : p.map(() => NaN)));
}

// Axis limits around the finite points, padded by pad times the span (klball._limits).
export function limits(sets, pad) {
  const lo = [Infinity, Infinity];
  const hi = [-Infinity, -Infinity];
  for (const pts of sets) for (const p of pts) {
    if (!p.every(Number.isFinite)) continue;
    for (let i = 0; i < 2; i++) { lo[i] = Math.min(lo[i], p[i]); hi[i] = Math.max(hi[i], p[i]); }
  }
  const out = [];
  for (let i = 0; i < 2; i++) {
    const span = Math.max(hi[i] - lo[i], 1e-12);
    out.push([lo[i] - pad * span, hi[i] + pad * span]);
  }
  return out;
}
