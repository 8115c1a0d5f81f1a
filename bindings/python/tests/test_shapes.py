"""Every wrapper that takes arrays refuses wrong shapes and types before C is called.

C reads as many values as the sizes it is given say, so a mismatch that reached it would be read
past the end of an array (two such bugs were in the old binding: a GP fitted on 40 inputs and 10
outputs, an SHO fit of 32-bin spectra on 64 frequencies). Each case below runs with every C
function replaced by one that fails the test (`no_c_calls`), and must raise a ValueError naming the
argument with the expected and the given shape.
"""
import ast
from pathlib import Path

import numpy as np
import pytest

import ferrolab

RNG = np.random.default_rng(0)


@pytest.fixture(scope="module")
def gp():
    return ferrolab.GaussianProcess(optimize=0).fit(RNG.normal(size=(12, 2)), RNG.normal(size=12))


@pytest.fixture
def vae():
    # Per test: a case may change its parameters.
    return ferrolab.Vae(hidden=[8], epochs=2, batch_size=20).fit(RNG.uniform(size=(40, 6)))


# description -> (the wrapper whose check refuses, the call, the message expected).
CASES = {
    # The two bugs of the old binding.
    "gp fit, 40 inputs and 10 outputs": ("GaussianProcess.fit",
        lambda gp, vae: ferrolab.GaussianProcess().fit(np.zeros((40, 2)), np.zeros(10)),
        r"GaussianProcess.fit: y must have shape \(n,\) or \(n, m\) with n = 40 \(from X.shape\[0\]\); "
        r"got shape \(10,\)"),
    "sho fit, 64 frequencies and 32-bin spectra": ("sho_fit",
        lambda gp, vae: ferrolab.sho_fit(np.linspace(1, 2, 64), np.zeros((3, 32)), np.zeros((3, 32))),
        r"sho_fit: re must have shape \(f,\) or \(n, f\) with f = 64 \(from freq_hz.shape\[0\]\); "
        r"got shape \(3, 32\)"),
    # Gaussian processes.
    "gp fit, 1-D X": ("GaussianProcess.fit",lambda gp, vae: ferrolab.GaussianProcess().fit(np.zeros(5), np.zeros(5)),
                      r"X must have shape \(n, d\); got shape \(5,\)"),
    "gp fit, 3-D y": ("GaussianProcess.fit",lambda gp, vae: ferrolab.GaussianProcess().fit(np.zeros((5, 1)), np.zeros((5, 1, 1))),
                      r"y must have shape \(n,\) or \(n, m\); got shape \(5, 1, 1\)"),
    "gp predict, other input dimension": ("GaussianProcess.predict",
        lambda gp, vae: gp.predict(np.zeros((4, 3))),
        r"GaussianProcess.predict: X must have shape \(nq, d\) with d = 2 \(from the fitted model\); "
        r"got shape \(4, 3\)"),
    "gp predict covariance, 1-D X": ("GaussianProcess.predict",lambda gp, vae: gp.predict(np.zeros(2), return_cov=True),
                                     r"X must have shape \(nq, d\); got shape \(2,\)"),
    "gp sample_y, other input dimension": ("GaussianProcess.sample_y",lambda gp, vae: gp.sample_y(np.zeros((4, 1)), 3),
                                           r"sample_y: X must have shape \(nq, d\) with d = 2"),
    # The VAE.
    "vae fit, 1-D X": ("Vae.fit",lambda gp, vae: ferrolab.Vae().fit(np.zeros(6)), r"Vae.fit: X must have shape \(n, d\)"),
    "vae fit, warm start with other rows": ("Vae.fit",
        lambda gp, vae: vae.set_params(warm_start=True).fit(np.zeros((5, 7))),
        r"Vae.fit: X must have shape \(n, d\) with d = 6 \(from the model trained so far\); got shape \(5, 7\)"),
    "vae encode, other row length": ("Vae.encode",lambda gp, vae: vae.encode(np.zeros((3, 5))),
                                     r"Vae.encode: X must have shape \(n, d\) with d = 6 \(from the model\)"),
    "vae transform, 1-D X": ("Vae.encode",lambda gp, vae: vae.transform(np.zeros(6)), r"X must have shape \(n, d\)"),
    "vae decode, other latent dimension": ("Vae.decode",
        lambda gp, vae: vae.inverse_transform(np.zeros((3, 3))),
        r"Vae.decode: Z must have shape \(n, k\) with k = 2 \(from the model's latent_dim\); got shape \(3, 3\)"),
    # Linear baselines.
    "pca, 1-D x": ("pca",lambda gp, vae: ferrolab.pca(np.zeros(10), 1), r"pca: x must have shape \(n, d\)"),
    "nmf, 3-D x": ("nmf",lambda gp, vae: ferrolab.nmf(np.zeros((2, 2, 2)), 1), r"nmf: x must have shape \(n, d\)"),
    "dictionary learning, 1-D x": ("dictionary_learning",lambda gp, vae: ferrolab.dictionary_learning(np.zeros(4), 2, 0.1),
                                   r"dictionary_learning: x must have shape \(n, d\)"),
    "pearson, different row counts": ("pearson_matrix",
        lambda gp, vae: ferrolab.pearson_matrix(np.zeros((10, 2)), np.zeros((9, 3))),
        r"pearson_matrix: b must have shape \(n, q\) with n = 10 \(from a.shape\[0\]\); got shape \(9, 3\)"),
    "kmeans, 1-D x": ("kmeans",lambda gp, vae: ferrolab.kmeans(np.zeros(10), 2), r"kmeans: x must have shape \(n, d\)"),
    "gmm, 1-D x": ("gmm",lambda gp, vae: ferrolab.gmm(np.zeros(10), 2), r"gmm: x must have shape \(n, d\)"),
    "kde, points of another dimension": ("kde",
        lambda gp, vae: ferrolab.kde(np.zeros((20, 2)), np.zeros((5, 3))),
        r"kde: points must have shape \(m, d\) with d = 2 \(from data.shape\[1\]\); got shape \(5, 3\)"),
    # Manifold learning.
    "tsne, 1-D x": ("tsne", lambda gp, vae: ferrolab.tsne(np.zeros(10)), r"tsne: x must have shape \(n, d\)"),
    "mds, 3-D x": ("mds", lambda gp, vae: ferrolab.mds(np.zeros((4, 3, 2))), r"mds: x must have shape \(n, d\)"),
    "isomap, 1-D x": ("isomap", lambda gp, vae: ferrolab.isomap(np.zeros(10)), r"isomap: x must have shape \(n, d\)"),
    "trustworthiness, embedding of other rows": ("trustworthiness",
        lambda gp, vae: ferrolab.trustworthiness(np.zeros((10, 3)), np.zeros((9, 2))),
        r"trustworthiness: embedding must have shape \(n, k\) with n = 10 \(from x.shape\[0\]\); got shape \(9, 2\)"),
    # Band excitation.
    "sho fit, im of another shape": ("sho_fit",
        lambda gp, vae: ferrolab.sho_fit(np.linspace(1, 2, 8), np.zeros((3, 8)), np.zeros((2, 8))),
        r"sho_fit: im must have shape \(3, 8\); got shape \(2, 8\)"),
    "phase rotation, lengths differ": ("phase_rotation",lambda gp, vae: ferrolab.phase_rotation(np.zeros(5), np.zeros(4)),
                                       r"phase_rotation: phase must have shape \(5,\); got shape \(4,\)"),
    "piezoresponse, shapes differ": ("piezoresponse",lambda gp, vae: ferrolab.piezoresponse(np.zeros((2, 3)), np.zeros(6), 0.1),
                                     r"piezoresponse: phase must have shape \(2, 3\); got shape \(6,\)"),
    "loop fit, loops of another length": ("loop_fit",
        lambda gp, vae: ferrolab.loop_fit(np.zeros(20), np.zeros((4, 18))),
        r"loop_fit: loops must have shape \(s,\) or \(n, s\) with s = 20 \(from voltage.shape\[0\]\)"),
    "loop parameters, 8 columns": ("loop_parameters",lambda gp, vae: ferrolab.loop_parameters(np.zeros(20), np.zeros((3, 8))),
                                   r"loop_parameters: params must have shape \(9,\) or \(any, 9\); got shape \(3, 8\)"),
    "loop features, lengths differ": ("loop_features",
        lambda gp, vae: ferrolab.loop_features(np.zeros(40), np.zeros(39), 1e-8),
        r"loop_features: polarization must have shape \(n,\) with n = 40 \(from voltage.shape\[0\]\)"),
}


