"""Held-out equations of volume I of the Feynman Lectures (see :mod:`problems.symbolic.feynman_holdout`)."""

from __future__ import annotations

import numpy as np

from problems.symbolic.feynman import Equation


def _hbar(h: np.ndarray) -> np.ndarray:
    """The reduced Planck constant from Planck's constant."""
    return h / (2 * np.pi)


EQUATIONS: list[Equation] = [
    # -- chapter I
    Equation(
        "I.6.20b", "f = exp(-((theta-theta1)/sigma)**2/2)/(sqrt(2*pi)*sigma)", "f", ("sigma", "theta", "theta1"),
        "f: the probability density of a random quantity at the value theta. sigma: the spread (standard "
        "deviation) of the quantity. theta: the value. theta1: the mean of the quantity (theta, theta1 and sigma "
        "in the same units).",
        ((1, 3), (1, 3), (1, 3)), ((0.5, 5), (0, 5), (0, 5)),
        lambda sigma, theta, theta1: np.exp(-0.5 * ((theta - theta1) / sigma) ** 2) / (sigma * np.sqrt(2 * np.pi)),
    ),
    Equation(
        "I.8.14", "d = sqrt((x2-x1)**2+(y2-y1)**2)", "d", ("x1", "x2", "y1", "y2"),
        "d: the distance between two points in a plane (metres). x1, y1: the Cartesian coordinates of the first "
        "point (metres). x2, y2: those of the second point (metres).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda x1, x2, y1, y2: np.hypot(x2 - x1, y2 - y1),
    ),
    Equation(
        "I.9.18", "F = G*m1*m2/((x2-x1)**2+(y2-y1)**2+(z2-z1)**2)", "F",
        ("m1", "m2", "G", "x1", "x2", "y1", "y2", "z1", "z2"),
        "F: the magnitude of the gravitational force between two point masses (newtons). m1, m2: the two masses "
        "(kilograms). G: the gravitational constant (newton square metres per square kilogram). x1, y1, z1: the "
        "Cartesian coordinates of the first mass (metres). x2, y2, z2: those of the second mass (metres).",
        ((1, 2), (1, 2), (1, 2), (3, 4), (1, 2), (3, 4), (1, 2), (3, 4), (1, 2)),
        ((0.5, 3), (0.5, 3), (0.5, 3), (2.6, 5), (0.5, 2.5), (2.6, 5), (0.5, 2.5), (2.6, 5), (0.5, 2.5)),
        lambda m1, m2, G, x1, x2, y1, y2, z1, z2: G * m1 * m2 / ((x1 - x2) ** 2 + (y1 - y2) ** 2 + (z1 - z2) ** 2),
    ),
    Equation(
        "I.11.19", "A = x1*y1+x2*y2+x3*y3", "A", ("x1", "x2", "x3", "y1", "y2", "y3"),
        "A: the scalar product of two vectors in three-dimensional space (arbitrary units). x1, x2, x3: the "
        "Cartesian components of the first vector. y1, y2, y3: those of the second vector.",
        ((1, 5),) * 6, ((0.5, 10),) * 6,
        lambda x1, x2, x3, y1, y2, y3: x1 * y1 + x2 * y2 + x3 * y3,
    ),
    # FeynmanEquations.csv writes this as q1*q2*r/(4*pi*epsilon*r**3), the same function.
    Equation(
        "I.12.2", "F = q1*q2/(4*pi*epsilon*r**2)", "F", ("q1", "q2", "epsilon", "r"),
        "F: the electrostatic force between two point charges (newtons). q1, q2: the two charges (coulombs). "
        "epsilon: the permittivity of the medium (farads per metre). r: the distance between the charges (metres).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda q1, q2, epsilon, r: q1 * q2 / (4 * np.pi * epsilon * r * r),
    ),
    Equation(
        "I.12.5", "F = q2*Ef", "F", ("q2", "Ef"),
        "F: the electric force on a point charge (newtons). q2: the charge (coulombs). Ef: the strength of the "
        "electric field where the charge is (volts per metre).",
        ((1, 5),) * 2, ((0.5, 10),) * 2,
        lambda q2, Ef: q2 * Ef,
    ),
    Equation(
        "I.13.4", "K = 1/2*m*(v**2+u**2+w**2)", "K", ("m", "v", "u", "w"),
        "K: the kinetic energy of a body (joules). m: its mass (kilograms). v, u, w: the three Cartesian "
        "components of its velocity (metres per second).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda m, v, u, w: 0.5 * m * (v * v + u * u + w * w),
    ),
    Equation(
        "I.13.12", "U = G*m1*m2*(1/r2-1/r1)", "U", ("m1", "m2", "r1", "r2", "G"),
        "U: the work done by gravity on two point masses (the kinetic energy they gain) as their separation "
        "changes from r1 to r2 (joules). m1, m2: the two masses (kilograms). r1: the initial separation (metres). "
        "r2: the final separation (metres). G: the gravitational constant (newton square metres per square "
        "kilogram).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda m1, m2, r1, r2, G: G * m1 * m2 * (r1 - r2) / (r1 * r2),
    ),
    Equation(
        "I.14.4", "U = 1/2*k_spring*x**2", "U", ("k_spring", "x"),
        "U: the elastic potential energy stored in a stretched spring (joules). k_spring: the spring constant "
        "(newtons per metre). x: the extension of the spring from its rest length (metres).",
        ((1, 5),) * 2, ((0.5, 10),) * 2,
        lambda k_spring, x: k_spring * x * x / 2,
    ),
    Equation(
        "I.15.3t", "t1 = (t-u*x/c**2)/sqrt(1-u**2/c**2)", "t1", ("x", "c", "u", "t"),
        "t1: the time of an event as seen from a frame moving at speed u, under special relativity (seconds). "
        "x: the position of the event in the rest frame (metres). c: the speed of light (metres per second); u is "
        "always below c. u: the speed of the moving frame (metres per second). t: the time of the event in the "
        "rest frame (seconds).",
        ((1, 5), (3, 10), (1, 2), (1, 5)), ((0.5, 10), (2.6, 15), (0.5, 2.5), (0.5, 10)),
        lambda x, c, u, t: (t - u * x / c**2) / np.sqrt(1 - (u / c) ** 2),
    ),
    Equation(
        "I.15.1", "p = m_0*v/sqrt(1-v**2/c**2)", "p", ("m_0", "v", "c"),
        "p: the relativistic momentum of a moving body (kilogram metres per second). m_0: its rest mass "
        "(kilograms). v: its speed (metres per second). c: the speed of light (metres per second); v is always "
        "below c.",
        ((1, 5), (1, 2), (3, 10)), ((0.5, 10), (0.5, 2.5), (2.6, 15)),
        lambda m_0, v, c: m_0 * v / np.sqrt(1 - (v / c) ** 2),
    ),
    Equation(
        "I.16.6", "v1 = (u+v)/(1+u*v/c**2)", "v1", ("c", "v", "u"),
        "v1: the speed, under special relativity, of a body moving at speed v within a frame that itself moves "
        "at speed u in the same direction, as seen from the rest frame (metres per second). c: the speed of light "
        "(metres per second). v: the speed of the body in the moving frame (metres per second). u: the speed of "
        "the moving frame (metres per second).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda c, v, u: c * c * (u + v) / (c * c + u * v),
    ),
    Equation(
        "I.18.4", "r = (m1*r1+m2*r2)/(m1+m2)", "r", ("m1", "m2", "r1", "r2"),
        "r: the position of the centre of mass of two point masses on a line (metres). m1, m2: the two masses "
        "(kilograms). r1, r2: their positions on the line (metres).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda m1, m2, r1, r2: (m1 * r1 + m2 * r2) / (m1 + m2),
    ),
    Equation(
        "I.18.14", "L = m*r*v*sin(theta)", "L", ("m", "r", "v", "theta"),
        "L: the magnitude of the angular momentum of a point mass about an origin (kilogram square metres per "
        "second). m: its mass (kilograms). r: its distance from the origin (metres). v: its speed (metres per "
        "second). theta: the angle between its position vector and its velocity (radians).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda m, r, v, theta: m * r * v * np.sin(theta),
    ),
    Equation(
        "I.24.6", "E_n = 1/2*m*(omega**2+omega_0**2)*1/2*x**2", "E_n", ("m", "omega", "omega_0", "x"),
        "E_n: the time-averaged total energy of a driven harmonic oscillator (joules). m: the oscillating mass "
        "(kilograms). omega: the angular frequency of the driving force (radians per second). omega_0: the "
        "natural angular frequency of the oscillator (radians per second). x: the amplitude of the oscillation "
        "(metres).",
        ((1, 3),) * 4, ((0.5, 5),) * 4,
        lambda m, omega, omega_0, x: m * (omega**2 + omega_0**2) * x**2 / 4,
    ),
    # n stays in (0, 1) out of domain: beyond 1, n*sin(theta2) leaves arcsin's domain.
    Equation(
        "I.26.2", "theta1 = asin(n*sin(theta2))", "theta1", ("n", "theta2"),
        "theta1: the angle to the normal of a light ray after it crosses the interface between two transparent "
        "media (radians). n: the refractive index of the medium the ray comes from divided by that of the medium "
        "it enters (dimensionless, below 1 here). theta2: the angle to the normal of the incoming ray (radians).",
        ((0, 1), (1, 5)), ((0, 1), (0.5, 10)),
        lambda n, theta2: np.arcsin(n * np.sin(theta2)),
    ),
    # theta stays below 2*pi out of domain, where sin(theta/2) vanishes.
    Equation(
        "I.30.3", "Int = Int_0*sin(n*theta/2)**2/sin(theta/2)**2", "Int", ("Int_0", "theta", "n"),
        "Int: the intensity of the wave received in some direction from a row of n equally spaced coherent "
        "sources (watts per square metre). Int_0: the intensity received from one source alone (watts per square "
        "metre). theta: the phase difference between the waves of neighbouring sources in that direction "
        "(radians). n: the number of sources (taken as continuous).",
        ((1, 5),) * 3, ((0.5, 10), (0.5, 6), (0.5, 10)),
        lambda Int_0, theta, n: Int_0 * (np.sin(n * theta / 2) / np.sin(theta / 2)) ** 2,
    ),
    # lambd/(n*d) reaches 1 at the corner of the in-domain box: lambd only widens down, d and n only up.
    Equation(
        "I.30.5", "theta = asin(lambd/(n*d))", "theta", ("lambd", "d", "n"),
        "theta: the angle from the central direction at which the intensity from a row of n equally spaced "
        "coherent sources first falls to zero (radians). lambd: the wavelength (metres). d: the spacing of the "
        "sources (metres). n: the number of sources (taken as continuous).",
        ((1, 2), (2, 5), (1, 5)), ((0.5, 2), (2, 10), (1, 10)),
        lambda lambd, d, n: np.arcsin(lambd / (n * d)),
    ),
    # omega and omega_0 widen towards each other only so far that their boxes stay apart (no resonance).
    Equation(
        "I.32.17", "Pwr = (1/2*epsilon*c*Ef**2)*(8*pi*r**2/3)*(omega**4/(omega**2-omega_0**2)**2)", "Pwr",
        ("epsilon", "c", "Ef", "r", "omega", "omega_0"),
        "Pwr: the power scattered by an elastically bound charge (an atomic electron) driven by an incident light "
        "wave (watts). epsilon: the vacuum permittivity (farads per metre). c: the speed of light (metres per "
        "second). Ef: the amplitude of the wave's electric field (volts per metre). r: the classical radius of "
        "the charge (metres). omega: the angular frequency of the wave (radians per second). omega_0: the natural "
        "angular frequency of the bound charge (radians per second).",
        ((1, 2), (1, 2), (1, 2), (1, 2), (1, 2), (3, 5)),
        ((0.5, 3), (0.5, 3), (0.5, 3), (0.5, 3), (0.5, 2.5), (2.6, 10)),
        lambda epsilon, c, Ef, r, omega, omega_0: (
            epsilon * c * Ef**2 / 2 * (8 * np.pi / 3) * r**2 * (omega**2 / (omega**2 - omega_0**2)) ** 2
        ),
    ),
    Equation(
        "I.34.1", "omega = omega_0/(1-v/c)", "omega", ("c", "v", "omega_0"),
        "omega: the angular frequency a stationary observer receives from a wave source moving straight towards "
        "the observer, without relativistic effects (radians per second). c: the speed of the wave (metres per "
        "second); v is always below c. v: the speed of the source (metres per second). omega_0: the angular "
        "frequency the source emits (radians per second).",
        ((3, 10), (1, 2), (1, 5)), ((2.6, 15), (0.5, 2.5), (0.5, 10)),
        lambda c, v, omega_0: c * omega_0 / (c - v),
    ),
    Equation(
        "I.34.14", "omega = (1+v/c)/sqrt(1-v**2/c**2)*omega_0", "omega", ("c", "v", "omega_0"),
        "omega: the angular frequency an observer receives from a light source moving straight towards the "
        "observer, under special relativity (radians per second). c: the speed of light (metres per second); v is "
        "always below c. v: the speed of the source (metres per second). omega_0: the angular frequency the "
        "source emits in its rest frame (radians per second).",
        ((3, 10), (1, 2), (1, 5)), ((2.6, 15), (0.5, 2.5), (0.5, 10)),
        lambda c, v, omega_0: omega_0 * (c + v) / np.sqrt((c - v) * (c + v)),
    ),
    Equation(
        "I.34.27", "E_n = (h/(2*pi))*omega", "E_n", ("omega", "h"),
        "E_n: the energy of a photon (joules). omega: its angular frequency (radians per second). h: Planck's "
        "constant (joule seconds).",
        ((1, 5),) * 2, ((0.5, 10),) * 2,
        lambda omega, h: _hbar(h) * omega,
    ),
    Equation(
        "I.38.12", "r = 4*pi*epsilon*(h/(2*pi))**2/(m*q**2)", "r", ("m", "q", "h", "epsilon"),
        "r: the Bohr radius, the size of the ground-state orbit of the electron in a hydrogen atom (metres). m: "
        "the mass of the electron (kilograms). q: its charge (coulombs). h: Planck's constant (joule seconds). "
        "epsilon: the vacuum permittivity (farads per metre).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda m, q, h, epsilon: epsilon * h**2 / (np.pi * m * q**2),
    ),
    Equation(
        "I.39.11", "E_n = 1/(gamma-1)*pr*V", "E_n", ("gamma", "pr", "V"),
        "E_n: the internal energy of an ideal gas (joules). gamma: the adiabatic index, the ratio of the gas's "
        "heat capacities (dimensionless, above 1). pr: its pressure (pascals). V: its volume (cubic metres).",
        ((2, 5), (1, 5), (1, 5)), ((1.5, 10), (0.5, 10), (0.5, 10)),
        lambda gamma, pr, V: pr * V / (gamma - 1),
    ),
    Equation(
        "I.39.22", "pr = n*kb*T/V", "pr", ("n", "T", "V", "kb"),
        "pr: the pressure of an ideal gas (pascals). n: the number of its molecules. T: its temperature (kelvin). "
        "V: its volume (cubic metres). kb: Boltzmann's constant (joules per kelvin).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda n, T, V, kb: n * kb * T / V,
    ),
    Equation(
        "I.40.1", "n = n_0*exp(-m*g*x/(kb*T))", "n", ("n_0", "m", "x", "T", "g", "kb"),
        "n: the number density of the molecules of a gas in equilibrium in a uniform gravitational field, at "
        "height x (per cubic metre). n_0: the number density at height zero (per cubic metre). m: the mass of a "
        "molecule (kilograms). x: the height (metres). T: the temperature (kelvin). g: the gravitational "
        "acceleration (metres per second squared). kb: Boltzmann's constant (joules per kelvin).",
        ((1, 5),) * 6, ((0.5, 10),) * 6,
        lambda n_0, m, x, T, g, kb: n_0 / np.exp(m * g * x / (kb * T)),
    ),
    Equation(
        "I.43.16", "v = mu_drift*q*Volt/d", "v", ("mu_drift", "q", "Volt", "d"),
        "v: the drift speed of charged particles in a medium under an applied voltage (metres per second). "
        "mu_drift: their mobility (drift speed per unit force). q: the charge of each (coulombs). Volt: the "
        "voltage applied (volts). d: the distance over which it is applied (metres).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda mu_drift, q, Volt, d: mu_drift * q * Volt / d,
    ),
    Equation(
        "I.43.43", "kappa = 1/(gamma-1)*kb*v/A", "kappa", ("gamma", "kb", "A", "v"),
        "kappa: the thermal conductivity of a gas (watts per metre kelvin). gamma: the adiabatic index, the ratio "
        "of the gas's heat capacities (dimensionless, above 1). kb: Boltzmann's constant (joules per kelvin). "
        "A: the collision cross-section of a molecule (square metres). v: the mean speed of the molecules (metres "
        "per second).",
        ((2, 5), (1, 5), (1, 5), (1, 5)), ((1.5, 10), (0.5, 10), (0.5, 10), (0.5, 10)),
        lambda gamma, kb, A, v: kb * v / ((gamma - 1) * A),
    ),
    Equation(
        "I.44.4", "E_n = n*kb*T*log(V2/V1)", "E_n", ("n", "kb", "T", "V1", "V2"),
        "E_n: the work done by an ideal gas expanding at constant temperature from volume V1 to volume V2 "
        "(joules). n: the number of its molecules. kb: Boltzmann's constant (joules per kelvin). T: the "
        "temperature (kelvin). V1: the initial volume (cubic metres). V2: the final volume (cubic metres).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda n, kb, T, V1, V2: n * kb * T * (np.log(V2) - np.log(V1)),
    ),
    Equation(
        "I.48.2", "E_n = m*c**2/sqrt(1-v**2/c**2)", "E_n", ("m", "v", "c"),
        "E_n: the total relativistic energy of a moving body (joules). m: its rest mass (kilograms). v: its speed "
        "(metres per second). c: the speed of light (metres per second); v is always below c.",
        ((1, 5), (1, 2), (3, 10)), ((0.5, 10), (0.5, 2.5), (2.6, 15)),
        lambda m, v, c: m * c**3 / np.sqrt(c * c - v * v),
    ),
    Equation(
        "I.50.26", "x = x1*(cos(omega*t)+alpha*cos(omega*t)**2)", "x", ("x1", "omega", "t", "alpha"),
        "x: the output of a weakly nonlinear system driven by a sinusoidal input (arbitrary units). x1: the "
        "amplitude of its linear response (same units as x). omega: the angular frequency of the input (radians "
        "per second). t: the time (seconds). alpha: the strength of the nonlinearity (dimensionless).",
        ((1, 3),) * 4, ((0.5, 5),) * 4,
        lambda x1, omega, t, alpha: x1 * np.cos(omega * t) * (1 + alpha * np.cos(omega * t)),
    ),
]
