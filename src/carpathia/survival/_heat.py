"""Heat-balance kernels of the land cold-exposure model (numba).

:func:`core_step` advances one person's core temperature by one explicit Euler step; it is a
scalar ``@njit`` function so that other kernels (the motion model's per-agent cold state) can
call it inside their own loops. :func:`integrate` runs it over time for a few parameter
scenarios (:func:`carpathia.survival.predict_cold_survival`); :func:`step_agents` runs one step
for arrays of agents. Kernels see only floats and arrays: unpack :class:`HeatParameters` first.

Units: temperatures in °C, heat flows in W per m² of body surface (DuBois area), insulations
in m²·K/W, speeds in m/s, time in seconds, energies in J/m².

References
----------
Tikuisis, P. (1995). Predicting survival time for cold exposure. Int. J. Biometeorol. 39:94–102.
Tikuisis, P., Giesbrecht, G. G. (1999). Eur. J. Appl. Physiol. 79:221–229 (shivering).
Gagge, A. P., Fobelets, A. P., Berglund, L. G. (1986). ASHRAE Trans. 92(2B):709–731 (h_c).
Holmér, I., Nilsson, H., Havenith, G., Parsons, K. (1999). Clothing convective heat exchange:
proposal for improved prediction in standards and models. Ann. Occup. Hyg. 43:329–337; ISO 9920.
ISO 7730:2005 (respiratory heat loss). Fanger, P. O. (1970). Thermal Comfort (radiating area).
Stolwijk, J. A. J., Hardy, J. D. (1966). Partitional calorimetric studies of responses of man to
thermal transients. J. Appl. Physiol. 21:967–977 (mean body temperature weights).
DuBois, D., DuBois, E. F. (1916). A formula to estimate the approximate surface area if height and
weight be known. Arch. Intern. Med. 17:863–871.
Gagge, A. P., Nishi, Y. (1977). Heat exchange between human skin surface and thermal environment.
Handbook of Physiology, section 9 (tissue specific heat).
Alduchov, O. A., Eskridge, R. E. (1996). Improved Magnus form approximation of saturation vapor
pressure. J. Appl. Meteorol. 35:601–609.
Brown, D. J. A., Brugger, H., Boyd, J., Paal, P. (2012). Accidental hypothermia. N. Engl. J. Med.
367:1930–1938 (shivering stops in moderate hypothermia).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

__all__ = [
    "CLO_M2K_W",
    "CORE_LETHAL_C",
    "CORE_START_C",
    "MET_W_M2",
    "HeatParameters",
    "body_heat_capacity",
    "core_step",
    "dubois_area",
    "integrate",
    "step_agents",
]

#: One clo in m²·K/W (Gagge, Burton & Bazett 1941; ISO 9920:2007).
CLO_M2K_W = 0.155
#: One met in W/m² (ASHRAE Handbook of Fundamentals, ch. 9: 1 met = 58.1 W/m²).
MET_W_M2 = 58.1
#: Core temperature at the start of an exposure, °C (normothermia).
CORE_START_C = 37.0
#: Core temperature that ends survival in Tikuisis (1995), °C.
CORE_LETHAL_C = 30.0

_SIGMA = 5.670374419e-8  # Stefan-Boltzmann constant, W m⁻² K⁻⁴ (CODATA 2018)
_EMISSIVITY = 0.95  # skin and clothing in the thermal infrared (typical 0.95–0.97; ISO 9920:2007)
_RADIATING_FRACTION = 0.72  # effective radiating area / DuBois area (Fanger 1970: 0.70 seated, 0.73 standing)
_TISSUE_HEAT_J_KG_K = 3490.0  # specific heat of the body (Gagge & Nishi 1977: 0.97 W·h kg⁻¹ K⁻¹)
# Mean body temperature = a·core + (1 − a)·skin; a = 0.67 in the cold (Stolwijk & Hardy 1966).
_CORE_WEIGHT = 0.67
_HC_NATURAL = 3.0  # W/m²/K, still air (Gagge, Fobelets & Berglund 1986, two-node model)
_HC_FORCED = 8.6  # h_c = 8.6 v^0.53 in wind (Gagge, Fobelets & Berglund 1986)
# Clothing and its boundary air layer in wind and walking: ISO 11079:2007 (Annex B), the
# resultant total insulation I_T,r = corr · (I_cl + I_a / f_cl), corr = 0.54 exp(−0.15 v − 0.22 w)
# p^0.075 − 0.06 ln p + 0.5, static air layer I_a = 0.085 m²K/W, f_cl = 1 + 1.97 I_cl, for relative
# air speed 0.4 ≤ v ≤ 18 m/s and walking 0 ≤ w ≤ 1.2 m/s (held at those limits outside).
# Its permeability term is for windproof to open outer fabrics: carpathia takes p = 8 l/(m²·s),
# the value of ISO 11079's worked examples (Annex F, Table F.1), a windproof outer layer.
_CORR_V_MIN, _CORR_V_MAX, _CORR_W_MAX = 0.4, 18.0, 1.2
_STATIC_AIR = 0.085  # m²K/W, ISO 11079 I_a
_FCL_PER_M2KW = 1.97  # ISO 11079: f_cl = 1 + 1.97 I_cl (I_cl in m²K/W)
AIR_PERMEABILITY = 8.0  # l/(m²·s), see above
_RH = 0.8  # relative humidity for the respiratory term: carpathia's assumption (humid mountain air)
# Shivering (Tikuisis & Giesbrecht 1999): [155.5 (37 − Tc) + 47.0 (33 − Tsk) − 1.57 (33 − Tsk)²] / √BF.
# The skin term peaks at Tsk = 33 − 47.0 / (2 × 1.57) ≈ 18.0 °C and falls again below; carpathia
# holds it at its peak for colder skin, so that a colder skin never lowers the drive (an assumption).
_SHIVER_CORE, _SHIVER_SKIN, _SHIVER_SKIN2 = 155.5, 47.0, 1.57
_SKIN_AT_PEAK = 33.0 - _SHIVER_SKIN / (2.0 * _SHIVER_SKIN2)
# Shivering fades linearly from 32 °C core to nothing at 30 °C: shivering stops in moderate
# hypothermia, 28–32 °C (Brown et al. 2012, NEJM 367:1930, Swiss staging). The straight line is
# carpathia's assumption.
_SHIVER_FADE_FROM_C = 32.0


@dataclass(frozen=True)
class HeatParameters:
    """Physiological parameters of the cold model; the defaults are fitted (see ``cold`` module).

    Attributes
    ----------
    tissue_insulation
        Insulation of the vasoconstricted shell (fat, muscle, skin), m²·K/W.
    shiver_peak
        Largest shivering heat production while the shivering reserve is full, W/m².
    shiver_sustained
        Shivering that can be kept up indefinitely, W/m².
    shiver_reserve
        Energy of shivering above ``shiver_sustained`` available before fatigue, J/m².

    Body fat, which divides the shivering drive, belongs to the subject
    (:class:`carpathia.survival.Body`).
    """

    tissue_insulation: float
    shiver_peak: float
    shiver_sustained: float
    shiver_reserve: float


def dubois_area(mass_kg: float, height_m: float) -> float:
    """Body surface area, m²: 0.007184 · W^0.425 · H^0.725 (DuBois & DuBois 1916; W kg, H cm)."""
    return 0.007184 * mass_kg**0.425 * (100.0 * height_m) ** 0.725


def body_heat_capacity(mass_kg: float, height_m: float) -> float:
    """Heat capacity of the whole body per m² of DuBois area, J/(m²·K)."""
    return mass_kg * _TISSUE_HEAT_J_KG_K / dubois_area(mass_kg, height_m)


@njit(cache=True, nogil=True)
def _clothing_wind_factor(v: float, w: float) -> float:
    """ISO 11079's correction of total insulation for air speed ``v`` and walking ``w`` (m/s)."""
    v = min(max(v, _CORR_V_MIN), _CORR_V_MAX)
    w = min(max(w, 0.0), _CORR_W_MAX)
    p = AIR_PERMEABILITY
    return min(0.54 * math.exp(-0.15 * v - 0.22 * w) * p**0.075 - 0.06 * math.log(p) + 0.5, 1.0)