@pytest.mark.parametrize("case", CASES)
def test_wrong_shapes_are_refused_before_c(case, gp, vae, no_c_calls):
    _, call, message = CASES[case]
    with pytest.raises(ValueError, match=message) as err:
        call(gp, vae)
    assert isinstance(err.value, ferrolab.ArgumentError)
    assert err.value.status == ferrolab.errors.ERR_INVALID_ARGUMENT


@pytest.fixture
def lstm_vae():
    # Per test: a case may change its parameters. Every channel active: stage 1 selected, no warning.
    return ferrolab.LstmVae(hidden=3, blocks=0, latent=2, embedding=2, epochs=2, priming_epochs=1, stage_epochs=1,
                            active_threshold=1e-12, target_active=2).fit(RNG.uniform(size=(12, 5)))


LSTM_CASES = {
    "lstm vae fit, 1-D X": ("LstmVae.fit", lambda m: ferrolab.LstmVae().fit(np.zeros(6)),
                            r"LstmVae.fit: X must have shape \(n, d\); got shape \(6,\)"),
    "lstm vae fit, warm start with other rows": ("LstmVae.fit",
        lambda m: m.set_params(warm_start=True).fit(np.zeros((5, 7))),
        r"LstmVae.fit: X must have shape \(n, d\) with d = 5 \(from the model trained so far\); got shape \(5, 7\)"),
    "lstm vae encode, other row length": ("LstmVae.encode", lambda m: m.encode(np.zeros((3, 4))),
                                          r"LstmVae.encode: X must have shape \(n, d\) with d = 5 \(from the model\)"),
    "lstm vae transform, 1-D X": ("LstmVae.encode", lambda m: m.transform(np.zeros(5)), r"X must have shape \(n, d\)"),
    "lstm vae decode, other latent": ("LstmVae.decode", lambda m: m.inverse_transform(np.zeros((3, 3))),
        r"LstmVae.decode: Z must have shape \(n, k\) with k = 2 \(from the model's latent\); got shape \(3, 3\)"),
    "lstm vae reconstruct, 3-D X": ("LstmVae.reconstruct", lambda m: m.reconstruct(np.zeros((2, 5, 1))),
                                    r"LstmVae.reconstruct: X must have shape \(n, d\); got shape \(2, 5, 1\)"),
    "lstm vae residuals, other row length": ("LstmVae.residuals", lambda m: m.residuals(np.zeros((2, 6))),
                                             r"LstmVae.residuals: X must have shape \(n, d\) with d = 5"),
}


