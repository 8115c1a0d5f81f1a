#!/usr/bin/env python3
"""Independent 0-D reference for the phase-field engine (physics spec §3.2, §8, §9, T1, T2).

Landau constants from numpy polynomial roots; the single-cell TDGL loop
p <- p - (dt*/|a1|) (f'(p) - cos(theta) E1), E1 = -V/h, P_loop = -p cos(theta), on the spec's
400-point protocol; loop features by the spec's fixed-index rules (§9), written separately from
ferrolab's general feature code. Regenerate with
    python3 tests/oracles/zero_d_reference.py > tests/oracles/zero_d_reference.txt
"""
import numpy as np

A1, A11, A111 = -7.79e8, 1.15e10, -2.51e10
PRESETS = {"paper": (A1, A11, A111, 0.0), "stabilized": (A1, A11, A111, 5.0e10),
           "sign_flipped": (A1, A11, -A111, 0.0)}
H = 10e-9


def smallest_positive_real(coeffs_low_to_high):
    roots = np.roots(coeffs_low_to_high[::-1])
    real = sorted(r.real for r in roots if abs(r.imag) < 1e-12 * max(1, abs(r)) and r.real > 0)
    return real[0]


def landau(a1, a11, a111, a1111):
    f = lambda p: a1 * p**2 + a11 * p**4 + a111 * p**6 + a1111 * p**8
    df = lambda p: 2 * a1 * p + 4 * a11 * p**3 + 6 * a111 * p**5 + 8 * a1111 * p**7
    d2f = lambda p: 2 * a1 + 12 * a11 * p**2 + 30 * a111 * p**4 + 56 * a1111 * p**6
    x0 = smallest_positive_real([a1, 2 * a11, 3 * a111, 4 * a1111])
    xc = smallest_positive_real([a1, 6 * a11, 15 * a111, 28 * a1111])
    p0, pc = np.sqrt(x0), np.sqrt(xc)
    return dict(p0=p0, f_p0=f(p0), p_c=pc, ec_int=abs(df(pc)), d2f_p0=d2f(p0)), df


def protocol(n_pts=400, v_max=4.0):
    dv = 4 * v_max / n_pts
    half = n_pts // 2
    return [-v_max + k * dv if k <= half else v_max - (k - half) * dv for k in range(n_pts)]


def zero_d_loop(theta, dt_star=0.06, n_hold=50):
    _, df = landau(*PRESETS["paper"])
    const = landau(*PRESETS["paper"])[0]
    c = np.cos(theta)
    p = const["p0"] * (1.0 if c >= 0 else -1.0)
    volts, pol = protocol(), []
    for v in volts:
        e1 = -v / H
        for _ in range(n_hold):
            p = p - (dt_star / abs(A1)) * (df(p) - c * e1)
        pol.append(-p * c)
    return np.array(volts), np.array(pol)


def features(v, p):
    """Spec §9 on the 400-point protocol: up k = 0..200, down k = 200..399 then 0."""
    up_v, up_p = v[:201], p[:201]
    down_v, down_p = np.append(v[200:], v[0]), np.append(p[200:], p[0])

    def crossing(bv, bp, rising):
        idx = [k for k in range(len(bp) - 1)
               if (bp[k] < 0 <= bp[k + 1] if rising else bp[k] > 0 >= bp[k + 1])]
        k = idx[-1]
        t = bp[k] / (bp[k] - bp[k + 1])
        return bv[k] + t * (bv[k + 1] - bv[k])

    vc_up, vc_down = crossing(up_v, up_p, True), crossing(down_v, down_p, False)
    ec = (vc_up - vc_down) / (2 * H) * 1e-8
    pr = (p[300] - p[100]) / 2
    ps = (p[200] - p[0]) / 2
    area = abs(0.5 * sum(v[k] * p[(k + 1) % 400] - v[(k + 1) % 400] * p[k] for k in range(400)))
    return dict(ec=ec, pr=pr, ps=ps, area=area, imprint=(vc_up + vc_down) / 2,
                offset=(p[300] + p[100]) / 2)


def main():
    for name, coeffs in PRESETS.items():
        for key, value in landau(*coeffs)[0].items():
            print(f"{name}.{key} = {float(value)!r}")
    for label, theta in (("t2.theta0", 0.0), ("t2.theta054", 0.54)):
        v, p = zero_d_loop(theta)
        for key, value in features(v, p).items():
            print(f"{label}.{key} = {float(value)!r}")
        if theta == 0.0:
            print(f"{label}.p_at_k100 = {float(p[100])!r}")
            print(f"{label}.p_at_k250 = {float(p[250])!r}")
    v, p = zero_d_loop(0.0, dt_star=0.03, n_hold=100)
    print(f"t2.theta0_half_dt.ec = {float(features(v, p)['ec'])!r}")
    v, p = zero_d_loop(0.0, n_hold=800)
    print(f"t2.theta0_slow.ec = {float(features(v, p)['ec'])!r}")


if __name__ == "__main__":
    main()
