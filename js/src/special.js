// Special functions for the generated formulas (build/formulas.js, from natgrad_lib/jsgen.py).
//
// gammaln, gamma, digamma and trigamma are stdlib-js's (maintained npm packages, pinned in
// package.json; ports of Cephes/Boost with their own test suites). Accuracy, measured through
// the generated formulas against natgrad_lib (scipy) at tests/test_jsgen.py's points: largest
// relative difference 3e-13 (beta's KL and Fisher), 4e-15 for gamma, 1e-15 for poisson;
// the test asserts 1e-9.
//
// lse1 is the one stable helper of natgrad_lib/_sym.py (LogOnePlusSumExp), the same
// shift-by-the-maximum as its numpy twin _lse1_numpy: log(1 + sum_i exp(x_i)).
import gammaln from "@stdlib/math-base-special-gammaln";
import gamma from "@stdlib/math-base-special-gamma";
import digamma from "@stdlib/math-base-special-digamma";
import trigamma from "@stdlib/math-base-special-trigamma";

export function lse1(...xs) {
  let m = 0;
  for (const x of xs) if (x > m) m = x;
  let total = Math.exp(-m);
  for (const x of xs) total += Math.exp(x - m);
  return m + Math.log(total);
}

export { gammaln, gamma, digamma, trigamma };
