"""Small optimisers written on ``jax.lax``: traceable, so they can be jitted and vmapped over starting points.

They serve constant fitting: :func:`bfgs` for ``tune_constants`` in the GP mutator (its loss, the maximum ULP
error, is not a sum of squares), :func:`levenberg_marquardt` for the parameters of symbolic formulas (a least
squares fit, where it needs far fewer iterations than BFGS). We keep our own rather than
``jax.scipy.optimize.minimize`` (whose BFGS line search stalled on the ill-conditioned fits of polynomial
coefficients) or ``optax.lbfgs`` (slower to compile, for the same optimum).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

LINE_SEARCH = 24
"""Step sizes tried at once by each BFGS iteration."""


def bfgs(loss: Callable, u0: Any, steps: int) -> tuple[Any, Any]:
    """Minimise ``loss`` from ``u0`` by dense BFGS; return the best point seen and its loss (traceable).

    The line search evaluates ``loss`` at ``LINE_SEARCH`` step sizes along the quasi-Newton direction
    at once (``vmap``) and keeps the best one, so it needs neither a ``while_loop`` per step (quick to
    compile) nor a well-scaled loss. A step that does not lower the loss resets the inverse-Hessian
    estimate to a gradient step; one that fails right after a reset ends the search early.
    """
    import jax
    import jax.numpy as jnp

    n = u0.shape[0]
    dtype = u0.dtype
    eye = jnp.eye(n, dtype=dtype)
    sizes = (4.0 ** -jnp.arange(-1, LINE_SEARCH - 1)).astype(dtype)  # 4 down to 4**-(k-2)
    value_and_grad = jax.value_and_grad(loss)

    def finite(v: Any) -> Any:
        return jnp.where(jnp.isfinite(v), v, jnp.inf)

    def reset(g: Any) -> Any:  # a gradient step whose largest relative move is at most 4
        top = jnp.max(jnp.abs(g))
        return eye / jnp.where((top > 0) & jnp.isfinite(top), top, 1.0)

    def body(carry: tuple) -> tuple:
        i, u, v, g, inv, fresh, done = carry
        d = -jnp.sum(inv * g, axis=1)
        d = jnp.where((jnp.dot(d, g) < 0) & jnp.all(jnp.isfinite(d)), d, -g * jnp.diagonal(reset(g)))
        trials = u + sizes[:, None] * d
        values = finite(jax.vmap(loss)(trials))
        k = jnp.argmin(values)
        ok = values[k] < v
        new_u = jnp.where(ok, trials[k], u)
        new_v, new_g = value_and_grad(new_u)
        new_v = finite(new_v)
        new_g = jnp.where(jnp.isfinite(new_g), new_g, 0.0)
        s, y = new_u - u, new_g - g
        sy = jnp.dot(s, y)
        curved = ok & (sy > 1e-10 * jnp.sqrt(jnp.dot(s, s) * jnp.dot(y, y)))
        rho = 1.0 / jnp.where(curved, sy, 1.0)
        base = jnp.where(fresh, sy / jnp.where(curved, jnp.dot(y, y), 1.0) * eye, inv)  # scale the first
        # (I - rho s y^T) base (I - rho y s^T) + rho s s^T, with matrix-vector products only
        by = jnp.sum(base * y, axis=1)
        updated = (
            base
            - rho * (s[:, None] * by[None, :] + by[:, None] * s[None, :])
            + (rho * rho * jnp.dot(y, by) + rho) * (s[:, None] * s[None, :])
        )
        inv = jnp.where(curved, updated, jnp.where(ok, inv, reset(new_g)))
        return i + 1, new_u, new_v, new_g, inv, ~curved & (fresh | ~ok), done | (~ok & fresh)

    def cond(carry: tuple) -> Any:
        return (carry[0] < steps) & ~carry[-1]

    v0, g0 = value_and_grad(u0)
    g0 = jnp.where(jnp.isfinite(g0), g0, 0.0)
    init = (0, u0, finite(v0), g0, reset(g0), True, ~jnp.isfinite(v0))
    _, u, v, *_ = jax.lax.while_loop(cond, body, init)
    return u, v


LM_DAMPINGS = 6
"""Damping factors tried at once by each Levenberg-Marquardt iteration."""


STALL = 1e-7
"""Levenberg-Marquardt stops when an iteration lowers the cost by less than this fraction."""


def levenberg_marquardt(residuals: Callable, u0: Any, steps: int) -> tuple[Any, Any]:
    """Minimise ``sum(residuals(u) ** 2)`` from ``u0`` by Levenberg-Marquardt; return the best point and its
    cost (traceable, vmappable).

    ``residuals`` maps ``u`` of shape ``(n,)`` to shape ``(m,)``. Each iteration takes the Jacobian by
    forward mode (``n`` JVPs, cheap for the few parameters of a formula), scales the normal equations by their
    diagonal (Marquardt), and tries ``LM_DAMPINGS`` damping factors around the current one at once through one
    eigendecomposition, keeping the best step. The search ends after ``steps`` iterations, when the cost
    is zero to rounding, or when no damping lowers it by more than :data:`STALL` of itself.
    """
    import jax
    import jax.numpy as jnp

    dtype = u0.dtype
    ladder = (10.0 ** jnp.arange(-2, LM_DAMPINGS - 2)).astype(dtype)  # 1e-2 .. 1e3 times the current damping
    tiny = jnp.finfo(dtype).tiny

    def cost_of(r: Any) -> Any:
        c = jnp.sum(r * r)
        return jnp.where(jnp.isfinite(c), c, jnp.inf)

    def linearise(u: Any) -> tuple[Any, Any]:
        r, jvp = jax.linearize(residuals, u)
        J = jax.vmap(jvp, out_axes=1)(jnp.eye(u.shape[0], dtype=dtype))  # (m, n)
        return r, jnp.where(jnp.isfinite(J), J, 0.0)

    def body(carry: tuple) -> tuple:
        # The Jacobian is taken at the top of each iteration (not after a step and once before the loop),
        # so the traced residuals appear twice rather than three times: compiling them dominates a fit's cost.
        i, u, c, lam, _ = carry
        r, J = linearise(u)
        A = J.T @ J
        g = J.T @ jnp.where(jnp.isfinite(r), r, 0.0)
        # Marquardt's scaling: steps are relative to each column's norm (a parameter the residuals ignore
        # has a zero column and gets no step).
        diag = jnp.diagonal(A)
        d = jnp.where(diag > tiny, jnp.sqrt(diag), 1.0)
        w, V = jnp.linalg.eigh(A / (d[:, None] * d[None, :]))
        w = jnp.maximum(w, 0.0)
        proj = V.T @ (g / d)
        lams = lam * ladder
        trials = u - (V @ (proj[:, None] / (w[:, None] + lams[None, :]))).T / d  # (dampings, n)
        cs = jax.vmap(lambda t: cost_of(residuals(t)))(trials)
        k = jnp.argmin(cs)
        ok = cs[k] < c
        stalled = ~ok | (c - cs[k] <= STALL * c)
        return (i + 1, jnp.where(ok, trials[k], u), jnp.where(ok, cs[k], c), jnp.where(ok, lams[k] * 0.1, lam),
                stalled | (cs[k] <= tiny))

    def cond(carry: tuple) -> Any:
        return (carry[0] < steps) & ~carry[-1]

    c0 = cost_of(residuals(u0))
    init = (0, u0, c0, jnp.asarray(1e-2, dtype), ~jnp.isfinite(c0))
    _, u, c, *_ = jax.lax.while_loop(cond, body, init)
    return u, c


__all__ = ["LINE_SEARCH", "LM_DAMPINGS", "STALL", "bfgs", "levenberg_marquardt"]