@njit(cache=True, nogil=True)
def resultant_insulation(clo: float, v: float, w: float) -> float:
    """ISO 11079 resultant total insulation of clothing and its air layer, m²K/W (see module)."""
    i_cl = CLO_M2K_W * clo
    return _clothing_wind_factor(v, w) * (i_cl + _STATIC_AIR / (1.0 + _FCL_PER_M2KW * i_cl))


@njit(cache=True, nogil=True)
def core_step(
    core: float,
    reserve: float,
    surface: float,
    air_c: float,
    wind_ms: float,
    clo: float,
    met_w_m2: float,
    walk_ms: float,
    capacity: float,
    tissue_insulation: float,
    shiver_peak: float,
    shiver_sustained: float,
    shiver_reserve: float,
    body_fat_pct: float,
    dt_s: float,
) -> tuple[float, float, float, float]:
    """Advance core temperature and shivering reserve by one explicit Euler step.

    Parameters
    ----------
    core, reserve, surface
        State: core temperature (°C), shivering reserve left (J/m²), outer surface temperature
        of the previous step (°C, only for the radiative coefficient; start it at the air's).
    air_c, wind_ms
        Air temperature (°C) and air speed at the body (m/s, after any shelter; walking adds
        its speed).
    clo, met_w_m2, walk_ms
        Effective clothing insulation (clo, wetness already applied), activity metabolism (W/m²)
        and walking speed (m/s).
    capacity
        Whole-body heat capacity per m² (J/(m²·K)), :func:`body_heat_capacity`.
    tissue_insulation, shiver_peak, shiver_sustained, shiver_reserve
        The fields of :class:`HeatParameters`.
    body_fat_pct
        Body fat, per cent (divides the shivering drive, Tikuisis & Giesbrecht 1999).
    dt_s
        Time step, seconds (the tests hold 300 s within 1 % of 60 s).

    Returns
    -------
    core, reserve, surface, skin : float
        The new state and this step's mean skin temperature (°C).

    Notes
    -----
    Heat balance of one core node whose shell follows in quasi-steady state, as in Tikuisis's
    single-cylinder model (steady conduction through the shells, Tikuisis 1995):

    - dry heat loss ``Q = (Tc − Ta) / (R_t + I_T,r)``, with tissue insulation ``R_t`` and the
      resultant total insulation of clothing and boundary air ``I_T,r`` of ISO 11079:2007
      (:func:`resultant_insulation`: intrinsic clothing ``0.155 · clo`` plus the static air layer,
      reduced for wind, walking and the fabric's air permeability); a negative ``wind_ms``
      means immersion with ``h_c = −wind_ms`` (clothing at its dry value plus
      ``1 / (f_cl (h_c + h_r))``); ``h_r = 4 ε σ 0.72 T̄³`` at the mean of surface and air
      temperatures sets the outer surface temperature;
    - skin temperature ``Tsk = Tc − Q · R_t``;
    - respiratory loss ``0.0014 M (34 − Ta) + 0.0173 M (5.87 − p_a)`` (ISO 7730, p_a in kPa);
    - metabolism ``M = M_activity + S``, shivering ``S`` from Tikuisis & Giesbrecht (1999), capped
      by ``S_sus + (S_peak − S_sus) · reserve / reserve₀`` and faded out between 32 and 30 °C core;
      shivering above ``S_sus`` drains the reserve (a critical-power picture of fatigue:
      carpathia's assumption, after Tikuisis 1995's "endurance time for shivering");
    - ``dTc/dt = (M − Q − respiration) / (C · (a + (1 − a) β))`` with the body's heat capacity
      ``C``, ``a = 0.67`` and ``β = dTsk/dTc = R_out / (R_t + R_out)``: the shell cools with the
      core, more so under more insulation.

    The model only cools: where the balance is positive the core stays at 37 °C (no sweating or
    vasodilation). About 50 floating-point operations and two exponentials per call.
    """
    fcl = 1.0 + _FCL_PER_M2KW * CLO_M2K_W * clo
    mean_k = 0.5 * (surface + air_c) + 273.15
    h_r = 4.0 * _EMISSIVITY * _SIGMA * _RADIATING_FRACTION * mean_k * mean_k * mean_k
    if wind_ms < 0.0:  # immersed: −wind_ms is the water's convective coefficient, W/m²/K
        r_a = 1.0 / (fcl * (-wind_ms + h_r))
        r_out = CLO_M2K_W * clo + r_a
    else:
        h_c = max(_HC_NATURAL, _HC_FORCED * wind_ms**0.53)
        r_a = 1.0 / (fcl * (h_c + h_r))
        r_out = resultant_insulation(clo, wind_ms, walk_ms)
    q_dry = (core - air_c) / (tissue_insulation + r_out)
    skin = core - q_dry * tissue_insulation
    surface = air_c + q_dry * r_a

    sk = 33.0 - max(skin, _SKIN_AT_PEAK)
    drive = (_SHIVER_CORE * (37.0 - core) + _SHIVER_SKIN * sk - _SHIVER_SKIN2 * sk * sk) / math.sqrt(body_fat_pct)
    cap = shiver_sustained + (shiver_peak - shiver_sustained) * (reserve / shiver_reserve)
    fade = min(max((core - CORE_LETHAL_C) / (_SHIVER_FADE_FROM_C - CORE_LETHAL_C), 0.0), 1.0)
    shiver = min(max(drive, 0.0), cap) * fade
    reserve = max(reserve - max(shiver - shiver_sustained, 0.0) * dt_s, 0.0)

    m = met_w_m2 + shiver
    p_a = _RH * 0.61094 * math.exp(17.625 * air_c / (air_c + 243.04))  # Alduchov & Eskridge 1996, kPa
    q_res = 0.0014 * m * (34.0 - air_c) + 0.0173 * m * (5.87 - p_a)
    beta = r_out / (tissue_insulation + r_out)
    c_eff = capacity * (_CORE_WEIGHT + (1.0 - _CORE_WEIGHT) * beta)
    core = min(core + (m - q_dry - q_res) / c_eff * dt_s, CORE_START_C)
    return core, reserve, surface, skin