@pytest.fixture
def rvae():
    return ferrolab.Rvae(filters=1, hidden=2, epochs=1, test_fraction=0.0).fit(RNG.uniform(size=(3, 4, 5)))


RVAE_CASES = {
    "rvae fit, rows instead of images": ("Rvae.fit", lambda m: ferrolab.Rvae().fit(np.zeros((6, 20))),
                                         r"Rvae.fit: X must have shape \(n, h, w\); got shape \(6, 20\)"),
    "rvae fit, warm start with other images": ("Rvae.fit",
        lambda m: m.set_params(warm_start=True).fit(np.zeros((3, 5, 4))),
        r"Rvae.fit: X must have shape \(n, h, w\) with h = 4 \(from the model trained so far\)"),
    "rvae encode, other image size": ("Rvae.encode", lambda m: m.encode(np.zeros((2, 4, 6))),
                                      r"Rvae.encode: X must have shape \(n, h, w\) with h = 4, w = 5 \(from the model\)|"
                                      r"Rvae.encode: X must have shape \(n, h, w\) with w = 5"),
    "rvae transform, 2-D X": ("Rvae.encode", lambda m: m.transform(np.zeros((4, 5))), r"X must have shape \(n, h, w\)"),
    "rvae decode, other content latents": ("Rvae.decode", lambda m: m.decode(np.zeros((3, 3))),
        r"Rvae.decode: content must have shape \(n, k\) with k = 2"),
    "rvae decode, angle of other length": ("Rvae.decode", lambda m: m.decode(np.zeros((3, 2)), np.zeros(2)),
                                           r"Rvae.decode: angle must have shape \(n,\)"),
    "rvae decode, offsets of one column": ("Rvae.decode",
                                           lambda m: m.decode(np.zeros((3, 2)), None, np.zeros((3, 1))),
                                           r"Rvae.decode: offsets must have shape \(n, 2\)"),
}


