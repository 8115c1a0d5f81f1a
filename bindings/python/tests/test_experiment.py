"""Paper 003's automated experiment from Python at a tiny size (16 x 16 image, window 4, 2
members, 2 epochs): the closed loop against the simulated sample, im2spec and spec2im round
trips, save / load, cancellation, and shapes refused before C is called."""
import threading

import numpy as np
import pytest

import ferrolab

H = W = L = 16
WIN, K = 4, 4
TINY = dict(ae__window_px=WIN, ae__ensemble_size=2, ae__epochs_initial=2, ae__epochs_update=2,
            ae__exclusion_radius_px=2.0, im2spec__filters=4, im2spec__latent=2, im2spec__epochs=2,
            spec2im__filters=4, spec2im__latent=2, spec2im__epochs=2)
NETWORK = dict(filters=4, latent=2, epochs=2)


@pytest.fixture(scope="module")
def sample():
    return ferrolab.sample_generate(rows=H, cols=W, steps=L, split_col=4, anomaly_count=1, seed=3)


def _patch(image, r, c):
    return image[r - WIN // 2:r + WIN // 2, c - WIN // 2:c + WIN // 2]


def _nrms(yhat, y):
    return np.sqrt(np.sum((yhat - y) ** 2) / np.sum((yhat + y) ** 2))


def _cancel_then_resume(obj, run):
    """Run `run()` on a thread, cancel it at once (it may already have finished), then run it to
    the end: a cancelled job continues where it stopped."""
    outcome = {}

    def work():
        try:
            run()
        except ferrolab.CancelledError as err:
            outcome["error"] = err

    worker = threading.Thread(target=work)
    worker.start()
    obj.request_cancel()
    worker.join()
    run()
    return outcome


def test_sample_generate(sample):
    assert sample.image.shape == (H, W) and sample.loops.shape == (H, W, L) and sample.voltage.shape == (L,)
    assert sample.anomaly.shape == (H, W) and sample.anomaly.dtype == bool and sample.anomaly.any()
    assert sample.voltage[L // 4] > sample.voltage[0]
    again = ferrolab.sample_generate(rows=H, cols=W, steps=L, split_col=4, anomaly_count=1, seed=3)
    assert np.array_equal(again.loops, sample.loops) and np.array_equal(again.image, sample.image)


def test_closed_loop(sample, tmp_path):
    ae = ferrolab.AeSession(sample.image, sample.voltage, **TINY)
    assert ae.shape() == (H, W, L, 2, 0, False)
    with pytest.raises(ferrolab.ArgumentError, match="update"):
        ae.rank(K)

    seed_rows = np.array([3 + 4 * (k // 3) for k in range(9)])
    seed_cols = np.array([3 + 4 * (k % 3) for k in range(9)])
    surprise = ae.add_measurements(seed_rows, seed_cols, sample.loops[seed_rows, seed_cols])
    assert surprise.shape == (9,) and np.isnan(surprise).all()
    seen = []
    ae.update(progress=seen.append, interval=0.001)
    p = ae.progress_info()
    assert (p.stage, p.done, p.total) == (2, 2, 2) and np.isfinite(p.last_loss)
    assert all(isinstance(s, ferrolab.Progress) for s in seen)

    ranking = ae.rank(K)
    rows, cols, scores, pred, pred_std = ranking
    assert rows.shape == cols.shape == scores.shape == (K,) and pred.shape == pred_std.shape == (K, L)
    assert rows.dtype == np.int64 and np.all(np.diff(scores) <= 0) and np.isfinite(pred).all()
    assert (pred_std >= 0).all()
    assert not set(zip(rows, cols)) & set(zip(seed_rows, seed_cols))
    assert ((rows >= WIN // 2) & (rows <= H - WIN // 2) & (cols >= WIN // 2) & (cols <= W - WIN // 2)).all()

    measured = sample.loops[rows, cols]
    surprise = ae.add_measurements(rows, cols, measured)
    np.testing.assert_allclose(surprise, [_nrms(pred[k], measured[k]) for k in range(K)], rtol=1e-9)
    ae.update()
    ranking = ae.rank(K)

    maps = ae.maps()
    assert maps.score.shape == maps.err_nrms.shape == maps.err_mse.shape == maps.err_area.shape == (H, W)
    assert maps.latent.shape == (H, W, 2)
    assert (~np.isnan(maps.err_nrms)).sum() == K
    assert (~np.isnan(maps.score)).sum() == 13 * 13 - 9 - K
    assert (~np.isnan(maps.latent[..., 0])).sum() == 13 * 13

    prediction = ae.predict(ranking.rows[:2], ranking.cols[:2])
    assert prediction.pred.shape == prediction.pred_std.shape == (2, L) and prediction.latent.shape == (2, 2)
    np.testing.assert_allclose(prediction.pred, ranking.pred[:2], rtol=1e-12)

    ae.save(tmp_path / "session")
    again = ferrolab.AeSession.load(tmp_path / "session")
    assert again.shape() == (H, W, L, 2, 9 + K, True)
    ranked_again = again.rank(K)
    assert np.array_equal(ranked_again.rows, ranking.rows) and np.array_equal(ranked_again.cols, ranking.cols)
    assert np.array_equal(ranked_again.scores, ranking.scores)

    # An update cancelled from another thread, resumed to the end.
    again.add_measurements([2], [14], sample.loops[2, 14][None, :])
    _cancel_then_resume(again, again.update)
    assert again.n_measurements == 9 + K + 1 and again.trained
    assert again.last_error() == "" or isinstance(again.last_error(), str)
    again.close()
    ae.close()


def _pairs(sample, n=12):
    where = [(2 + k % 6 * 2, 3 + k // 6 * 7) for k in range(n)]
    patches = np.array([_patch(sample.image, r, c) for r, c in where])
    spectra = np.array([sample.loops[r, c] for r, c in where])
    return patches, spectra


def test_im2spec_round_trip(sample, tmp_path):
    patches, spectra = _pairs(sample)
    m = ferrolab.Im2Spec(WIN, WIN, L, **NETWORK)
    assert (m.patch_shape, m.spectrum_len, m.latent_dim) == ((WIN, WIN), L, 2) and m.n_parameters > 0
    m.set_checkpoint(tmp_path / "im2spec.ckpt")
    m.set_checkpoint(None)
    history = m.train(patches, spectra)
    assert history.shape == (2,) and np.isfinite(history).all() and m.epochs_done == 2
    assert m.progress() == (2, 2)
    out = m.predict(patches)
    z = m.encode(patches)
    assert out.shape == (12, L) and z.shape == (12, 2)
    np.testing.assert_allclose(m.decode(z), out, atol=1e-12)
    m.save(tmp_path / "m.im2spec")
    m2 = ferrolab.Im2Spec.load(tmp_path / "m.im2spec")
    assert np.array_equal(m2.predict(patches), out)
    # Cancelled and continued: the model stays usable.
    fresh = ferrolab.Im2Spec(WIN, WIN, L, **NETWORK)
    _cancel_then_resume(fresh, lambda: fresh.train(patches, spectra))
    assert fresh.epochs_done == 2 and fresh.progress_info().done == 2
    assert isinstance(fresh.last_error(), str)


def test_spec2im_round_trip(sample, tmp_path):
    patches, spectra = _pairs(sample)
    s = ferrolab.Spec2Im(L, WIN, WIN, **NETWORK)
    s.set_checkpoint(None)
    s.train(spectra, patches)
    back = s.predict(spectra)
    z = s.encode(spectra)
    assert back.shape == (12, WIN, WIN) and z.shape == (12, 2)
    assert s.decode(z).shape == (12, WIN, WIN)
    s.save(tmp_path / "m.spec2im")
    s2 = ferrolab.Spec2Im.load(tmp_path / "m.spec2im")
    assert np.array_equal(s2.predict(spectra), back)
    with pytest.raises(ferrolab.CorruptFileError, match="ferrolab_spec2im_load"):
        ferrolab.Im2Spec.load(tmp_path / "m.spec2im")
    _cancel_then_resume(s2, lambda: s2.train(spectra, patches))
    assert s2.progress_info().total >= 2 and isinstance(s2.last_error(), str)


def test_a_location_is_measured_once(sample):
    """A location measured again, or twice in one call, is refused with nothing added."""
    ae = ferrolab.AeSession(sample.image, sample.voltage, **TINY)
    ae.add_measurements([4, 8], [4, 9], sample.loops[[4, 8], [4, 9]])
    with pytest.raises(ferrolab.ArgumentError,
                       match=r"rows/cols: location 1 \[8, 9\] is already measured \(measurement 1 "):
        ae.add_measurements([6, 8], [5, 9], sample.loops[[6, 8], [5, 9]])
    with pytest.raises(ferrolab.ArgumentError,
                       match=r"rows/cols: location 2 \[6, 5\] appears twice in this call \(also location 0\)"):
        ae.add_measurements([6, 7, 6], [5, 5, 5], sample.loops[[6, 7, 6], [5, 5, 5]])
    assert ae.n_measurements == 2
    ae.add_measurements([6], [5], sample.loops[[6], [5]])
    assert ae.n_measurements == 3
    ae.close()


def test_counts_and_locations_of_other_types_are_refused_before_c(sample, no_c_calls):
    # Array shapes: test_shapes.py. The session is made before C is refused (its constructor
    # calls C), here from a session object whose sizes are set without C.
    ae = ferrolab.AeSession.__new__(ferrolab.AeSession)
    ae._dims = (H, W, L, 2)
    with pytest.raises(ferrolab.WrongTypeError, match="AeSession.add_measurements: rows must hold integers"):
        ae.add_measurements([3.5], [3], np.zeros((1, L)))
    with pytest.raises(ferrolab.OutOfRangeError, match="AeSession.rank: k must be in"):
        ae.rank(-1)
    with pytest.raises(ferrolab.OutOfRangeError, match="AeSession.rank: k must be in"):
        ae.rank(0)
