"""The hold-out equations of the AI Feynman collection: every equation not in the development set.

The AI Feynman collection (Udrescu & Tegmark, "AI Feynman: a physics-inspired method for symbolic regression",
Science Advances 2020) has 100 equations from the Feynman Lectures on Physics (FeynmanEquations.csv) and 20
"bonus" equations from other textbooks (BonusEquations.csv); SRBench (La Cava et al. 2021) benchmarks them as its
Feynman and bonus sets. The 24 equations of :mod:`problems.symbolic.feynman` are the development set, the ones
this project tunes against; the other 96 (76 Feynman, 20 bonus) are here, held out, for judging what the tuning
bought. None is left out.

Each keeps its id, output and variable names and its in-domain sampling ranges from the CSV files (a variable's
names and ranges as listed, where the "# variables" column miscounts them); bonus equations are named
``test_1`` ... ``test_20``, as the AI Feynman data files are. The CSV's I.6.2b is I.6.20b here (as its I.6.2a,
I.6.2 and I.39.1 are I.6.20a, I.6.20 and I.39.10 in the development set). As there, values are in arbitrary
units, physical constants are inputs like any other variable, and each input gets an out-of-domain range, a box
containing the in-domain one on all of which the law is real and finite (v < c where a law needs it, the
arguments of arcsin and arccos within [-1, 1], no vanishing denominator, no square root of a negative number).
Descriptions say what each variable is, never the formula.
"""

from __future__ import annotations

import numpy as np

from problems.symbolic.feynman import Equation

__all__ = ["BONUS", "HOLDOUT"]


def _hbar(h):
    return h / (2 * np.pi)