@pytest.mark.parametrize("case", RVAE_CASES)
def test_rvae_wrong_shapes_are_refused_before_c(case, rvae, no_c_calls):
    _, call, message = RVAE_CASES[case]
    with pytest.raises(ValueError, match=message) as err:
        call(rvae)
    assert isinstance(err.value, ferrolab.ArgumentError)
    assert err.value.status == ferrolab.errors.ERR_INVALID_ARGUMENT


@pytest.fixture
def unet():
    x = RNG.uniform(size=(2, 8, 16))
    return ferrolab.Unet(classes=2, filters=1, epochs=1, test_fraction=0.0).fit(x, x > 0.5)


UNET_CASES = {
    "unet fit, a single crop without its axis": ("Unet.fit",
        lambda m: ferrolab.Unet().fit(np.zeros((8, 8)), np.zeros((8, 8))),
        r"Unet.fit: images must have shape \(n, h, w\); got shape \(8, 8\)"),
    "unet fit, masks of another size": ("Unet.fit",
        lambda m: ferrolab.Unet().fit(np.zeros((2, 8, 8)), np.zeros((2, 8, 16), np.uint8)),
        r"Unet.fit: masks must have shape \(n, h, w\) with w = 8 \(from images.shape\[2\]\); got shape \(2, 8, 16\)"),
    "unet fit, sides not multiples of 8": ("Unet.fit",
        lambda m: ferrolab.Unet().fit(np.zeros((2, 12, 8)), np.zeros((2, 12, 8), np.uint8)),
        r"Unet.fit: crops must have sides that are positive multiples of 8; got 12 x 8"),
    "unet fit, warm start with other crops": ("Unet.fit",
        lambda m: m.set_params(warm_start=True).fit(np.zeros((2, 16, 16)), np.zeros((2, 16, 16), np.uint8)),
        r"Unet.fit: images must have shape \(n, h, w\) with w = 16 \(from the model trained so far\)|"
        r"Unet.fit: images must have shape \(n, h, w\) with h = 8 \(from the model trained so far\)"),
    "unet predict_proba, a stack": ("Unet.predict_proba", lambda m: m.predict_proba(np.zeros((2, 8, 8))),
                                    r"Unet.predict_proba: frame must have shape \(h, w\); got shape \(2, 8, 8\)"),
    "unet predict, 1-D frame": ("Unet.predict", lambda m: m.predict(np.zeros(64)),
                                r"Unet.predict: frame must have shape \(h, w\); got shape \(64,\)"),
    "unet find_atoms, 3-D frame": ("Unet.find_atoms", lambda m: m.find_atoms(np.zeros((1, 8, 8))),
                                   r"Unet.find_atoms: frame must have shape \(h, w\)"),
}


@pytest.mark.parametrize("case", UNET_CASES)
def test_unet_wrong_shapes_are_refused_before_c(case, unet, no_c_calls):
    _, call, message = UNET_CASES[case]
    with pytest.raises(ValueError, match=message) as err:
        call(unet)
    assert isinstance(err.value, ferrolab.ArgumentError)
    assert err.value.status == ferrolab.errors.ERR_INVALID_ARGUMENT


@pytest.mark.parametrize("case", LSTM_CASES)
def test_lstm_vae_wrong_shapes_are_refused_before_c(case, lstm_vae, no_c_calls):
    _, call, message = LSTM_CASES[case]
    with pytest.raises(ValueError, match=message) as err:
        call(lstm_vae)
    assert isinstance(err.value, ferrolab.ArgumentError)
    assert err.value.status == ferrolab.errors.ERR_INVALID_ARGUMENT


@pytest.fixture
def experiment():
    # A 16 x 16 sample, 4 x 4 windows and 16-point spectra, latent 2; nothing trained (the checks
    # come first).
    sample = ferrolab.sample_generate(rows=16, cols=16, steps=16, split_col=4, anomaly_count=1)
    ae = ferrolab.AeSession(sample.image, sample.voltage, window_px=4, im2spec__latent=2)
    im2spec = ferrolab.Im2Spec(4, 4, 16, filters=4, latent=2)
    spec2im = ferrolab.Spec2Im(16, 4, 4, filters=4, latent=2)
    return ae, im2spec, spec2im


