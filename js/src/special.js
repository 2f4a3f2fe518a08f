// Special functions for the generated formulas (build/formulas.js, from natgrad_lib/jsgen.py).
//
// gammaln, gamma, digamma and trigamma are stdlib-js's (maintained npm packages, pinned in
// package.json; ports of Cephes/Boost with their own test suites). Accuracy, as measured by
// tests/test_jsgen.py against scipy over the ranges the book uses: relative difference
// <= 1e-13 for gammaln, gamma, digamma and trigamma (stated as the test's tolerance).
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