_FEYNMAN = [
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
    # -- chapter II
    Equation(
        "II.2.42", "Pwr = kappa*(T2-T1)*A/d", "Pwr", ("kappa", "T1", "T2", "A", "d"),
        "Pwr: the rate of heat flow through a slab (watts). kappa: the thermal conductivity of its material "
        "(watts per metre kelvin). T1, T2: the temperatures of its two faces (kelvin). A: the area of a face "
        "(square metres). d: the thickness of the slab (metres).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda kappa, T1, T2, A, d: kappa * A * (T2 - T1) / d,
    ),
    Equation(
        "II.4.23", "Volt = q/(4*pi*epsilon*r)", "Volt", ("q", "epsilon", "r"),
        "Volt: the electric potential at distance r from a point charge (volts). q: the charge (coulombs). "
        "epsilon: the permittivity of the medium (farads per metre). r: the distance (metres).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda q, epsilon, r: q / (4 * np.pi * epsilon * r),
    ),
    Equation(
        "II.6.11", "Volt = 1/(4*pi*epsilon)*p_d*cos(theta)/r**2", "Volt", ("epsilon", "p_d", "theta", "r"),
        "Volt: the electric potential of a point electric dipole at distance r (volts). epsilon: the permittivity "
        "of the medium (farads per metre). p_d: the dipole moment (coulomb metres). theta: the angle between the "
        "dipole's axis and the direction to the point (radians). r: the distance from the dipole (metres).",
        ((1, 3),) * 4, ((0.5, 5),) * 4,
        lambda epsilon, p_d, theta, r: p_d * np.cos(theta) / (4 * np.pi * epsilon * r**2),
    ),
    Equation(
        "II.6.15a", "Ef = p_d/(4*pi*epsilon)*3*z/r**5*sqrt(x**2+y**2)", "Ef", ("epsilon", "p_d", "r", "x", "y", "z"),
        "Ef: the magnitude of the component perpendicular to the dipole's axis of the electric field of a point "
        "electric dipole pointing along z, at the point (x, y, z) (volts per metre). epsilon: the permittivity of "
        "the medium (farads per metre). p_d: the dipole moment (coulomb metres). r: the distance of the point from "
        "the dipole (metres), given as an input of its own. x, y, z: the Cartesian coordinates of the point, the "
        "dipole at the origin (metres).",
        ((1, 3),) * 6, ((0.5, 5),) * 6,
        lambda epsilon, p_d, r, x, y, z: 3 * p_d * z * np.hypot(x, y) / (4 * np.pi * epsilon * r**5),
    ),
    Equation(
        "II.6.15b", "Ef = p_d/(4*pi*epsilon)*3*cos(theta)*sin(theta)/r**3", "Ef", ("epsilon", "p_d", "theta", "r"),
        "Ef: the component perpendicular to the dipole's axis of the electric field of a point electric dipole, "
        "at distance r (volts per metre). epsilon: the permittivity of the medium (farads per metre). p_d: the "
        "dipole moment (coulomb metres). theta: the angle between the dipole's axis and the direction to the "
        "point (radians). r: the distance from the dipole (metres).",
        ((1, 3),) * 4, ((0.5, 5),) * 4,
        lambda epsilon, p_d, theta, r: 3 * p_d * np.sin(2 * theta) / (8 * np.pi * epsilon * r**3),
    ),
    Equation(
        "II.8.7", "E_n = 3/5*q**2/(4*pi*epsilon*d)", "E_n", ("q", "epsilon", "d"),
        "E_n: the electrostatic energy of a uniformly charged sphere (joules). q: its total charge (coulombs). "
        "epsilon: the permittivity of the medium (farads per metre). d: the radius of the sphere (metres).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda q, epsilon, d: 0.6 * q * q / (4 * np.pi * epsilon * d),
    ),
    Equation(
        "II.8.31", "E_den = epsilon*Ef**2/2", "E_den", ("epsilon", "Ef"),
        "E_den: the energy density of an electric field (joules per cubic metre). epsilon: the permittivity of "
        "the medium (farads per metre). Ef: the electric field strength (volts per metre).",
        ((1, 5),) * 2, ((0.5, 10),) * 2,
        lambda epsilon, Ef: 0.5 * epsilon * Ef * Ef,
    ),
    Equation(
        "II.10.9", "Ef = sigma_den/epsilon*1/(1+chi)", "Ef", ("sigma_den", "epsilon", "chi"),
        "Ef: the electric field strength in a dielectric filling a parallel-plate capacitor (volts per metre). "
        "sigma_den: the density of free charge on the plates (coulombs per square metre). epsilon: the vacuum "
        "permittivity (farads per metre). chi: the electric susceptibility of the dielectric (dimensionless).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda sigma_den, epsilon, chi: sigma_den / (epsilon * (1 + chi)),
    ),
    # omega and omega_0 widen towards each other only so far that their boxes stay apart (no resonance).
    Equation(
        "II.11.3", "x = q*Ef/(m*(omega_0**2-omega**2))", "x", ("q", "Ef", "m", "omega_0", "omega"),
        "x: the amplitude of the displacement of an elastically bound charge (an atomic electron) driven by an "
        "oscillating electric field (metres). q: the charge (coulombs). Ef: the amplitude of the field (volts per "
        "metre). m: the mass of the charge (kilograms). omega_0: its natural angular frequency (radians per "
        "second). omega: the angular frequency of the field (radians per second).",
        ((1, 3), (1, 3), (1, 3), (3, 5), (1, 2)), ((0.5, 5), (0.5, 5), (0.5, 5), (2.6, 10), (0.5, 2.5)),
        lambda q, Ef, m, omega_0, omega: q * Ef / (m * (omega_0 - omega) * (omega_0 + omega)),
    ),
    Equation(
        "II.11.17", "n = n_0*(1+p_d*Ef*cos(theta)/(kb*T))", "n", ("n_0", "kb", "T", "theta", "p_d", "Ef"),
        "n: the number density, per unit solid angle, of polar molecules whose dipoles point at angle theta to an "
        "applied electric field, in a weak field (per cubic metre per steradian). n_0: the same density without "
        "the field. kb: Boltzmann's constant (joules per kelvin). T: the temperature (kelvin). theta: the angle "
        "between a dipole and the field (radians). p_d: the dipole moment of a molecule (coulomb metres). Ef: the "
        "electric field strength (volts per metre).",
        ((1, 3),) * 6, ((0.5, 5),) * 6,
        lambda n_0, kb, T, theta, p_d, Ef: n_0 + n_0 * p_d * Ef * np.cos(theta) / (kb * T),
    ),
    Equation(
        "II.11.20", "Pol = n_rho*p_d**2*Ef/(3*kb*T)", "Pol", ("n_rho", "p_d", "Ef", "kb", "T"),
        "Pol: the polarisation of a gas of polar molecules in a weak electric field (coulombs per square metre). "
        "n_rho: the number density of the molecules (per cubic metre). p_d: the dipole moment of a molecule "
        "(coulomb metres). Ef: the electric field strength (volts per metre). kb: Boltzmann's constant (joules "
        "per kelvin). T: the temperature (kelvin).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda n_rho, p_d, Ef, kb, T: n_rho * p_d * p_d * Ef / (3 * kb * T),
    ),
    Equation(
        "II.11.27", "Pol = n*alpha/(1-(n*alpha/3))*epsilon*Ef", "Pol", ("n", "alpha", "epsilon", "Ef"),
        "Pol: the polarisation of a dense medium of polarisable molecules in an electric field (coulombs per "
        "square metre). n: the number density of the molecules. alpha: the polarisability of one molecule (n and "
        "alpha in units where their product is dimensionless). epsilon: the vacuum permittivity (farads per "
        "metre). Ef: the electric field strength in the medium (volts per metre).",
        ((0, 1), (0, 1), (1, 2), (1, 2)), ((0, 1.5), (0, 1.5), (0.5, 3), (0.5, 3)),
        lambda n, alpha, epsilon, Ef: 3 * n * alpha * epsilon * Ef / (3 - n * alpha),
    ),
    Equation(
        "II.13.17", "B = 1/(4*pi*epsilon*c**2)*2*I/r", "B", ("epsilon", "c", "I", "r"),
        "B: the magnetic field strength at distance r from a long straight wire carrying a current (teslas). "
        "epsilon: the vacuum permittivity (farads per metre). c: the speed of light (metres per second). I: the "
        "current (amperes). r: the distance from the wire (metres).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda epsilon, c, I, r: I / (2 * np.pi * epsilon * c**2 * r),  # noqa: E741
    ),
    Equation(
        "II.13.23", "rho_c = rho_c_0/sqrt(1-v**2/c**2)", "rho_c", ("rho_c_0", "v", "c"),
        "rho_c: the charge density of a body seen moving at speed v, under special relativity (coulombs per cubic "
        "metre). rho_c_0: its charge density in its rest frame (coulombs per cubic metre). v: its speed (metres "
        "per second). c: the speed of light (metres per second); v is always below c.",
        ((1, 5), (1, 2), (3, 10)), ((0.5, 10), (0.5, 2.5), (2.6, 15)),
        lambda rho_c_0, v, c: rho_c_0 * c / np.sqrt(c * c - v * v),
    ),
    Equation(
        "II.13.34", "j = rho_c_0*v/sqrt(1-v**2/c**2)", "j", ("rho_c_0", "v", "c"),
        "j: the current density carried by a charged body seen moving at speed v, under special relativity "
        "(amperes per square metre). rho_c_0: its charge density in its rest frame (coulombs per cubic metre). "
        "v: its speed (metres per second). c: the speed of light (metres per second); v is always below c.",
        ((1, 5), (1, 2), (3, 10)), ((0.5, 10), (0.5, 2.5), (2.6, 15)),
        lambda rho_c_0, v, c: rho_c_0 * v * c / np.sqrt(c * c - v * v),
    ),
    Equation(
        "II.15.4", "E_n = -mom*B*cos(theta)", "E_n", ("mom", "B", "theta"),
        "E_n: the potential energy of a magnetic dipole in a magnetic field (joules). mom: its magnetic moment "
        "(ampere square metres). B: the magnetic field strength (teslas). theta: the angle between the moment and "
        "the field (radians).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda mom, B, theta: -(mom * B) * np.cos(theta),
    ),
    Equation(
        "II.15.5", "E_n = -p_d*Ef*cos(theta)", "E_n", ("p_d", "Ef", "theta"),
        "E_n: the potential energy of an electric dipole in an electric field (joules). p_d: its dipole moment "
        "(coulomb metres). Ef: the electric field strength (volts per metre). theta: the angle between the "
        "moment and the field (radians).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda p_d, Ef, theta: -(p_d * Ef) * np.cos(theta),
    ),
    Equation(
        "II.21.32", "Volt = q/(4*pi*epsilon*r*(1-v/c))", "Volt", ("q", "epsilon", "r", "v", "c"),
        "Volt: the retarded electric potential of a point charge moving straight towards the observer (volts). "
        "q: the charge (coulombs). epsilon: the vacuum permittivity (farads per metre). r: the distance of the "
        "charge from the observer at the retarded time (metres). v: the speed of the charge (metres per second). "
        "c: the speed of light (metres per second); v is always below c.",
        ((1, 5), (1, 5), (1, 5), (1, 2), (3, 10)), ((0.5, 10), (0.5, 10), (0.5, 10), (0.5, 2.5), (2.6, 15)),
        lambda q, epsilon, r, v, c: q * c / (4 * np.pi * epsilon * r * (c - v)),
    ),
    # The root needs omega/c > pi/d: omega only widens up, c down and d up, keeping the id box's worst case.
    Equation(
        "II.24.17", "k = sqrt(omega**2/c**2-pi**2/d**2)", "k", ("omega", "c", "d"),
        "k: the wave number of an electromagnetic wave travelling along a waveguide (radians per metre). omega: "
        "the angular frequency of the wave (radians per second). c: the speed of light (metres per second). d: "
        "the width of the waveguide (metres).",
        ((4, 6), (1, 2), (2, 4)), ((4, 10), (0.5, 2), (2, 8)),
        lambda omega, c, d: np.sqrt((omega / c) ** 2 - (np.pi / d) ** 2),
    ),
    Equation(
        "II.27.16", "flux = epsilon*c*Ef**2", "flux", ("epsilon", "c", "Ef"),
        "flux: the energy flux (intensity) of an electromagnetic wave (watts per square metre). epsilon: the "
        "vacuum permittivity (farads per metre). c: the speed of light (metres per second). Ef: the strength of "
        "the wave's electric field (volts per metre).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda epsilon, c, Ef: epsilon * c * Ef * Ef,
    ),
    Equation(
        "II.27.18", "E_den = epsilon*Ef**2", "E_den", ("epsilon", "Ef"),
        "E_den: the energy density of an electromagnetic wave, electric and magnetic parts together (joules per "
        "cubic metre). epsilon: the vacuum permittivity (farads per metre). Ef: the strength of the wave's "
        "electric field (volts per metre).",
        ((1, 5),) * 2, ((0.5, 10),) * 2,
        lambda epsilon, Ef: epsilon * Ef * Ef,
    ),
    Equation(
        "II.34.2a", "I = q*v/(2*pi*r)", "I", ("q", "v", "r"),
        "I: the electric current equivalent to a point charge moving round a circular orbit (amperes). q: the "
        "charge (coulombs). v: its speed (metres per second). r: the radius of the orbit (metres).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda q, v, r: q * v / (2 * np.pi * r),
    ),
    Equation(
        "II.34.2", "mom = q*v*r/2", "mom", ("q", "v", "r"),
        "mom: the magnetic moment of a point charge moving round a circular orbit (ampere square metres). q: the "
        "charge (coulombs). v: its speed (metres per second). r: the radius of the orbit (metres).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda q, v, r: 0.5 * q * v * r,
    ),
    Equation(
        "II.34.11", "omega = g_*q*B/(2*m)", "omega", ("g_", "q", "B", "m"),
        "omega: the angular frequency at which the magnetic moment of a spinning charged particle precesses in a "
        "magnetic field (radians per second). g_: the particle's g-factor (dimensionless). q: its charge "
        "(coulombs). B: the magnetic field strength (teslas). m: its mass (kilograms).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda g_, q, B, m: g_ * q * B / (2 * m),
    ),
    Equation(
        "II.34.29a", "mom = q*h/(4*pi*m)", "mom", ("q", "h", "m"),
        "mom: the magneton of a charged particle, the natural unit of its magnetic moment (ampere square "
        "metres). q: its charge (coulombs). h: Planck's constant (joule seconds). m: its mass (kilograms).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda q, h, m: q * _hbar(h) / (2 * m),
    ),
    Equation(
        "II.34.29b", "E_n = g_*mom*B*Jz/(h/(2*pi))", "E_n", ("g_", "h", "Jz", "mom", "B"),
        "E_n: the energy of an atom's magnetic moment in a magnetic field (joules). g_: the atom's Lande g-factor "
        "(dimensionless). h: Planck's constant (joule seconds). Jz: the component of the atom's angular momentum "
        "along the field (joule seconds). mom: the magneton, the natural unit of magnetic moment (ampere square "
        "metres). B: the magnetic field strength (teslas).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda g_, h, Jz, mom, B: g_ * mom * B * Jz / _hbar(h),
    ),
    Equation(
        "II.35.18", "n = n_0/(exp(mom*B/(kb*T))+exp(-mom*B/(kb*T)))", "n", ("n_0", "kb", "T", "mom", "B"),
        "n: the normalisation of the populations of the two orientation states of magnetic moments in a magnetic "
        "field at temperature T, the number density per state before each state's Boltzmann factor (per cubic "
        "metre). n_0: the total number density of the moments (per cubic metre). kb: Boltzmann's constant (joules "
        "per kelvin). T: the temperature (kelvin). mom: the magnetic moment of each (ampere square metres). B: the "
        "magnetic field strength (teslas).",
        ((1, 3),) * 5, ((0.5, 5),) * 5,
        lambda n_0, kb, T, mom, B: n_0 / (2 * np.cosh(mom * B / (kb * T))),
    ),
    Equation(
        "II.36.38", "f = mom*H/(kb*T)+(mom*alpha)/(epsilon*c**2*kb*T)*M", "f",
        ("mom", "H", "kb", "T", "alpha", "epsilon", "c", "M"),
        "f: the magnetic energy of an atomic moment in a magnetised material, counting the mean field of its "
        "magnetised surroundings, over the thermal energy (dimensionless). mom: the atom's magnetic moment "
        "(ampere square metres). H: the applied magnetic field (teslas). kb: Boltzmann's constant (joules per "
        "kelvin). T: the temperature (kelvin). alpha: the mean-field coefficient of the material "
        "(dimensionless). epsilon: the vacuum permittivity (farads per metre). c: the speed of light (metres per "
        "second). M: the magnetisation of the material (amperes per metre).",
        ((1, 3),) * 8, ((0.5, 5),) * 8,
        lambda mom, H, kb, T, alpha, epsilon, c, M: mom * (H + alpha * M / (epsilon * c * c)) / (kb * T),
    ),
    Equation(
        "II.37.1", "E_n = mom*(1+chi)*B", "E_n", ("mom", "B", "chi"),
        "E_n: the energy of a magnetic moment in a magnetisable material under an applied magnetic field "
        "(joules). mom: the magnetic moment (ampere square metres). B: the applied magnetic field strength "
        "(teslas). chi: the magnetic susceptibility of the material (dimensionless).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda mom, B, chi: mom * B + mom * B * chi,
    ),
    Equation(
        "II.38.3", "F = Y*A*x/d", "F", ("Y", "A", "d", "x"),
        "F: the force that stretches an elastic bar (newtons). Y: the Young's modulus of its material (pascals). "
        "A: its cross-sectional area (square metres). d: its unstretched length (metres). x: the extension "
        "(metres).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda Y, A, d, x: Y * A * (x / d),
    ),
    Equation(
        "II.38.14", "mu_S = Y/(2*(1+sigma))", "mu_S", ("Y", "sigma"),
        "mu_S: the shear modulus of an isotropic elastic material (pascals). Y: its Young's modulus (pascals). "
        "sigma: its Poisson ratio (dimensionless).",
        ((1, 5),) * 2, ((0.5, 10),) * 2,
        lambda Y, sigma: 0.5 * Y / (1 + sigma),
    ),
    # -- chapter III
    Equation(
        "III.4.32", "n = 1/(exp((h/(2*pi))*omega/(kb*T))-1)", "n", ("h", "omega", "kb", "T"),
        "n: the mean number of quanta (photons) in a mode of radiation in thermal equilibrium (dimensionless). "
        "h: Planck's constant (joule seconds). omega: the angular frequency of the mode (radians per second). "
        "kb: Boltzmann's constant (joules per kelvin). T: the temperature (kelvin).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda h, omega, kb, T: 1 / np.expm1(_hbar(h) * omega / (kb * T)),
    ),
    Equation(
        "III.7.38", "omega = 2*mom*B/(h/(2*pi))", "omega", ("mom", "B", "h"),
        "omega: the angular frequency of the precession of a spin-one-half particle's magnetic moment in a "
        "magnetic field, the frequency of transitions between its two states (radians per second). mom: its "
        "magnetic moment (ampere square metres). B: the magnetic field strength (teslas). h: Planck's constant "
        "(joule seconds).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda mom, B, h: 4 * np.pi * mom * B / h,
    ),
    Equation(
        "III.8.54", "prob = sin(E_n*t/(h/(2*pi)))**2", "prob", ("E_n", "t", "h"),
        "prob: the probability that a two-state quantum system started in one state is found in the other after "
        "time t (dimensionless). E_n: the coupling energy between the two states (joules). t: the time (seconds). "
        "h: Planck's constant (joule seconds).",
        ((1, 2), (1, 2), (1, 4)), ((0.5, 3), (0.5, 3), (0.5, 8)),
        lambda E_n, t, h: np.sin(E_n * t / _hbar(h)) ** 2,
    ),
    # As in FeynmanEquations.csv and SRBench, the prefactor is not squared. (omega-omega_0)*t/2 is zero where
    # omega = omega_0, inside the CSV's own in-domain box: a removable singularity (the ratio tends to 1), which
    # the ground truth removes with np.sinc, so it is finite everywhere.
    Equation(
        "III.9.52", "prob = (p_d*Ef*t/(h/(2*pi)))*sin((omega-omega_0)*t/2)**2/((omega-omega_0)*t/2)**2", "prob",
        ("p_d", "Ef", "t", "h", "omega", "omega_0"),
        "prob: the transition probability of a two-state quantum system with an electric dipole (a molecule) "
        "driven by an oscillating electric field, after time t (dimensionless). p_d: the dipole moment (coulomb "
        "metres). Ef: the amplitude of the field (volts per metre). t: the time (seconds). h: Planck's constant "
        "(joule seconds). omega: the angular frequency of the field (radians per second). omega_0: the resonant "
        "angular frequency of the transition (radians per second).",
        ((1, 3), (1, 3), (1, 3), (1, 3), (1, 5), (1, 5)),
        ((0.5, 5), (0.5, 5), (0.5, 5), (0.5, 5), (0.5, 10), (0.5, 10)),
        lambda p_d, Ef, t, h, omega, omega_0: (
            p_d * Ef * t / _hbar(h) * np.sinc((omega - omega_0) * t / (2 * np.pi)) ** 2
        ),
    ),
    Equation(
        "III.10.19", "E_n = mom*sqrt(Bx**2+By**2+Bz**2)", "E_n", ("mom", "Bx", "By", "Bz"),
        "E_n: the magnitude of the energy of either state of a spin-one-half magnetic moment in a magnetic field "
        "(joules). mom: the magnetic moment (ampere square metres). Bx, By, Bz: the Cartesian components of the "
        "magnetic field (teslas).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda mom, Bx, By, Bz: mom * np.sqrt(Bx * Bx + By * By + Bz * Bz),
    ),
    Equation(
        "III.12.43", "L = n*(h/(2*pi))", "L", ("n", "h"),
        "L: the angular momentum of a quantum state (joule seconds). n: its angular momentum quantum number "
        "(taken as continuous). h: Planck's constant (joule seconds).",
        ((1, 5),) * 2, ((0.5, 10),) * 2,
        lambda n, h: n * _hbar(h),
    ),
    Equation(
        "III.13.18", "v = 2*E_n*d**2*k/(h/(2*pi))", "v", ("E_n", "d", "k", "h"),
        "v: the group velocity of an electron wave of long wavelength travelling along a crystal lattice (metres "
        "per second). E_n: the coupling energy for the electron's hopping between neighbouring atoms (joules). "
        "d: the spacing of the lattice (metres). k: the wave number (radians per metre). h: Planck's constant "
        "(joule seconds).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda E_n, d, k, h: 4 * np.pi * E_n * d * d * k / h,
    ),
    Equation(
        "III.14.14", "I = I_0*(exp(q*Volt/(kb*T))-1)", "I", ("I_0", "q", "Volt", "kb", "T"),
        "I: the current through a semiconductor (p-n junction) diode (amperes). I_0: the diode's saturation "
        "current (amperes). q: the charge of an electron (coulombs). Volt: the voltage across the diode (volts). "
        "kb: Boltzmann's constant (joules per kelvin). T: the temperature (kelvin).",
        ((1, 5), (1, 2), (1, 2), (1, 2), (1, 2)), ((0.5, 10), (0.5, 3), (0.5, 3), (0.5, 3), (0.5, 3)),
        lambda I_0, q, Volt, kb, T: I_0 * np.expm1(q * Volt / (kb * T)),
    ),
    Equation(
        "III.15.12", "E_n = 2*U*(1-cos(k*d))", "E_n", ("U", "k", "d"),
        "E_n: the energy of an electron wave in a one-dimensional crystal lattice, measured from the bottom of "
        "its energy band (joules). U: the coupling energy for the electron's hopping between neighbouring atoms "
        "(joules). k: the wave number (radians per metre). d: the spacing of the lattice (metres).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda U, k, d: 4 * U * np.sin(k * d / 2) ** 2,
    ),
    Equation(
        "III.15.14", "m = (h/(2*pi))**2/(2*E_n*d**2)", "m", ("h", "E_n", "d"),
        "m: the effective mass of an electron near the bottom of an energy band of a crystal lattice "
        "(kilograms). h: Planck's constant (joule seconds). E_n: the coupling energy for the electron's hopping "
        "between neighbouring atoms (joules). d: the spacing of the lattice (metres).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda h, E_n, d: _hbar(h) ** 2 / (2 * E_n * d * d),
    ),
    Equation(
        "III.15.27", "k = 2*pi*alpha/(n*d)", "k", ("alpha", "n", "d"),
        "k: one of the allowed wave numbers of an electron in a closed ring of n atoms (radians per metre). "
        "alpha: the integer labelling the state (taken as continuous). n: the number of atoms (taken as "
        "continuous). d: the spacing of the atoms (metres).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda alpha, n, d: 2 * np.pi * alpha / n / d,
    ),
    Equation(
        "III.17.37", "f = beta*(1+alpha*cos(theta))", "f", ("beta", "alpha", "theta"),
        "f: the rate per unit solid angle at which the decay products of polarised particles come out at angle "
        "theta to the polarisation axis (per second per steradian). beta: the average rate per unit solid angle "
        "(per second per steradian). alpha: the asymmetry parameter of the decay (dimensionless). theta: the "
        "angle (radians).",
        ((1, 5),) * 3, ((0.5, 10),) * 3,
        lambda beta, alpha, theta: beta + alpha * beta * np.cos(theta),
    ),
    Equation(
        "III.19.51", "E_n = -m*q**4/(2*(4*pi*epsilon)**2*(h/(2*pi))**2)*(1/n**2)", "E_n",
        ("m", "q", "h", "n", "epsilon"),
        "E_n: the energy of a bound state of the electron in a hydrogen atom (joules). m: the mass of the "
        "electron (kilograms). q: its charge (coulombs). h: Planck's constant (joule seconds). n: the principal "
        "quantum number (taken as continuous). epsilon: the vacuum permittivity (farads per metre).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda m, q, h, n, epsilon: -m * q**4 / (8 * epsilon**2 * h**2 * n**2),
    ),
    Equation(
        "III.21.20", "j = -rho_c_0*q*A_vec/m", "j", ("rho_c_0", "q", "A_vec", "m"),
        "j: the electric current density in a superconductor due to a magnetic vector potential (amperes per "
        "square metre). rho_c_0: the number density of the superconducting charge carriers (per cubic metre). q: "
        "the charge of a carrier (coulombs). A_vec: the component of the vector potential along the current "
        "(tesla metres). m: the mass of a carrier (kilograms).",
        ((1, 5),) * 4, ((0.5, 10),) * 4,
        lambda rho_c_0, q, A_vec, m: -(rho_c_0 * q / m) * A_vec,
    ),
]

