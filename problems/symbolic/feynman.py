"""Equations of the AI Feynman collection (Udrescu & Tegmark, 2020), with data generated here.

Each equation keeps its Feynman id, variable names and in-domain sampling ranges from FeynmanEquations.csv;
values are in arbitrary units, and physical constants (h, kb, c, epsilon) are inputs like any other variable.
We add an out-of-domain range per input: test points are drawn from it but outside the in-domain box, so an
exactly recovered formula keeps its accuracy there and a mere fit usually does not. No noise is added.

Descriptions say what each variable is, never the formula, so they can be shown to an LLM.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from problems.symbolic.data import DataError, Dataset

if TYPE_CHECKING:
    from evolve.problem import Problem, Verdict

Range = tuple[float, float]


@dataclass(frozen=True)
class Equation:
    """One Feynman equation: its id, formula, variables and sampling ranges, and a numpy ground truth."""

    name: str
    formula: str
    target: str
    inputs: tuple[str, ...]
    description: str
    id_range: tuple[Range, ...]
    ood_range: tuple[Range, ...]
    fn: Callable[..., np.ndarray]

    def __post_init__(self) -> None:
        if not len(self.inputs) == len(self.id_range) == len(self.ood_range):
            raise ValueError(f"{self.name}: one id and one ood range per input")
        for (lo, hi), (olo, ohi) in zip(self.id_range, self.ood_range, strict=True):
            if not (olo <= lo < hi <= ohi):
                raise ValueError(f"{self.name}: ood range ({olo}, {ohi}) must contain the id range ({lo}, {hi})")
        # Rejection sampling of OOD points needs room outside the in-domain box.
        if all(o == i for o, i in zip(self.ood_range, self.id_range, strict=True)):
            raise ValueError(f"{self.name}: the ood range must be wider than the id range for at least one input")


# Ids as in the paper; FeynmanEquations.csv misspells I.6.20a, I.6.20 and I.39.10 as I.6.2a, I.6.2 and I.39.1.
_EQUATIONS = [
    # -- one input
    Equation(
        "I.6.20a", "f = exp(-theta**2/2)/sqrt(2*pi)", "f", ("theta",),
        "f: the probability density of a random quantity at the value theta. "
        "theta: the value, measured from the mean in units of the spread (dimensionless).",
        ((1, 3),), ((0, 5),),
        lambda theta: np.exp(-theta**2 / 2) / np.sqrt(2 * np.pi),
    ),
    # -- two inputs
    Equation(
        "I.6.20", "f = exp(-(theta/sigma)**2/2)/(sqrt(2*pi)*sigma)", "f", ("sigma", "theta"),
        "f: the probability density of a random quantity with zero mean at the value theta. "
        "sigma: the spread (standard deviation) of the quantity. theta: the value (same units as sigma).",
        ((1, 3), (1, 3)), ((0.5, 5), (0, 5)),
        lambda sigma, theta: np.exp(-((theta / sigma) ** 2) / 2) / (np.sqrt(2 * np.pi) * sigma),
    ),
    Equation(
        "I.12.1", "F = mu*Nn", "F", ("mu", "Nn"),
        "F: the friction force on a body sliding on a surface (newtons). mu: the coefficient of friction "
        "(dimensionless). Nn: the normal force pressing the body onto the surface (newtons).",
        ((1, 5), (1, 5)), ((0.5, 10), (0.5, 10)),
        lambda mu, Nn: mu * Nn,
    ),
    Equation(
        "I.25.13", "Volt = q/C", "Volt", ("q", "C"),
        "Volt: the voltage across a capacitor (volts). q: the charge it holds (coulombs). "
        "C: its capacitance (farads).",
        ((1, 5), (1, 5)), ((0.5, 10), (0.5, 10)),
        lambda q, C: q / C,
    ),
    Equation(
        "I.29.4", "k = omega/c", "k", ("omega", "c"),
        "k: the wave number of a wave (radians per metre). omega: its angular frequency (radians per second). "
        "c: its propagation speed (metres per second).",
        ((1, 10), (1, 10)), ((0.5, 20), (0.5, 20)),
        lambda omega, c: omega / c,
    ),
    Equation(
        "I.39.10", "E_n = 3/2*pr*V", "E_n", ("pr", "V"),
        "E_n: the internal (kinetic) energy of a monatomic ideal gas (joules). pr: its pressure (pascals). "
        "V: its volume (cubic metres).",
        ((1, 5), (1, 5)), ((0.5, 10), (0.5, 10)),
        lambda pr, V: 3 / 2 * pr * V,
    ),
    Equation(
        "II.3.24", "flux = Pwr/(4*pi*r**2)", "flux", ("Pwr", "r"),
        "flux: the energy flux (intensity) received at distance r from a point source radiating equally in all "
        "directions (watts per square metre). Pwr: the power of the source (watts). r: the distance (metres).",
        ((1, 5), (1, 5)), ((0.5, 10), (0.5, 10)),
        lambda Pwr, r: Pwr / (4 * np.pi * r**2),
    ),
    Equation(
        "II.11.28", "theta = 1+n*alpha/(1-(n*alpha/3))", "theta", ("n", "alpha"),
        "theta: the relative permittivity (dielectric constant) of a dense medium of polarisable molecules "
        "(dimensionless). n: the number density of molecules. alpha: the polarisability of one molecule "
        "(n and alpha in units where their product is dimensionless).",
        ((0, 1), (0, 1)), ((0, 1.5), (0, 1.5)),
        lambda n, alpha: 1 + n * alpha / (1 - (n * alpha / 3)),
    ),
    # -- three inputs
    # FeynmanEquations.csv writes this as q1*r/(4*pi*epsilon*r**3), the same function.
    Equation(
        "I.12.4", "Ef = q1/(4*pi*epsilon*r**2)", "Ef", ("q1", "epsilon", "r"),
        "Ef: the electric field strength at distance r from a point charge (volts per metre). q1: the charge "
        "(coulombs). epsilon: the permittivity of the medium (farads per metre). r: the distance (metres).",
        ((1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10)),
        lambda q1, epsilon, r: q1 / (4 * np.pi * epsilon * r**2),
    ),
    Equation(
        "I.14.3", "U = m*g*z", "U", ("m", "g", "z"),
        "U: the gravitational potential energy of a body near the ground (joules). m: its mass (kilograms). "
        "g: the gravitational acceleration (metres per second squared). z: its height (metres).",
        ((1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10)),
        lambda m, g, z: m * g * z,
    ),
    Equation(
        "I.18.12", "tau = r*F*sin(theta)", "tau", ("r", "F", "theta"),
        "tau: the torque of a force about a pivot (newton metres). r: the distance from the pivot to where the "
        "force acts (metres). F: the magnitude of the force (newtons). theta: the angle between the lever arm "
        "and the force (radians).",
        ((1, 5), (1, 5), (0, 5)), ((0.5, 10), (0.5, 10), (0, 10)),
        lambda r, F, theta: r * F * np.sin(theta),
    ),
    Equation(
        "I.27.6", "foc = 1/(1/d1+n/d2)", "foc", ("d1", "d2", "n"),
        "foc: the focal length of a lens or refracting surface (metres). d1, d2: the object-side and image-side "
        "distances of the optical system (metres). n: the refractive index (dimensionless).",
        ((1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10)),
        lambda d1, d2, n: 1 / (1 / d1 + n / d2),
    ),
    Equation(
        "I.43.31", "D = mob*kb*T", "D", ("mob", "T", "kb"),
        "D: the diffusion coefficient of particles in a fluid (square metres per second). mob: their mobility "
        "(drift speed per unit force). T: the temperature (kelvin). kb: Boltzmann's constant (joules per kelvin).",
        ((1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10)),
        lambda mob, T, kb: mob * kb * T,
    ),
    Equation(
        "I.10.7", "m = m_0/sqrt(1-v**2/c**2)", "m", ("m_0", "v", "c"),
        "m: the relativistic mass of a moving body (kilograms). m_0: its rest mass (kilograms). v: its speed "
        "(metres per second). c: the speed of light (metres per second); v is always below c.",
        ((1, 5), (1, 2), (3, 10)), ((0.5, 10), (0.5, 2.5), (2.6, 15)),
        lambda m_0, v, c: m_0 / np.sqrt(1 - v**2 / c**2),
    ),
    Equation(
        "I.47.23", "c = sqrt(gamma*pr/rho)", "c", ("gamma", "pr", "rho"),
        "c: the speed of sound in a gas (metres per second). gamma: the adiabatic index, the ratio of the gas's "
        "heat capacities (dimensionless). pr: its pressure (pascals). rho: its density (kilograms per cubic metre).",
        ((1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10)),
        lambda gamma, pr, rho: np.sqrt(gamma * pr / rho),
    ),
    Equation(
        "I.37.4", "Int = I1+I2+2*sqrt(I1*I2)*cos(delta)", "Int", ("I1", "I2", "delta"),
        "Int: the intensity where two coherent waves interfere (watts per square metre). I1, I2: the intensities "
        "of the two waves on their own (watts per square metre). delta: their phase difference (radians).",
        ((1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10)),
        lambda I1, I2, delta: I1 + I2 + 2 * np.sqrt(I1 * I2) * np.cos(delta),
    ),
    # -- four inputs
    Equation(
        "I.34.8", "omega = q*v*B/p", "omega", ("q", "v", "B", "p"),
        "omega: the angular frequency of a charged particle gyrating in a magnetic field (radians per second). "
        "q: its charge (coulombs). v: its speed (metres per second). B: the magnetic field strength (teslas). "
        "p: its momentum (kilogram metres per second).",
        ((1, 5), (1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10), (0.5, 10)),
        lambda q, v, B, p: q * v * B / p,
    ),
    Equation(
        "I.15.3x", "x1 = (x-u*t)/sqrt(1-u**2/c**2)", "x1", ("x", "u", "c", "t"),
        "x1: the position of an event as seen from a frame moving at speed u, under special relativity (metres). "
        "x: its position in the rest frame (metres). u: the speed of the moving frame (metres per second). "
        "c: the speed of light (metres per second); u is always below c. t: the time of the event in the rest "
        "frame (seconds).",
        ((5, 10), (1, 2), (3, 20), (1, 2)), ((2, 15), (0.5, 2.5), (2.6, 30), (0.5, 3)),
        lambda x, u, c, t: (x - u * t) / np.sqrt(1 - u**2 / c**2),
    ),
    Equation(
        "I.32.5", "Pwr = q**2*a**2/(6*pi*epsilon*c**3)", "Pwr", ("q", "a", "epsilon", "c"),
        "Pwr: the power radiated by an accelerated point charge (watts). q: the charge (coulombs). a: its "
        "acceleration (metres per second squared). epsilon: the vacuum permittivity (farads per metre). "
        "c: the speed of light (metres per second).",
        ((1, 5), (1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10), (0.5, 10)),
        lambda q, a, epsilon, c: q**2 * a**2 / (6 * np.pi * epsilon * c**3),
    ),
    Equation(
        "I.29.16", "x = sqrt(x1**2+x2**2-2*x1*x2*cos(theta1-theta2))", "x", ("x1", "x2", "theta1", "theta2"),
        "x: the distance between two points (or the magnitude of the difference of two vectors) in a plane. "
        "x1, x2: the distances of the two points from the origin (same length unit). theta1, theta2: their "
        "polar angles (radians).",
        ((1, 5), (1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10), (0.5, 10)),
        lambda x1, x2, theta1, theta2: np.sqrt(x1**2 + x2**2 - 2 * x1 * x2 * np.cos(theta1 - theta2)),
    ),
    Equation(
        "III.4.33", "E_n = (h/(2*pi))*omega/(exp((h/(2*pi))*omega/(kb*T))-1)", "E_n", ("h", "omega", "kb", "T"),
        "E_n: the mean thermal energy of a quantum harmonic oscillator (a mode of radiation) at temperature T, "
        "without the zero-point energy (joules). h: Planck's constant (joule seconds). omega: the angular "
        "frequency of the oscillator (radians per second). kb: Boltzmann's constant (joules per kelvin). "
        "T: the temperature (kelvin).",
        ((1, 5), (1, 5), (1, 5), (1, 5)), ((0.5, 10), (0.5, 10), (0.5, 10), (0.5, 10)),
        lambda h, omega, kb, T: (h / (2 * np.pi)) * omega / (np.exp((h / (2 * np.pi)) * omega / (kb * T)) - 1),
    ),
    # -- five inputs
    Equation(
        "I.12.11", "F = q*(Ef+B*v*sin(theta))", "F", ("q", "Ef", "B", "v", "theta"),
        "F: the magnitude of the electromagnetic (Lorentz) force on a moving point charge (newtons). q: the charge "
        "(coulombs). Ef: the electric field strength (volts per metre). B: the magnetic field strength (teslas). "
        "v: the speed of the charge (metres per second). theta: the angle between its velocity and the magnetic "
        "field (radians).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda q, Ef, B, v, theta: q * (Ef + B * v * np.sin(theta)),
    ),
    Equation(
        "I.41.16",
        "L_rad = h/(2*pi)*omega**3/(pi**2*c**2*(exp((h/(2*pi))*omega/(kb*T))-1))",
        "L_rad",
        ("omega", "T", "h", "kb", "c"),
        "L_rad: the spectral energy density of black-body radiation per unit angular frequency (joule seconds per "
        "cubic metre). omega: the angular frequency (radians per second). T: the temperature of the body "
        "(kelvin). h: Planck's constant (joule seconds). kb: Boltzmann's constant (joules per kelvin). c: the "
        "speed of light (metres per second).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda omega, T, h, kb, c: (
            h / (2 * np.pi) * omega**3 / (np.pi**2 * c**2 * (np.exp((h / (2 * np.pi)) * omega / (kb * T)) - 1))
        ),
    ),
    Equation(
        "II.35.21", "M = n_rho*mom*tanh(mom*B/(kb*T))", "M", ("n_rho", "mom", "B", "kb", "T"),
        "M: the magnetisation of a material of two-state magnetic moments in a magnetic field at temperature T "
        "(amperes per metre). n_rho: the number density of moments (per cubic metre). mom: the magnetic moment of "
        "each (ampere square metres). B: the magnetic field strength (teslas). kb: Boltzmann's constant (joules "
        "per kelvin). T: the temperature (kelvin).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda n_rho, mom, B, kb, T: n_rho * mom * np.tanh(mom * B / (kb * T)),
    ),
]

EQUATIONS: dict[str, Equation] = {eq.name: eq for eq in _EQUATIONS}
"""The development set: the equations operators were tuned on (the held-out rest:
:mod:`problems.symbolic.feynman_holdout`)."""


def find_equation(name: str) -> Equation:
    """The equation ``name``, of the development set or of the held-out set.

    Raises:
        DataError: no equation has that name.
    """
    from problems.symbolic.feynman_holdout import HOLDOUT

    found = EQUATIONS.get(name) or HOLDOUT.get(name)
    if found is None:
        raise DataError(f"unknown Feynman equation {name!r}; the development set is {', '.join(EQUATIONS)}, and "
                        f"{len(HOLDOUT)} more are held out ({', '.join(list(HOLDOUT)[:4])}, ..., see "
                        "problems/symbolic/feynman_holdout.py)")
    return found


def _uniform(rng: np.random.Generator, ranges: tuple[Range, ...], n: int) -> np.ndarray:
    lo, hi = np.array(ranges, dtype=np.float64).T
    return rng.uniform(lo, hi, size=(n, len(ranges)))


def _outside(rng: np.random.Generator, inner: tuple[Range, ...], outer: tuple[Range, ...], n: int) -> np.ndarray:
    """Uniform on the outer box with the inner box cut out (rejection sampling)."""
    lo, hi = np.array(inner, dtype=np.float64).T
    kept: list[np.ndarray] = []
    have = 0
    for _ in range(1000):
        batch = _uniform(rng, outer, max(2 * (n - have), 64))
        batch = batch[((batch < lo) | (batch > hi)).any(axis=1)]
        kept.append(batch)
        have += len(batch)
        if have >= n:
            return np.concatenate(kept)[:n]
    raise RuntimeError("the out-of-domain box is barely larger than the in-domain box; widen ood_range")


def generate(name: str, *, n_train: int = 2000, n_test: int = 1000, seed: int = 0) -> Dataset:
    """Sample one equation: train and in-domain test from its AI Feynman ranges, out-of-domain test outside them.

    Train, in-domain and out-of-domain samples come from independent streams of ``seed``, so changing
    ``n_train`` does not change the test points.
    """
    eq = find_equation(name)
    if n_train < 1 or n_test < 1:
        raise DataError(f"n_train and n_test must be positive, got {n_train} and {n_test}")
    rng_train, rng_id, rng_ood = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))
    splits = []
    for x in (
        _uniform(rng_train, eq.id_range, n_train),
        _uniform(rng_id, eq.id_range, n_test),
        _outside(rng_ood, eq.id_range, eq.ood_range, n_test),
    ):
        y = np.asarray(eq.fn(*x.T), dtype=np.float64)
        if not np.isfinite(y).all():
            raise RuntimeError(f"{name}: non-finite targets; its ranges leave the formula's domain")
        splits.append((x, y))
    return Dataset(eq.name, eq.inputs, eq.target, splits[0], splits[1], splits[2], eq.description)


def make_problem(equation: str = "I.6.20a", n_train: int = 2000, n_test: int = 1000, data_seed: int = 0,
                 **options: Any) -> Problem:
    """The formula problem of one Feynman equation (``evolve run feynman -o equation=I.12.1``), of the development
    set or of the held-out set.

    ``n_train``, ``n_test`` and ``data_seed`` shape the generated data; other options are the fitting options
    of :func:`problems.symbolic._core.formula_problem`.
    """
    from problems.symbolic._core import dataset_problem

    problem = dataset_problem(generate(equation, n_train=n_train, n_test=n_test, seed=data_seed), options)
    problem.name = f"feynman-{equation}"
    problem.verify = functools.partial(verify_law, find_equation(equation))
    return problem


def verify_law(eq: Equation, tree: ast.Module, metrics: dict[str, Any]) -> Verdict:
    """The Feynman problems' ``verify``: whether the formula ``tree``, with its fitted constants
    (``metrics["params"]``), is an exact recovery of the law, checked symbolically
    (:mod:`problems.symbolic.recovery`)."""
    from evolve.problem import Verdict
    from problems.symbolic import recovery

    try:
        model = recovery.program_expression(ast.unparse(tree), metrics.get("params") or [], eq.inputs)
    except recovery.Unreadable as exc:
        return Verdict(False, None, f"not a closed form to compare with the law {eq.formula}: {exc}")
    found = recovery.check(model, recovery.law_expression(eq.formula, eq.inputs), eq.inputs, eq.id_range)
    what = "an exact recovery of" if found.exact else "not an exact recovery of"
    return Verdict(found.exact, None, f"{what} {eq.formula}: {found.how}",
                   {"exact": found.exact, "model": found.model})
