"""The floor: the engine's arithmetic written as plainly as numpy allows, on one BLAS thread.

Present value is linear in each line's amounts, so for every draw the NPSV of the options
is a product of the line **profiles** with that draw's **discount factors**, then with the
per-line **multipliers**:

    pv[l, d]   = sum_k keep[d, l] ** k * sum_t P[k, l, t] * df[s(l), t + delay[d, l], d]
    npsv[o, d] = sum_l sign[l, o] * m[d, l] * pv[l, d]

``P[k, l]`` is line ``l``'s real flows in persistence year ``k``: ``value[t] * amounts[t -
lag - k]``, so that a drop-off draw enters only through ``keep = 1 - drop_off`` and the sum
over ``k`` is a polynomial in ``keep``, taken by Horner's rule from the last year (a line
without persistence has only ``k = 0``, its compiled flows). ``m = scale * (1 + ob_uplift)
* value_multiplier * additionality``. A whole-year delay reads the discount factors that
many years later (a flow pushed past the horizon is dropped: its factor is 0).

Layout: draws run along the columns, so each year's factors, each profile row's PVs and
each line's multipliers are contiguous rows of draws. Draws are sorted by their delay row
once; a run of draws sharing one costs one ``(rows, years) @ (years, draws)`` product per
schedule, distinct delay and kind of row (with or without persistence), over the years in
which one of its rows is non-zero. The factors are a running product year by year, each
draw's one-year step ``1 / (1 + r + shift)`` computed once per distinct rate (the Green
Book's rates change at year 30, 75, ...). Draws go in blocks sized for the cache.

This module is kept beside the engine as the yardstick of the benchmarks
(``bench_uncertainty.py`` prints every engine time as a ratio to it) and is checked to give
the engine's NPSVs to 1e-9 relative by ``tests/test_engine_floor.py`` (not bit for bit:
its sums are grouped differently). It implements what the engine implements, nothing
more: no validation, no chunking for memory, no aggregation besides the NPSV.

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

#: Draws per block of products and Horner's rule: a block's PVs ``(rows, BLOCK)`` stay in
#: cache (on the prevention case, 2-core AMD EPYC: 1,024-2,048 best of 512-4,096).
BLOCK = 2048


class Floor:
    """The profile rows of a compiled case, and the NPSV of draws against them."""

    def __init__(self, c: Any) -> None:
        L, T = c.n_lines, c.n_years
        pers = np.ones(L, np.int64) if c.persistence is None \
            else np.maximum(np.asarray(c.persistence), 1)  # 1: the compiled flows
        gross = c.real if c.gross is None else c.gross
        value = c.value_paths * c.price_factors if c.value_paths is not None else None
        # lines by decreasing persistence: the lines still present in year k are a prefix
        self.order = np.argsort(-pers, kind="stable")
        self.count = [int((pers > k).sum()) for k in range(int(pers.max()))]  # lines in year k
        rows = []  # row (k, i): line order[i] in persistence year k
        for k, n_k in enumerate(self.count):
            for ln in self.order[:n_k]:
                s = int(c.lag[ln]) + k
                row = np.array(gross[ln], dtype=np.float64) if pers[ln] == 1 else np.zeros(T)
                if pers[ln] > 1 and s < T:
                    row[s:] = value[ln, s:] * c.amounts[ln, : T - s]
                rows.append(row)
        self.T, self.L = T, L
        self.P = np.array(rows)  # (rows, T)
        self.persisting = self.order[: self.count[1] if len(self.count) > 1 else 0]
        self.row_line = np.concatenate([self.order[:n] for n in self.count])
        self.row_schedule = np.asarray(c.line_schedule)[self.row_line]
        self.row_persists = pers[self.row_line] > 1
        nonzero = self.P != 0  # each row's first and one-past-last non-zero year
        self.first = np.where(nonzero.any(axis=1), nonzero.argmax(axis=1), T)
        self.stop = np.where(nonzero.any(axis=1), T - nonzero[:, ::-1].argmax(axis=1), 0)
        self.rates = np.asarray(c.rates, dtype=np.float64)  # (S, T - 1)
        self.mid = c.case.timing == "mid"
        signed = np.where(c.is_cost, -1.0, 1.0)[:, None] * c.option_matrix  # (L, O)
        self.signed = np.ascontiguousarray(signed[self.order].T)  # (O, L), lines in order
        self._plans: dict[bytes, list[tuple[int, int, int, np.ndarray, np.ndarray]]] = {}
        self.defaults = {"scale": np.asarray(c.scale, dtype=np.float64),
                         "ob_uplift": np.asarray(c.ob_uplift, dtype=np.float64),
                         "value_multiplier": np.ones(L),
                         "additionality": np.ones(L) if c.additionality is None
                         else np.asarray(c.additionality, dtype=np.float64),
                         "drop_off": np.zeros(L) if c.drop_off is None
                         else np.asarray(c.drop_off, dtype=np.float64),
                         "delay": np.asarray(c.delay, dtype=np.int64)}

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
               for k, v in self.defaults.items() if k != "delay"}
        delay = np.atleast_2d(self.defaults["delay"] if inputs.get("delay") is None
                              else np.asarray(inputs["delay"], dtype=np.int64))
        shift = inputs.get("rate_shift")
        shift = np.zeros((1, 1)) if shift is None else np.asarray(shift, dtype=np.float64)
        shift = shift.reshape(-1, 1) if shift.ndim <= 1 else shift  # (D or 1, S or 1)
        n = max([a.shape[0] for a in get.values()] + [shift.shape[0], delay.shape[0]])
        shift = np.broadcast_to(shift, (n, self.rates.shape[0]))
        delay = np.broadcast_to(delay, (n, self.L))
        keep = np.broadcast_to(1.0 - get.pop("drop_off"), (n, self.L))
        mult = np.broadcast_to(get["scale"] * (1.0 + get["ob_uplift"])
                               * get["value_multiplier"] * get["additionality"], (n, self.L))
        # draws sorted by delay row (an integer key per row): a run of equal rows shares
        # its products
        varying = delay[:, (delay != delay[:1]).any(axis=0)]
        radix = int(varying.max(initial=0)) + 1
        if radix ** varying.shape[1] < 2**62:
            key = varying @ radix ** np.arange(varying.shape[1], dtype=np.int64)
            sort = np.argsort(key, kind="stable")
            change = np.flatnonzero(np.diff(key[sort])) + 1
        else:
            sort = np.lexsort(varying.T)
            change = np.flatnonzero((np.diff(varying[sort], axis=0) != 0).any(axis=1)) + 1
        keep, mult = keep[sort], mult[sort]
        df = self._factors(shift[sort], pad=int(delay.max(initial=0)))
        out = np.empty((self.signed.shape[0], n))
        for a, b in zip(np.r_[0, change], np.r_[change, n], strict=True):
            products = self._products(delay[sort[a]])
            for lo in range(a, b, BLOCK):
                hi = min(lo + BLOCK, b)
                out[:, lo:hi] = self._block(products, df[:, :, lo:hi],
                                            keep[lo:hi].T[self.persisting],
                                            mult[lo:hi].T[self.order])
        npsv = np.empty((n, out.shape[0]))
        npsv[sort] = out.T
        return npsv

    def _factors(self, shift: np.ndarray, pad: int) -> np.ndarray:
        """End-of-year discount factors ``(S, T + pad, D)`` of draws with rate shifts
        ``shift`` ``(D, S)``: a running product year by year, 0 past the horizon."""
        n, S = shift.shape
        df = np.empty((S, self.T + pad, n))
        df[:, 0], df[:, self.T:] = 1.0, 0.0
        for s in range(S):
            step = {r: 1.0 / (1.0 + r + shift[:, s]) for r in set(self.rates[s].tolist())}
            for t in range(1, self.T):
                np.multiply(df[s, t - 1], step[float(self.rates[s, t - 1])], out=df[s, t])
            if self.mid:
                df[s, : self.T] *= np.sqrt(step[float(self.rates[s, 0])])
        return df

    def _products(self, delay: np.ndarray) -> list[tuple[int, int, int, np.ndarray, np.ndarray]]:
        """The products for draws of delay row ``delay`` ``(L,)``, one per schedule ``s``,
        distinct delay ``d`` and kind of row (with or without persistence): ``(s, first,
        stop, rows, P[rows, years])`` over the years in which one of the rows is non-zero,
        the factors read ``d`` years later (cached per delay row)."""
        key = delay.tobytes()
        if key not in self._plans:
            plan = []
            row_delay = delay[self.row_line]
            for s in range(self.rates.shape[0]):
                for d in np.unique(row_delay[self.row_schedule == s]):
                    for persists in (False, True):
                        rows = np.flatnonzero((self.row_schedule == s) & (row_delay == d)
                                              & (self.row_persists == persists))
                        if rows.size:
                            a, b = self.first[rows].min(), self.stop[rows].max()
                            plan.append((s, d + a, d + max(a, b), rows, self.P[rows, a:b]))
            self._plans[key] = plan
        return self._plans[key]

    def _block(self, products: list[tuple[int, int, int, np.ndarray, np.ndarray]],
               df: np.ndarray, keep: np.ndarray, mult: np.ndarray) -> np.ndarray:
        """NPSV ``(O, n)`` of ``n`` draws sharing one delay row (its ``products``), with
        discount factors ``df`` ``(S, T + pad, n)``; ``mult`` ``(L, n)`` with lines in
        ``self.order``, ``keep`` the same for the lines with persistence (``self.persisting``,
        the first of that order)."""
        pv = np.empty((self.P.shape[0], df.shape[2]))  # each profile row's PV
        for s, a, b, rows, profiles in products:
            pv[rows] = profiles @ df[s, a:b]
        # Horner's rule in keep, from the last persistence year down to year 0
        end = pv.shape[0]
        acc = pv[end - self.count[-1]:end]
        for n_k in self.count[-2::-1]:
            end -= acc.shape[0]
            year = pv[end - n_k:end]
            acc *= keep[: acc.shape[0]]
            year[: acc.shape[0]] += acc
            acc = year
        return self.signed @ (acc * mult)