# BonusEquations.csv; its "# variables" miscounts test_12, test_13, test_18 and test_19 (one variable short).
_BONUS = [
    # theta stays below 2*pi out of domain, where sin(theta/2) vanishes.
    Equation(
        "test_1", "A = (Z_1*Z_2*alpha*hbar*c/(4*E_n*sin(theta/2)**2))**2", "A",
        ("Z_1", "Z_2", "alpha", "hbar", "c", "E_n", "theta"),
        "A: the differential cross-section for the scattering of a charged particle by an atomic nucleus "
        "(square metres per steradian). Z_1, Z_2: the charge numbers of the particle and of the nucleus "
        "(dimensionless). alpha: the fine-structure constant (dimensionless). hbar: the reduced Planck constant "
        "(joule seconds). c: the speed of light (metres per second). E_n: the kinetic energy of the particle "
        "(joules). theta: the scattering angle (radians).",
        ((1, 2), (1, 2), (1, 2), (1, 2), (1, 2), (1, 3), (1, 3)),
        ((0.5, 3), (0.5, 3), (0.5, 3), (0.5, 3), (0.5, 3), (0.5, 5), (0.5, 6)),
        lambda Z_1, Z_2, alpha, hbar, c, E_n, theta: (
            (Z_1 * Z_2 * alpha * hbar * c) ** 2 / (16 * E_n**2 * np.sin(theta / 2) ** 4)
        ),
    ),
    Equation(
        "test_2", "k = m*k_G/L**2*(1+sqrt(1+2*E_n*L**2/(m*k_G**2))*cos(theta1-theta2))", "k",
        ("m", "k_G", "L", "E_n", "theta1", "theta2"),
        "k: the reciprocal of the distance from the centre of force of a body orbiting in an attractive "
        "inverse-square force field, at polar angle theta1 (per metre). m: the mass of the body (kilograms). "
        "k_G: the strength of the force, the force times the square of the distance (newton square metres). "
        "L: the body's angular momentum (kilogram square metres per second). E_n: its total energy (joules). "
        "theta1: the polar angle of the body (radians). theta2: the polar angle of the orbit's point of closest "
        "approach (radians).",
        ((1, 3), (1, 3), (1, 3), (1, 3), (0, 6), (0, 6)),
        ((0.5, 5), (0.5, 5), (0.5, 5), (0.5, 5), (0, 12), (0, 12)),
        lambda m, k_G, L, E_n, theta1, theta2: (
            m * k_G / L**2 + np.sqrt((m * k_G / L**2) ** 2 + 2 * m * E_n / L**2) * np.cos(theta1 - theta2)
        ),
    ),
    # alpha*cos(theta1-theta2) must stay above -1: the angles widen only so far that their difference stays
    # below pi/2, where the cosine is positive, and then alpha can widen either way.
    Equation(
        "test_3", "r = d*(1-alpha**2)/(1+alpha*cos(theta1-theta2))", "r", ("d", "alpha", "theta1", "theta2"),
        "r: the radial coordinate of a body on a conic-section orbit about a centre of inverse-square force, at "
        "polar angle theta1 (metres). d: the semi-major axis of the orbit (metres). alpha: its eccentricity "
        "(dimensionless). theta1: the polar angle of the body (radians). theta2: the polar angle of the orbit's "
        "point of closest approach (radians).",
        ((1, 3), (2, 4), (4, 5), (4, 5)), ((0.5, 5), (1, 6), (3.8, 5.2), (3.8, 5.2)),
        lambda d, alpha, theta1, theta2: d * (1 - alpha) * (1 + alpha) / (1 + alpha * np.cos(theta2 - theta1)),
    ),
    # The root needs E_n > U + L**2/(2*m*r**2): E_n, m and r only widen up, U and L down.
    Equation(
        "test_4", "v = sqrt(2/m*(E_n-U-L**2/(2*m*r**2)))", "v", ("m", "E_n", "U", "L", "r"),
        "v: the radial speed of a body moving in a central force field (metres per second). m: its mass "
        "(kilograms). E_n: its total energy (joules). U: its potential energy at its present distance (joules). "
        "L: its angular momentum (kilogram square metres per second). r: its distance from the centre of force "
        "(metres).",
        ((1, 3), (8, 12), (1, 3), (1, 3), (1, 3)), ((1, 5), (8, 20), (0.5, 3), (0.5, 3), (1, 5)),
        lambda m, E_n, U, L, r: np.sqrt(2 * (E_n - U) / m - (L / (m * r)) ** 2),
    ),
    Equation(
        "test_5", "t = 2*pi*d**(3/2)/sqrt(G*(m1+m2))", "t", ("d", "G", "m1", "m2"),
        "t: the orbital period of two bodies orbiting each other under gravity (seconds). d: the semi-major axis "
        "of the orbit (metres). G: the gravitational constant (newton square metres per square kilogram). m1, "
        "m2: the masses of the two bodies (kilograms).",
        ((1, 3),) * 4, ((0.5, 5),) * 4,
        lambda d, G, m1, m2: 2 * np.pi * np.sqrt(d**3 / (G * (m1 + m2))),
    ),
    Equation(
        "test_6", "alpha = sqrt(1+2*epsilon**2*E_n*L**2/(m*(Z_1*Z_2*q**2)**2))", "alpha",
        ("epsilon", "L", "m", "Z_1", "Z_2", "q", "E_n"),
        "alpha: the eccentricity of the orbit of a charged particle moving in the Coulomb field of another "
        "charge (dimensionless). epsilon: the permittivity of the medium (farads per metre). L: the particle's "
        "angular momentum (kilogram square metres per second). m: its mass (kilograms). Z_1, Z_2: the charge "
        "numbers of the two charges (dimensionless). q: the elementary charge (coulombs). E_n: the particle's "
        "total energy (joules).",
        ((1, 3),) * 7, ((0.5, 5),) * 7,
        lambda epsilon, L, m, Z_1, Z_2, q, E_n: np.sqrt(1 + 2 * E_n * (epsilon * L / (Z_1 * Z_2 * q * q)) ** 2 / m),
    ),
    # The root needs 8*pi*G*rho/3 > alpha*c**2/d**2: G, rho and d only widen up, alpha and c down.
    Equation(
        "test_7", "H_G = sqrt(8*pi*G*rho/3-alpha*c**2/d**2)", "H_G", ("G", "rho", "alpha", "c", "d"),
        "H_G: the Hubble parameter, the relative expansion rate of a homogeneous universe (per second). G: the "
        "gravitational constant (newton square metres per square kilogram). rho: the mass density of the "
        "universe (kilograms per cubic metre). alpha: the curvature constant of space (dimensionless). c: the "
        "speed of light (metres per second). d: the scale factor of the universe (metres).",
        ((1, 3), (1, 3), (1, 2), (1, 2), (1, 3)), ((1, 5), (1, 5), (0.5, 2), (0.5, 2), (1, 5)),
        lambda G, rho, alpha, c, d: np.sqrt(8 / 3 * np.pi * G * rho - alpha * (c / d) ** 2),
    ),
    Equation(
        "test_8", "K = E_n/(1+E_n/(m*c**2)*(1-cos(theta)))", "K", ("E_n", "m", "c", "theta"),
        "K: the energy of a photon after it scatters off an electron at rest (joules). E_n: the photon's energy "
        "before (joules). m: the mass of the electron (kilograms). c: the speed of light (metres per second). "
        "theta: the scattering angle (radians).",
        ((1, 3),) * 4, ((0.5, 5),) * 4,
        lambda E_n, m, c, theta: E_n * m * c**2 / (m * c**2 + E_n * (1 - np.cos(theta))),
    ),
    Equation(
        "test_9", "Pwr = -32/5*G**4/c**5*(m1*m2)**2*(m1+m2)/r**5", "Pwr", ("G", "c", "m1", "m2", "r"),
        "Pwr: the rate of change of the orbital energy of two bodies orbiting each other on a circular orbit, "
        "as they radiate gravitational waves (watts). G: the gravitational constant (newton square metres per "
        "square kilogram). c: the speed of light (metres per second). m1, m2: the two masses (kilograms). r: "
        "their separation (metres).",
        ((1, 2), (1, 2), (1, 5), (1, 5), (1, 2)), ((0.5, 3), (0.5, 3), (0.5, 10), (0.5, 10), (0.5, 3)),
        lambda G, c, m1, m2, r: -6.4 * G**4 * m1**2 * m2**2 * (m1 + m2) / (c**5 * r**5),
    ),
    # The arccos argument stays within [-1, 1] while v < c; theta2 widens down only, staying inside (0, pi) where
    # the argument is strictly inside (-1, 1) (at 0 and pi it sits on the boundary, where rounding can cross it).
    Equation(
        "test_10", "theta1 = acos((cos(theta2)-v/c)/(1-v/c*cos(theta2)))", "theta1", ("c", "v", "theta2"),
        "theta1: the angle between a light ray and the direction of motion of an observer moving at speed v, as "
        "the observer sees it, under special relativity (radians). c: the speed of light (metres per second); "
        "v is always below c. v: the speed of the observer (metres per second). theta2: the same angle as seen "
        "in the rest frame (radians).",
        ((4, 6), (1, 3), (1, 3)), ((3.6, 10), (0.5, 3.5), (0.5, 3.1)),
        lambda c, v, theta2: np.arccos((c * np.cos(theta2) - v) / (c - v * np.cos(theta2))),
    ),
    # delta stays below 2*pi out of domain, where sin(delta/2) vanishes.
    Equation(
        "test_11", "I = I_0*(sin(alpha/2)*sin(n*delta/2)/(alpha/2*sin(delta/2)))**2", "I",
        ("I_0", "alpha", "delta", "n"),
        "I: the intensity of light diffracted in some direction by n identical, equally spaced slits (watts per "
        "square metre). I_0: the intensity a single slit sends straight ahead (watts per square metre). alpha: "
        "the phase difference, in that direction, between the light from the two edges of one slit (radians). "
        "delta: the phase difference between the light from neighbouring slits (radians). n: the number of "
        "slits (taken as continuous).",
        ((1, 3), (1, 3), (1, 3), (1, 2)), ((0.5, 5), (0.5, 5), (0.5, 6), (0.5, 3)),
        lambda I_0, alpha, delta, n: (
            I_0 * (2 * np.sin(alpha / 2) / alpha) ** 2 * (np.sin(n * delta / 2) / np.sin(delta / 2)) ** 2
        ),
    ),
    # y and d widen towards each other only so far that their boxes stay apart (y**2 - d**2 never vanishes).
    Equation(
        "test_12", "F = q/(4*pi*epsilon*y**2)*(4*pi*epsilon*Volt*d-q*d*y**3/(y**2-d**2)**2)", "F",
        ("q", "y", "Volt", "d", "epsilon"),
        "F: the force on a point charge near a conducting sphere held at a fixed potential (newtons). q: the "
        "charge (coulombs). y: the distance of the charge from the centre of the sphere (metres). Volt: the "
        "potential of the sphere (volts). d: the radius of the sphere (metres). epsilon: the permittivity of the "
        "medium (farads per metre).",
        ((1, 5), (1, 3), (1, 5), (4, 6), (1, 5)), ((0.5, 10), (0.5, 3.5), (0.5, 10), (3.6, 10), (0.5, 10)),
        lambda q, y, Volt, d, epsilon: (
            q * Volt * d / y**2 - q * q * d * y / (4 * np.pi * epsilon * (y - d) ** 2 * (y + d) ** 2)
        ),
    ),
    # r and d widen towards each other only so far that their boxes stay apart (the distance never vanishes).
    Equation(
        "test_13", "Volt = 1/(4*pi*epsilon)*q/sqrt(r**2+d**2-2*r*d*cos(alpha))", "Volt",
        ("q", "r", "d", "alpha", "epsilon"),
        "Volt: the electric potential of a point charge (volts). q: the charge (coulombs). r: the distance from "
        "the origin of the point where the potential is taken (metres). d: the distance of the charge from the "
        "origin (metres). alpha: the angle between the directions from the origin to the point and to the charge "
        "(radians). epsilon: the permittivity of the medium (farads per metre).",
        ((1, 5), (1, 3), (4, 6), (0, 6), (1, 5)), ((0.5, 10), (0.5, 3.5), (3.6, 10), (0, 12), (0.5, 10)),
        lambda q, r, d, alpha, epsilon: (
            q / (4 * np.pi * epsilon * np.sqrt((r - d) ** 2 + 4 * r * d * np.sin(alpha / 2) ** 2))
        ),
    ),
    Equation(
        "test_14", "Volt = Ef*cos(theta)*(-r+d**3/r**2*(alpha-1)/(alpha+2))", "Volt",
        ("Ef", "theta", "r", "d", "alpha"),
        "Volt: the electric potential outside a dielectric sphere placed in an initially uniform electric field "
        "(volts). Ef: the strength of the uniform field (volts per metre). theta: the angle between the field "
        "and the direction from the sphere's centre to the point (radians). r: the distance of the point from "
        "the centre (metres). d: the radius of the sphere (metres). alpha: the relative permittivity of the "
        "sphere's material (dimensionless).",
        ((1, 5), (0, 6), (1, 5), (1, 5), (1, 5)), ((0.5, 10), (0, 12), (0.5, 10), (0.5, 10), (0.5, 10)),
        lambda Ef, theta, r, d, alpha: Ef * np.cos(theta) * (d**3 * (alpha - 1) / (r**2 * (alpha + 2)) - r),
    ),
    # v and c widen towards each other only so far that v stays below c.
    Equation(
        "test_15", "omega_0 = sqrt(1-v**2/c**2)*omega/(1+v/c*cos(theta))", "omega_0", ("c", "v", "omega", "theta"),
        "omega_0: the angular frequency of a light wave in a frame moving at speed v relative to the frame where "
        "it has angular frequency omega, under special relativity (radians per second). c: the speed of light "
        "(metres per second); v is always below c. v: the speed of the moving frame (metres per second). omega: "
        "the angular frequency in the first frame (radians per second). theta: the angle, in the first frame, "
        "between the wave's direction and the velocity of the moving frame (radians).",
        ((5, 20), (1, 3), (1, 5), (0, 6)), ((4.5, 30), (0.5, 4), (0.5, 10), (0, 12)),
        lambda c, v, omega, theta: omega * np.sqrt((c - v) * (c + v)) / (c + v * np.cos(theta)),
    ),
    Equation(
        "test_16", "E_n = sqrt((p-q*A_vec)**2*c**2+m**2*c**4)+q*Volt", "E_n", ("m", "c", "p", "q", "A_vec", "Volt"),
        "E_n: the relativistic energy (the Hamiltonian) of a charged particle in an electromagnetic field "
        "(joules). m: its rest mass (kilograms). c: the speed of light (metres per second). p: its canonical "
        "momentum (kilogram metres per second). q: its charge (coulombs). A_vec: the magnetic vector potential "
        "along the momentum (tesla metres). Volt: the electric potential where the particle is (volts).",
        ((1, 5),) * 6, ((0.5, 10),) * 6,
        lambda m, c, p, q, A_vec, Volt: c * np.hypot(p - q * A_vec, m * c) + q * Volt,
    ),
    Equation(
        "test_17", "E_n = 1/(2*m)*(p**2+m**2*omega**2*x**2*(1+alpha*x/y))", "E_n",
        ("m", "omega", "p", "y", "x", "alpha"),
        "E_n: the energy (the Hamiltonian) of a slightly anharmonic oscillator (joules). m: its mass "
        "(kilograms). omega: its angular frequency for small oscillations (radians per second). p: its momentum "
        "(kilogram metres per second). y: the length scale of the anharmonicity (metres). x: its displacement "
        "(metres). alpha: the strength of the anharmonicity (dimensionless).",
        ((1, 5),) * 6, ((0.5, 10),) * 6,
        lambda m, omega, p, y, x, alpha: p**2 / (2 * m) + m * (omega * x) ** 2 * (y + alpha * x) / (2 * y),
    ),
    Equation(
        "test_18", "rho_0 = 3/(8*pi*G)*(c**2*k_f/r**2+H_G**2)", "rho_0", ("G", "k_f", "r", "H_G", "c"),
        "rho_0: the mass density of a homogeneous expanding universe (kilograms per cubic metre). G: the "
        "gravitational constant (newton square metres per square kilogram). k_f: the curvature constant of space "
        "(dimensionless). r: the scale factor of the universe (metres). H_G: the Hubble parameter (per second). "
        "c: the speed of light (metres per second).",
        ((1, 5),) * 5, ((0.5, 10),) * 5,
        lambda G, k_f, r, H_G, c: 3 * ((c / r) ** 2 * k_f + H_G**2) / (8 * np.pi * G),
    ),
    Equation(
        "test_19", "pr = -1/(8*pi*G)*(c**4*k_f/r**2+H_G**2*c**2*(1-2*alpha))", "pr",
        ("G", "k_f", "r", "H_G", "alpha", "c"),
        "pr: the pressure of the matter of a homogeneous expanding universe (pascals). G: the gravitational "
        "constant (newton square metres per square kilogram). k_f: the curvature constant of space "
        "(dimensionless). r: the scale factor of the universe (metres). H_G: the Hubble parameter (per second). "
        "alpha: the deceleration parameter (dimensionless). c: the speed of light (metres per second).",
        ((1, 5),) * 6, ((0.5, 10),) * 6,
        lambda G, k_f, r, H_G, alpha, c: -(c**2) * (c**2 * k_f / r**2 + H_G**2 * (1 - 2 * alpha)) / (8 * np.pi * G),
    ),
    Equation(
        "test_20",
        "A = 1/(4*pi)*alpha**2*h**2/(m**2*c**2)*(omega_0/omega)**2*(omega_0/omega+omega/omega_0-sin(beta)**2)",
        "A", ("omega", "omega_0", "alpha", "h", "m", "c", "beta"),
        "A: the differential cross-section for the scattering of a photon by a free electron (square metres per "
        "steradian). omega: the angular frequency of the incoming photon (radians per second). omega_0: that of "
        "the scattered photon (radians per second). alpha: the fine-structure constant (dimensionless). h: "
        "Planck's constant (joule seconds). m: the mass of the electron (kilograms). c: the speed of light "
        "(metres per second). beta: the scattering angle (radians).",
        ((1, 5), (1, 5), (1, 5), (1, 5), (1, 5), (1, 5), (0, 6)),
        ((0.5, 10),) * 6 + ((0, 12),),
        lambda omega, omega_0, alpha, h, m, c, beta: (
            (alpha * h * omega_0 / (m * c * omega)) ** 2 / (4 * np.pi)
            * (omega_0 / omega + omega / omega_0 - np.sin(beta) ** 2)
        ),
    ),
]

_EQUATIONS: list[Equation] = _FEYNMAN + _BONUS

HOLDOUT: dict[str, Equation] = {eq.name: eq for eq in _EQUATIONS}

BONUS: frozenset[str] = frozenset(eq.name for eq in _BONUS)