EXPERIMENT_CASES = {
    "im2spec train, fewer spectra than patches": ("Im2Spec.train",
        lambda ae, m, s: m.train(np.zeros((3, 4, 4)), np.zeros((2, 16))),
        r"Im2Spec.train: spectra must have shape \(n, l\) with n = 3 \(from patches.shape\[0\]\); "
        r"got shape \(2, 16\)"),
    "im2spec train, other patch width": ("Im2Spec.train",
        lambda ae, m, s: m.train(np.zeros((3, 4, 5)), np.zeros((3, 16))),
        r"Im2Spec.train: patches must have shape \(n, h, w\) with w = 4 \(from the model's patch width\)"),
    "im2spec predict, flat patches": ("Im2Spec.predict", lambda ae, m, s: m.predict(np.zeros((3, 16))),
                                      r"Im2Spec.predict: patches must have shape \(n, h, w\); got shape \(3, 16\)"),
    "im2spec encode, other patch height": ("Im2Spec.encode", lambda ae, m, s: m.encode(np.zeros((3, 5, 4))),
                                           r"Im2Spec.encode: patches must have shape \(n, h, w\) with h = 4"),
    "im2spec decode, other latent": ("Im2Spec.decode", lambda ae, m, s: m.decode(np.zeros((3, 3))),
        r"Im2Spec.decode: z must have shape \(n, k\) with k = 2 \(from the model's latent size\); got shape \(3, 3\)"),
    "spec2im train, other spectrum length": ("Spec2Im.train",
        lambda ae, m, s: s.train(np.zeros((3, 17)), np.zeros((3, 4, 4))),
        r"Spec2Im.train: spectra must have shape \(n, l\) with l = 16 \(from the model's spectrum length\)"),
    "spec2im train, fewer patches than spectra": ("Spec2Im.train",
        lambda ae, m, s: s.train(np.zeros((3, 16)), np.zeros((2, 4, 4))),
        r"Spec2Im.train: patches must have shape \(n, h, w\) with n = 3 \(from spectra.shape\[0\]\)"),
    "spec2im predict, other spectrum length": ("Spec2Im.predict", lambda ae, m, s: s.predict(np.zeros((3, 15))),
                                               r"Spec2Im.predict: spectra must have shape \(n, l\) with l = 16"),
    "spec2im encode, 1-D spectra": ("Spec2Im.encode", lambda ae, m, s: s.encode(np.zeros(16)),
                                    r"Spec2Im.encode: spectra must have shape \(n, l\); got shape \(16,\)"),
    "spec2im decode, other latent": ("Spec2Im.decode", lambda ae, m, s: s.decode(np.zeros((3, 1))),
                                     r"Spec2Im.decode: z must have shape \(n, k\) with k = 2"),
    "ae add measurements, fewer columns than rows": ("AeSession.add_measurements",
        lambda ae, m, s: ae.add_measurements([3, 4], [3], np.zeros((2, 16))),
        r"AeSession.add_measurements: cols must have shape \(n,\) with n = 2 \(from rows.shape\[0\]\); "
        r"got shape \(1,\)"),
    "ae add measurements, other spectrum length": ("AeSession.add_measurements",
        lambda ae, m, s: ae.add_measurements([3], [3], np.zeros((1, 18))),
        r"AeSession.add_measurements: spectra must have shape \(n, l\) with l = 16 \(from the session's "
        r"spectrum length\)"),
    "ae add measurements, no locations": ("AeSession.add_measurements",
        lambda ae, m, s: ae.add_measurements(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 16))),
        r"AeSession.add_measurements: no locations"),
    "ae predict, 2-D rows": ("AeSession.predict", lambda ae, m, s: ae.predict([[3]], [[3]]),
                             r"AeSession.predict: rows must have shape \(n,\); got shape \(1, 1\)"),
}


@pytest.mark.parametrize("case", EXPERIMENT_CASES)
def test_experiment_wrong_shapes_are_refused_before_c(case, experiment, no_c_calls):
    _, call, message = EXPERIMENT_CASES[case]
    with pytest.raises(ValueError, match=message) as err:
        call(*experiment)
    assert isinstance(err.value, ferrolab.ArgumentError)
    assert err.value.status == ferrolab.errors.ERR_INVALID_ARGUMENT


