// Small numerical helpers of the explorers: linear algebra and the KL ball by rays.
// The formulas (KL, Fisher, the natural-gradient direction and the Fisher's pivots, charts)
// come from build/formulas.js, generated from sympy by natgrad_lib/jsgen.py; what is here is
// generic algorithm only: the Cholesky solve and the refusal rules of natgrad_lib.optim.solve_spd,
// and the ray search of natgrad_lib.klgeometry, step for step, so the page's numbers equal the
// library's (tests/browser/test_live.py compares them).

const EPS = 2.220446049250313e-16;   // numpy.finfo(float).eps

// What optim.solve_spd raises (numpy.linalg.LinAlgError): the optimisers stop with "singular".
export class Singular extends Error {}

// The refusals of optim.solve_spd, from the pivots d of M = L diag(d) L^T (the squares of the
// Cholesky diagonal): not finite, not positive definite, or numerically singular
// (min d <= k eps max d).
export function checkPivots(d) {
  if (!d.every(Number.isFinite)) throw new Singular("the matrix is not finite");
  if (!d.every((v) => v > 0)) throw new Singular("the matrix is not positive definite");
  if (Math.min(...d) <= d.length * EPS * Math.max(...d)) throw new Singular("the matrix is numerically singular");
}

// The lower Cholesky factor L of a k x k matrix (M = L L^T), or null where a pivot is not > 0.
export function cholesky(M) {
  const k = M.length;
  const L = Array.from({ length: k }, () => new Array(k).fill(0));
  for (let j = 0; j < k; j++) {
    let s = M[j][j];
    for (let p = 0; p < j; p++) s -= L[j][p] * L[j][p];
    if (!(s > 0)) return null;
    L[j][j] = Math.sqrt(s);
    for (let i = j + 1; i < k; i++) {
      let t = M[i][j];
      for (let p = 0; p < j; p++) t -= L[i][p] * L[j][p];
      L[i][j] = t / L[j][j];
    }
  }
  return L;
}

export function cholesky2(a) {
  return cholesky(a) || [[NaN, 0], [NaN, NaN]];
}

// Solve M x = g for a symmetric positive-definite M (a data-dependent Newton, empirical-Fisher
// or GLM matrix) by Cholesky, refusing what optim.solve_spd refuses.
export function solveSpd(M, g) {
  if (!M.flat().every(Number.isFinite)) throw new Singular("the matrix is not finite");
  const L = cholesky(M);
  if (L === null) throw new Singular("the matrix is not positive definite");
  checkPivots(L.map((row, i) => row[i] * row[i]));
  const k = g.length;
  const z = new Array(k);
  for (let i = 0; i < k; i++) {   // L z = g
    let s = g[i];
    for (let p = 0; p < i; p++) s -= L[i][p] * z[p];
    z[i] = s / L[i][i];
  }
  const x = new Array(k);
  for (let i = k - 1; i >= 0; i--) {   // L^T x = z
    let s = z[i];
    for (let p = i + 1; p < k; p++) s -= L[p][i] * x[p];
    x[i] = s / L[i][i];
  }
  return x;
}

// The natural-gradient direction I(theta)^{-1} g of a family (I of one observation): the
// generated closed form fam.natural, taken only where the generated pivots of I(theta) pass
// the refusals of optim.solve_spd.
export function naturalDirection(fam, theta, g) {
  checkPivots(fam.fisherPivots(theta));
  return fam.natural(theta, g);
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
