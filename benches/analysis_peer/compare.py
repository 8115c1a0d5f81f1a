"""The linear baselines side by side: scikit-learn against ferrolab (through its Python
binding) on the same data, one run each, with a quality number for both so the times compare
like with like. Prints the best of 3 calls' seconds (1 for scikit-learn's dictionary learning)
and the ratio.

Run with the Python package installed (`pip install ./bindings/python`) and scikit-learn:
    python3 benches/analysis_peer/compare.py [--quick] [NAMES]
NAMES: any of pca nmf dictionary kmeans gmm kde (all by default); --quick uses smaller data.
"""
import sys
import time

import ferrolab
import numpy as np
import sklearn
from sklearn.cluster import KMeans
from sklearn.decomposition import NMF, PCA, DictionaryLearning
from sklearn.mixture import GaussianMixture
from sklearn.neighbors import KernelDensity
from sklearn.preprocessing import StandardScaler

QUICK = "--quick" in sys.argv
rng = np.random.default_rng(0)


def timed(f, repeat=3):
    """Best of `repeat` calls: the result of the last and the shortest time."""
    best = np.inf
    for _ in range(repeat):
        start = time.perf_counter()
        out = f()
        best = min(best, time.perf_counter() - start)
    return best, out


def report(name, t_sklearn, q_sklearn, t_ferrolab, q_ferrolab, quality):
    print(f"{name:34} sklearn {t_sklearn:9.4f} s  ferrolab {t_ferrolab:9.4f} s  "
          f"ratio {t_sklearn / t_ferrolab:7.2f}x   {quality}: {q_sklearn:.6g} vs {q_ferrolab:.6g}",
          flush=True)


def pca():
    """10,000 loop-like rows of 400 points (paper 000's dataset shape), 10 components."""
    n, d = (2000, 400) if QUICK else (10000, 400)
    x = np.cumsum(rng.normal(size=(n, d)), axis=1) + rng.normal(size=(n, 1)) * np.linspace(-1, 1, d)
    t_s, model = timed(lambda: PCA(10).fit(x))
    t_f, (_, var, _) = timed(lambda: ferrolab.pca(x, 10))
    report(f"PCA {n}x{d}, k=10", t_s, model.explained_variance_.sum(), t_f, var.sum(),
           "explained variance")


def nmf():
    """Non-negative rank-8 data plus noise, NNDSVD start, coordinate descent, 8 components."""
    n, d = (1000, 200) if QUICK else (4000, 400)
    v = rng.uniform(size=(n, 8)) @ rng.uniform(size=(8, d)) + 0.1 * rng.uniform(size=(n, d))
    t_s, model = timed(lambda: NMF(8, init="nndsvd", solver="cd", max_iter=200, tol=1e-4).fit(v))
    t_f, (_, _, err) = timed(lambda: ferrolab.nmf(v, 8))
    report(f"NMF {n}x{d}, k=8", t_s, model.reconstruction_err_, t_f, err, "||X - WH||_F")


def selu(z):
    return 1.0507009873554805 * np.where(z > 0, z, 1.6732632423543772 * np.expm1(np.minimum(z, 0)))


def dictionary():
    """Paper 001's toy spectra: 3 atoms, lambda 0.57, standardised per time step."""
    n = 2000 if QUICK else 10000
    t = np.linspace(-1, 1, 25)
    c = rng.uniform(size=(n, 3))
    toy = (np.tanh(20 * (t - 2 * (c[:, :1] - 0.5))) + selu(t - 2 * (c[:, 1:2] - 0.5))
           + 1 / (1 + np.exp(20 * (t - (c[:, 2:] - 0.5)))))
    z = StandardScaler().fit_transform(toy)
    cfg = ferrolab.Config()
    cfg.set("dictionary.standardise", 1)

    def sklearn_dl():
        model = DictionaryLearning(3, alpha=0.57, fit_algorithm="cd", transform_algorithm="lasso_cd",
                                   transform_alpha=0.57, random_state=0).fit(z)
        code = model.transform(z)
        return np.mean((z - code @ model.components_) ** 2)

    t_s, mse_s = timed(sklearn_dl, repeat=1)  # 30 s a call
    t_f, (_, _, mse_f) = timed(lambda: ferrolab.dictionary_learning(toy, 3, 0.57, cfg))
    report(f"DictionaryLearning {n}x25, k=3", t_s, mse_s, t_f, mse_f, "MSE")


def latents(n):
    """Paper 003's use: 8 clusters in a 2-D latent space."""
    centres = rng.uniform(-4, 4, size=(8, 2))
    return centres[rng.integers(0, 8, n)] + 0.4 * rng.normal(size=(n, 2))


def kmeans():
    z = latents(2000 if QUICK else 20000)
    t_s, model = timed(lambda: KMeans(8, n_init=1, random_state=0).fit(z))
    t_f, (_, _, inertia) = timed(lambda: ferrolab.kmeans(z, 8))
    report(f"KMeans {len(z)}x2, k=8", t_s, model.inertia_, t_f, inertia, "inertia")


def gmm():
    z = latents(2000 if QUICK else 20000)
    t_s, model = timed(lambda: GaussianMixture(8, covariance_type="full", random_state=0).fit(z))
    t_f, (_, _, _, _, score) = timed(lambda: ferrolab.gmm(z, 8))
    report(f"GaussianMixture {len(z)}x2, k=8, full", t_s, model.score(z), t_f, score,
           "mean log-likelihood")


def kde():
    """Paper 002: the density of 2-D latents on a 100 x 100 grid, isotropic bandwidth 0.3."""
    z = latents(2000 if QUICK else 10000)
    g = np.linspace(-5, 5, 100)
    grid = np.array([(a, b) for a in g for b in g])
    cfg = ferrolab.Config()
    cfg.set("kde.bandwidth", "isotropic")
    cfg.set("kde.bandwidth_value", 0.3)
    t_s, log_f = timed(lambda: KernelDensity(bandwidth=0.3).fit(z).score_samples(grid))
    t_f, f = timed(lambda: ferrolab.kde(z, grid, cfg))
    report(f"KernelDensity {len(z)} pts, 100x100 grid", t_s, np.exp(log_f).sum(), t_f, f.sum(),
           "summed density")


BENCHES = {"pca": pca, "nmf": nmf, "dictionary": dictionary, "kmeans": kmeans, "gmm": gmm,
           "kde": kde}
names = [a for a in sys.argv[1:] if not a.startswith("--")] or list(BENCHES)
ferrolab.set_num_threads(2)
ferrolab.pca(rng.normal(size=(20, 4)), 2)  # start the worker pool outside the timings
for name in names:
    BENCHES[name]()
print(f"\nscikit-learn {sklearn.__version__}, numpy {np.__version__}; ferrolab on 2 threads")
