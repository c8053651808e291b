"""The bonus equations of the AI Feynman collection, from other textbooks (see
:mod:`problems.symbolic.feynman_holdout`).

BonusEquations.csv; its "# variables" miscounts test_12, test_13, test_18 and test_19 (one variable short)."""

from __future__ import annotations

import numpy as np

from problems.symbolic.feynman import Equation

EQUATIONS: list[Equation] = [
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