@njit(cache=True, nogil=True)
def integrate(
    air_c,
    wind_ms,
    clo,
    tissue_insulation,
    shiver_peak,
    shiver_reserve,
    shiver_sustained,
    body_fat_pct,
    met_w_m2,
    walk_ms,
    capacity,
    dt_s,
):
    """Run :func:`core_step` over time for k parameter scenarios.

    Parameters
    ----------
    air_c, wind_ms
        float64 arrays (n,): air temperature (°C) and air speed at the body (m/s) per step.
    clo, tissue_insulation, shiver_peak, shiver_reserve
        float64 arrays (k,): per-scenario clothing and parameters.
    shiver_sustained, body_fat_pct, met_w_m2, walk_ms, capacity, dt_s
        Floats shared by the scenarios.

    Returns
    -------
    hit : float64 array (k,)
        Hours to 30 °C core (linear between steps), ``inf`` if not reached in n steps.
    trace : float64 array (m + 1, k)
        Core temperature at every step until all scenarios reached 30 °C (m ≤ n), floored at
        30 °C (the model's end point).
    """
    n, k = air_c.shape[0], clo.shape[0]
    trace = np.empty((n + 1, k))
    hit = np.full(k, np.inf)
    for j in range(k):
        core, reserve, surface = CORE_START_C, shiver_reserve[j], air_c[0]
        trace[0, j] = core
        for i in range(n):
            prev = core
            core, reserve, surface, _ = core_step(
                core,
                reserve,
                surface,
                air_c[i],
                wind_ms[i],
                clo[j],
                met_w_m2,
                walk_ms,
                capacity,
                tissue_insulation[j],
                shiver_peak[j],
                shiver_sustained,
                shiver_reserve[j],
                body_fat_pct,
                dt_s,
            )
            trace[i + 1, j] = max(core, CORE_LETHAL_C)
            if core <= CORE_LETHAL_C and math.isinf(hit[j]):
                frac = (prev - CORE_LETHAL_C) / max(prev - core, 1e-12)
                hit[j] = (i + frac) * dt_s / 3600.0
                for r in range(i + 2, n + 1):
                    trace[r, j] = CORE_LETHAL_C
                break
    last = n
    if np.all(np.isfinite(hit)):
        last = int(np.ceil(np.max(hit) * 3600.0 / dt_s))
    return hit, trace[: min(last, n) + 1]


@njit(cache=True, nogil=True)
def step_agents(
    core,
    reserve,
    surface,
    air_c,
    wind_ms,
    clo,
    met_w_m2,
    walk_ms,
    capacity,
    tissue_insulation,
    shiver_peak,
    shiver_sustained,
    shiver_reserve,
    body_fat_pct,
    dt_s,
):
    """One :func:`core_step` for every agent, in place on ``core``, ``reserve`` and ``surface``.

    The state and the per-agent inputs (``air_c``, ``wind_ms``, ``clo``, ``met_w_m2``,
    ``walk_ms``) are float64 arrays of one length; the rest are floats. Returns the skin
    temperatures (°C).
    """
    skin = np.empty_like(core)
    for a in range(core.shape[0]):
        core[a], reserve[a], surface[a], skin[a] = core_step(
            core[a],
            reserve[a],
            surface[a],
            air_c[a],
            wind_ms[a],
            clo[a],
            met_w_m2[a],
            walk_ms[a],
            capacity,
            tissue_insulation,
            shiver_peak,
            shiver_sustained,
            shiver_reserve,
            body_fat_pct,
            dt_s,
        )
    return skin
