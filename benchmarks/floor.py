"""The floor: the engine's arithmetic written as plainly as numpy allows, on one BLAS thread.

Present value is linear in each line's amounts, so for every draw the NPSV of the options
is a matrix product of the compiled line **profiles** with that draw's **discount
factors**, followed by a product with the per-line **multipliers**:

    pv[d, j]   = sum_t df[d, s(j), t + delay[d, line(j)]] * P[t, j]
    npsv[d, o] = sum_j pv[d, j] * keep[d, line(j)] ** k(j) * m[d, line(j)] * sign_o(j)

Column ``j`` of ``P`` is one persistence year ``k(j)`` of one line: the line's real flows
when it has no persistence (``k = 0``), else ``value[t] * amounts[t - lag - k]``, so that a
drop-off draw enters only through ``keep = 1 - drop_off`` (the persistence filter written
as a polynomial in ``keep``). ``m = scale * (1 + ob_uplift) * value_multiplier *
additionality``. A whole-year delay reads the discount factors that many years later (a
flow pushed past the horizon is dropped: its factor is 0). Draws that share a delay row
share the product, so draws are grouped by their delay row and each group costs one
``(draws, T) @ (T, columns)`` product per schedule and distinct delay, over the years in
which some of its columns is non-zero (as the engine does). The discount factors are a
running product year by year, each draw's one-year step ``1 / (1 + r + shift)`` computed
once per distinct rate of a schedule (as the engine does: the Green Book's rates change at
year 30, 75, ...).

This module is kept beside the engine as the yardstick of the benchmarks
(``bench_uncertainty.py`` prints every engine time as a ratio to it) and is checked to give
the engine's NPSVs by ``tests/test_engine_floor.py``. It implements what the engine
implements, nothing more: no validation, no chunking, no aggregation besides the NPSV.

Examples
--------
>>> import numpy as np, appraisal
>>> from appraisal.engine.compile import compile_case, evaluate_arrays
>>> c = compile_case(appraisal.load_case(appraisal.example_path("prevention")))
>>> floor = Floor(c)
>>> bool(np.allclose(floor.npsv(), evaluate_arrays(c).npsv, rtol=1e-9))
True
"""

from __future__ import annotations

from typing import Any

import numpy as np
from threadpoolctl import threadpool_limits

__all__ = ["Floor"]