@pytest.mark.parametrize("call", [
    lambda: ferrolab.AeSession(np.zeros(16), np.zeros(16)),
    lambda: ferrolab.AeSession(np.zeros((16, 16)), np.zeros((2, 16))),
], ids=["ae image 1-D", "ae voltage 2-D"])
def test_experiment_session_shapes_are_refused_before_c(call, no_c_calls):
    with pytest.raises(ferrolab.ArgumentError, match=r"AeSession: (image|voltage) must have shape"):
        call()


@pytest.fixture
def cfg():
    return ferrolab.Config()


TYPE_CASES = {
    "gp fit, complex y": lambda gp, vae, cfg: ferrolab.GaussianProcess().fit(np.zeros((3, 1)), np.ones(3, complex)),
    "gp predict, text": lambda gp, vae, cfg: gp.predict([["a", "b"]]),
    "vae fit, objects": lambda gp, vae, cfg: ferrolab.Vae().fit(np.array([[object(), 1.0]])),
    "sho fit, complex spectra": lambda gp, vae, cfg: ferrolab.sho_fit([1.0, 2.0], np.ones(2, complex), np.ones(2)),
    "kmeans, text": lambda gp, vae, cfg: ferrolab.kmeans([["1", "2"]], 1),
    "unet fit, real-valued masks": lambda gp, vae, cfg: ferrolab.Unet().fit(np.zeros((1, 8, 8)), np.zeros((1, 8, 8))),
    "config, list key of floats for integers": lambda gp, vae, cfg: cfg.set("vae.hidden", [4.5]),
}


@pytest.mark.parametrize("case", TYPE_CASES)
def test_non_numbers_are_refused_before_c(case, gp, vae, cfg, no_c_calls):
    with pytest.raises(ValueError) as err:
        TYPE_CASES[case](gp, vae, cfg)
    assert isinstance(err.value, ferrolab.WrongTypeError) and isinstance(err.value, TypeError)
    assert err.value.status == ferrolab.errors.ERR_WRONG_TYPE


def array_checking_wrappers():
    """The public functions and methods of the package that check arrays themselves (call
    `Args.array`, or `GaussianProcess._query` which does), found in the package's source."""
    found = set()
    for path in Path(ferrolab.__file__).parent.glob("*.py"):
        for node in ast.parse(path.read_text()).body:
            scopes = [(f"{node.name}.", node.body)] if isinstance(node, ast.ClassDef) else [("", [node])]
            for prefix, body in scopes:
                for fn in body:
                    if not isinstance(fn, ast.FunctionDef) or fn.name.startswith("_"):
                        continue
                    calls = {c.func.attr for c in ast.walk(fn) if isinstance(c, ast.Call)
                             and isinstance(c.func, ast.Attribute)}
                    if calls & {"array", "_query"}:
                        found.add(prefix + fn.name)
    return found


def test_every_array_checking_wrapper_has_a_wrong_shape_case():
    wrappers = array_checking_wrappers()
    assert {"GaussianProcess.fit", "Vae.decode", "sho_fit", "Config.set"} <= wrappers  # the search works
    tested = {wrapper for wrapper, _, _ in (*CASES.values(), *LSTM_CASES.values(), *RVAE_CASES.values(),
                                            *UNET_CASES.values(), *EXPERIMENT_CASES.values())}
    tested |= {"Config.set"}  # Config.set: TYPE_CASES
    assert wrappers - tested == set()


@pytest.mark.parametrize("call", [
    lambda: ferrolab.GaussianProcess().fit(np.zeros((0, 2)), np.zeros(0)),
    lambda: ferrolab.sho_fit(np.zeros(0), np.zeros(0), np.zeros(0)),
    lambda: ferrolab.loop_fit(np.zeros(0), np.zeros((2, 0))),
    lambda: ferrolab.pca(np.zeros((0, 3)), 1),
    lambda: ferrolab.Vae().fit(np.zeros((0, 4))),
    lambda: ferrolab.LstmVae().fit(np.zeros((0, 4))),
    lambda: ferrolab.Unet().fit(np.zeros((0, 8, 8)), np.zeros((0, 8, 8), np.uint8)),
], ids=["gp fit", "sho fit", "loop fit", "pca", "vae fit", "lstm vae fit", "unet fit"])
def test_empty_arrays_reach_c_which_refuses_them(call):
    # Empty arrays have consistent shapes, so the checks pass them on; C names the empty size.
    with pytest.raises(ferrolab.ArgumentError, match="positive|n_freq|n_steps"):
        call()
