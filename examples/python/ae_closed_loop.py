"""Paper 003's automated experiment from Python, closed against the simulated microscope at toy
size: generate a 24 x 24 sample with one planted anomaly, seed a grid of measurements, then for a
few rounds train the ensemble (with a progress callback), rank where to measure next, "measure"
the picks from the sample and log how surprising each was. Finally save the session to a
directory, load it back and check it ranks the same.

    python examples/python/ae_closed_loop.py [OUT_DIR]

The same loop as examples/c/ae_closed_loop.c, so both print the same picks. The paper's sizes
(60 x 60 image, 8-px window, 5 members of 64 filters, 250 epochs) are what
`ferrolab.AeSession(image, voltage)` and `ferrolab.sample_generate()` give.
"""
import sys
import tempfile
from pathlib import Path

import numpy as np

import ferrolab

MEMBERS, PICKS, ROUNDS = 2, 4, 3


def update(ae, round_):
    """Train the ensemble, printing each member as the progress callback first sees it (timing
    decides which are seen), then the final state."""
    # Until the update begins, the progress is still the previous update's end: not shown.
    before = ae.progress_info()[:3]
    shown = set()

    def report(p):
        if p[:3] != before and p.stage not in shown:
            print(f"  ... training member {p.stage}: epoch {p.done} of {p.total}")
            shown.add(p.stage)

    ae.update(progress=report, interval=0.02)
    p = ae.progress_info()
    print(f"update {round_}: member {p.stage} of {MEMBERS} ended at epoch {p.done} of {p.total}, "
          f"training loss {p.last_loss:.6f}")


def main(out):
    sample = ferrolab.sample_generate(rows=24, cols=24, steps=16, split_col=12, anomaly_count=1,
                                      anomaly_window_px=4, seed=5)
    rows, cols, steps = sample.loops.shape
    print(f"sample: {rows} x {cols} px, {steps}-point loops over "
          f"{sample.voltage.min():.1f}..{sample.voltage.max():.1f} V")
    planted = np.argwhere(sample.anomaly)
    if len(planted):
        r, c = planted.mean(axis=0)
        print(f"planted anomaly: {len(planted)} px around ({r:.1f}, {c:.1f})")

    # 2 members of 8 filters, 100 epochs from scratch then 20 per update, at a learning rate that
    # trains on a few dozen spectra in that time; picks at least 3 px apart.
    ae = ferrolab.AeSession(sample.image, sample.voltage, window_px=4, ensemble_size=MEMBERS,
                            epochs_initial=100, epochs_update=20, seed=1, exclusion_radius_px=3.0,
                            im2spec__filters=8, im2spec__learning_rate=1e-2)

    # Seed: a 4 x 4 grid where the window fits; no model yet, so no surprise (NaN).
    grid_r, grid_c = np.meshgrid(3 + 6 * np.arange(4), 3 + 6 * np.arange(4), indexing="ij")
    seed_rows, seed_cols = grid_r.ravel(), grid_c.ravel()
    surprise = ae.add_measurements(seed_rows, seed_cols, sample.loops[seed_rows, seed_cols])
    assert np.isnan(surprise).all()
    print(f"seeded {len(seed_rows)} measurements on a 4 x 4 grid")

    log = []  # (surprise, row, col) of every pick
    for round_ in range(1, ROUNDS + 1):
        update(ae, round_)
        ranking = ae.rank(PICKS)
        surprise = ae.add_measurements(ranking.rows, ranking.cols, sample.loops[ranking.rows, ranking.cols])
        for r, c, score, s in zip(ranking.rows, ranking.cols, ranking.scores, surprise):
            mark = "  (planted anomaly)" if sample.anomaly[r, c] else ""
            print(f"  pick ({r:2d}, {c:2d})  score {score:.6f}  surprise {s:.6f}{mark}")
            log.append((s, r, c))
    s, r, c = max(log, key=lambda entry: entry[0])
    where = "inside" if sample.anomaly[r, c] else "outside"
    print(f"most surprising: ({r}, {c}), surprise {s:.6f}, {where} the planted anomaly")

    # Train on the last picks too, then save, load and rank again: the same picks and scores.
    update(ae, ROUNDS + 1)
    ranking = ae.rank(PICKS)
    print("next picks:" + "".join(f" ({r}, {c})" for r, c in zip(ranking.rows, ranking.cols)))
    directory = Path(out) / "ae_closed_loop_session"
    ae.save(directory)
    again = ferrolab.AeSession.load(directory)
    ranked_again = again.rank(PICKS)
    same = all(np.array_equal(a, b) for a, b in zip(ranking[:3], ranked_again[:3]))
    print(f"saved {again.n_measurements} measurements to {directory.name}/; "
          f"reloaded session ranks identically: {'yes' if same else 'no'}")
    again.close()
    ae.close()
    return same


if __name__ == "__main__":
    if len(sys.argv) > 1:
        ok = main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as d:
            ok = main(d)
    sys.exit(0 if ok else 1)