class Floor:
    """The profile matrices of a compiled case, and the NPSV of draws against them."""

    def __init__(self, c: Any) -> None:
        L, T = c.n_lines, c.n_years
        pers = np.ones(L, np.int64) if c.persistence is None else np.asarray(c.persistence)
        gross = c.real if c.gross is None else c.gross
        value = c.value_paths * c.price_factors if c.value_paths is not None else None
        columns: list[np.ndarray] = []
        line, power = [], []
        for ln in range(L):
            if pers[ln] == 1:
                columns.append(gross[ln])
                line.append(ln)
                power.append(0)
                continue
            for k in range(int(pers[ln])):
                s = int(c.lag[ln]) + k
                col = np.zeros(T)
                if s < T:
                    col[s:] = value[ln, s:] * c.amounts[ln, : T - s]
                columns.append(col)
                line.append(ln)
                power.append(k)
        self.T, self.L = T, L
        self.profiles = np.ascontiguousarray(np.stack(columns, axis=1))  # (T, M)
        nonzero = self.profiles != 0  # each column's first and one-past-last non-zero year
        self.first = np.where(nonzero.any(axis=0), nonzero.argmax(axis=0), T)
        self.stop = np.where(nonzero.any(axis=0), T - nonzero[::-1].argmax(axis=0), 0)
        self.col_line = np.asarray(line)
        self.col_power = np.asarray(power)
        self.col_schedule = np.asarray(c.line_schedule)[self.col_line]
        self.rates = np.asarray(c.rates, dtype=np.float64)  # (S, T - 1)
        self.mid = c.case.timing == "mid"
        signed = np.where(c.is_cost, -1.0, 1.0)[:, None] * c.option_matrix  # (L, O)
        self.signed_cols = np.ascontiguousarray(signed[self.col_line])  # (M, O)
        # keep ** k column by column: column j (power k >= 1) = column prev[j] * keep
        self.power_steps = [(np.flatnonzero(self.col_power == k),
                             np.flatnonzero(self.col_power == k) - 1)
                            for k in range(1, int(self.col_power.max(initial=0)) + 1)]
        self.defaults = {"scale": np.asarray(c.scale, dtype=np.float64),
                         "ob_uplift": np.asarray(c.ob_uplift, dtype=np.float64),
                         "value_multiplier": np.ones(L),
                         "additionality": np.ones(L) if c.additionality is None
                         else np.asarray(c.additionality, dtype=np.float64),
                         "drop_off": np.zeros(L) if c.drop_off is None
                         else np.asarray(c.drop_off, dtype=np.float64),
                         "delay": np.asarray(c.delay, dtype=np.int64)}

    def _discount_factors(self, rate_shift: Any, n: int, pad: int) -> np.ndarray:
        """``(T + pad, S, n or 1)``: end-of-year factors, a running product year by year
        (each draw's one-year step computed once per distinct rate of a schedule), 0 past
        T."""
        S = self.rates.shape[0]
        shift = np.zeros((1, S)) if rate_shift is None else np.asarray(rate_shift, float)
        shift = shift.reshape(-1, 1) if shift.ndim <= 1 else shift
        shift = np.broadcast_to(shift.reshape(shift.shape[0], -1), (shift.shape[0], S))
        df = np.zeros((self.T + pad, S, shift.shape[0]))
        df[0] = 1.0
        for s in range(S):
            steps = {r: 1.0 / (1.0 + r + shift[:, s]) for r in set(self.rates[s].tolist())}
            for t in range(1, self.T):
                df[t, s] = df[t - 1, s] * steps[float(self.rates[s, t - 1])]
            if self.mid:
                df[: self.T, s] *= np.sqrt(steps[float(self.rates[s, 0])])
        return df

    def npsv(self, **inputs: Any) -> np.ndarray:
        """NPSV ``(D, O)`` of draws of the engine's inputs (the keyword arguments of
        :func:`appraisal.engine.compile.evaluate_arrays`: ``scale``, ``ob_uplift``,
        ``value_multiplier``, ``additionality``, ``drop_off`` and ``delay`` ``(D, L)`` or
        ``(L,)``, ``rate_shift`` ``(D,)`` or ``(D, S)``), on one BLAS thread."""
        with threadpool_limits(limits=1, user_api="blas"):
            return self._npsv(inputs)

    def _npsv(self, inputs: dict[str, Any]) -> np.ndarray:
        get = {k: np.atleast_2d(np.asarray(inputs[k], dtype=np.float64))
               if inputs.get(k) is not None else v[None, :]
               for k, v in self.defaults.items()}
        delay = get.pop("delay").astype(np.int64)
        shift = inputs.get("rate_shift")
        n = max([a.shape[0] for a in get.values()] + [delay.shape[0]]
                + ([] if shift is None or np.ndim(shift) == 0 else [np.shape(shift)[0]]))
        shift = None if shift is None else np.asarray(shift, dtype=np.float64)
        keep = 1.0 - get.pop("drop_off")
        line_mult = get["scale"] * (1.0 + get["ob_uplift"]) * get["value_multiplier"] \
            * get["additionality"]
        out = np.empty((n, self.signed_cols.shape[1]))
        # blocks of draws small enough for the (draws, columns) products to stay in cache
        block = max(1, (1 << 21) // (8 * self.profiles.shape[1]))
        for rows, row_delay in _delay_groups(delay, n):
            for a in range(0, rows.size, block):
                r = rows[a:a + block]

                def take(x: np.ndarray | None, r: np.ndarray = r) -> np.ndarray | None:
                    return x if x is None or x.ndim == 0 or x.shape[0] == 1 else x[r]

                out[r] = self._block(r.size, take(keep), take(line_mult), row_delay,
                                     take(shift))
        return out

    def _block(self, n: int, keep: np.ndarray, line_mult: np.ndarray, delay: np.ndarray,
               shift: np.ndarray | None) -> np.ndarray:
        """NPSV of ``n`` draws that share one delay row ``delay`` ``(L,)``."""
        df = self._discount_factors(shift, n, int(delay.max(initial=0)))
        pv = np.empty((n, self.profiles.shape[1]))
        d_cols = delay[self.col_line]
        for s in range(df.shape[1]):
            for d in np.unique(d_cols[self.col_schedule == s]):
                cols = np.flatnonzero((self.col_schedule == s) & (d_cols == d))
                # only the years in which some of these columns is non-zero
                a, b = self.first[cols].min(), self.stop[cols].max()
                pv[:, cols] = df[d + a:d + b, s].T @ self.profiles[a:b, cols]
        mult = np.empty_like(pv)
        mult[:] = np.broadcast_to(line_mult, (n, self.L))[:, self.col_line]
        keep = np.broadcast_to(keep, (n, self.L))[:, self.col_line]
        for cols, prev in self.power_steps:
            mult[:, cols] = mult[:, prev] * keep[:, cols]
        pv *= mult
        return pv @ self.signed_cols


def _delay_groups(delay: np.ndarray, n: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Draws grouped by their delay row: ``[(rows, delay row)]``."""
    if delay.shape[0] == 1 or not (delay != delay[:1]).any():
        return [(np.arange(n), delay[0])]
    varying = delay[:, (delay != delay[:1]).any(axis=0)]
    radix = int(varying.max()) + 1
    if radix ** varying.shape[1] < 2**62:  # an exact integer key per delay row
        key = varying @ (radix ** np.arange(varying.shape[1], dtype=np.int64))
        _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    else:
        _, first, inverse = np.unique(varying, axis=0, return_index=True,
                                      return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.searchsorted(inverse[order], np.arange(first.size + 1))
    return [(order[bounds[g]:bounds[g + 1]], delay[first[g]]) for g in range(first.size)]
