// The free functions (analysis, BEPS, loops, phase field): the same numbers as the C API on
// small known inputs, and size mismatches refused before C is called. Prints
// "analysis: all checks passed".
#include "check.hpp"

int main() {
    // PCA: points i (1, 2, 0) + z_i (0, 0, 1); the first component is (1, 2, 0)/sqrt 5 with
    // variance 30 (as tests/c/analysis.c).
    const double z[8] = {1, -1, -1, 1, -1, 1, 1, -1};
    ferrolab::Matrix x(8, 3);
    for (size_t i = 0; i < 8; i++) {
        x(i, 0) = double(i);
        x(i, 1) = 2.0 * double(i);
        x(i, 2) = z[i];
    }
    ferrolab::PcaResult pca = ferrolab::pca(x, 2);
    CHECK(std::fabs(pca.components(0, 1) - 2.0 / std::sqrt(5.0)) < 1e-12);
    CHECK(std::fabs(pca.explained_variance[0] - 30.0) < 1e-10);
    std::vector<double> comp(6), var(2), scores(16);
    CHECK(ferrolab_pca(x.data.data(), 8, 3, 2, 1, comp.data(), var.data(), scores.data()) == FERROLAB_OK);
    CHECK(same(pca.components.data, comp) && same(pca.explained_variance, var) && same(pca.scores.data, scores));
    EXPECT_ERROR(ferrolab::pca(x, 4), FERROLAB_ERR_INVALID_ARGUMENT, "");
    CHECK(ferrolab::pca(x, 1, ferrolab::Center::None).components.cols == 3);

    // NMF of a rank-1 matrix, dictionary learning, k-means, GMM, KDE, Pearson.
    ferrolab::Matrix m(8, 4);
    for (size_t i = 0; i < 8; i++)
        for (size_t j = 0; j < 4; j++) m(i, j) = (1.0 + double(i)) * (0.5 + double(j));
    ferrolab::NmfResult nmf = ferrolab::nmf(m, 1);
    CHECK(nmf.reconstruction_error < 1e-9 && std::fabs(nmf.w(3, 0) * nmf.h(0, 2) - m(3, 2)) < 1e-9);
    ferrolab::Config cfg;
    cfg.set("dictionary.standardise", 1);
    ferrolab::DictionaryResult dl = ferrolab::dictionary_learning(x, 2, 0.01, cfg);
    std::vector<double> codes(16), atoms(6);
    double mse = 0;
    CHECK(ferrolab_dictionary_learning(cfg.get(), x.data.data(), 8, 3, 2, 0.01, codes.data(), atoms.data(), &mse) ==
          FERROLAB_OK);
    CHECK(same(dl.codes.data, codes) && same(dl.dictionary.data, atoms) && dl.mse == mse);

    ferrolab::Matrix groups(6, 2, {0.0, 0.0, 0.1, 0.0, 0.0, 0.1, 5.0, 5.0, 5.1, 5.0, 5.0, 5.1});
    ferrolab::KmeansResult km = ferrolab::kmeans(groups, 2);
    CHECK(km.labels[0] == km.labels[2] && km.labels[0] != km.labels[3] && km.labels[3] == km.labels[5]);
    CHECK(std::fabs(km.inertia - 4.0 * (0.1 * 0.1 * 2.0 / 3.0)) < 1e-12);
    ferrolab::GmmResult gm = ferrolab::gmm(groups, 2);
    CHECK(std::fabs(gm.weights[0] - 0.5) < 1e-9 && gm.covariances.size() == 8 && gm.labels[1] != gm.labels[4]);
    std::vector<double> w(2), means(4), covs(8), ll(1);
    std::vector<int32_t> labels(6);
    CHECK(ferrolab_gmm(nullptr, groups.data.data(), 6, 2, 2, w.data(), means.data(), covs.data(), labels.data(),
                       ll.data()) == FERROLAB_OK);
    CHECK(same(gm.weights, w) && same(gm.means.data, means) && same(gm.covariances, covs) && gm.labels == labels &&
          gm.mean_log_likelihood == ll[0]);
    std::vector<double> density = ferrolab::kde(groups, ferrolab::Matrix(2, 2, {0.0, 0.0, 2.5, 2.5}));
    CHECK(density.size() == 2 && density[0] > density[1] && density[1] > 0.0);
    EXPECT_ERROR(ferrolab::kde(groups, ferrolab::Matrix(1, 3)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "data has 2 columns, points 3");
    ferrolab::Matrix r = ferrolab::pearson_matrix(x, ferrolab::Matrix(8, 1, {0, 1, 2, 3, 4, 5, 6, 7}));
    CHECK(r.rows == 3 && r.cols == 1 && std::fabs(r(0, 0) - 1.0) < 1e-12 && std::fabs(r(1, 0) - 1.0) < 1e-12);
    EXPECT_ERROR(ferrolab::pearson_matrix(x, ferrolab::Matrix(7, 1)), FERROLAB_ERR_INVALID_ARGUMENT, "a has 8 rows");

    // SHO: a noiseless resonance at 300 kHz, Q 100.
    std::vector<double> freq(64);
    ferrolab::Matrix re(1, 64), im(1, 64);
    for (size_t k = 0; k < 64; k++) {
        double f = 290e3 + 20e3 * double(k) / 63.0, f0 = 300e3, q = 100.0, a = 2.0;
        freq[k] = f;
        // A f0^2 / (f^2 - f0^2 - i f f0 / Q), phase 0.
        double dr = f * f - f0 * f0, di = -f * f0 / q, den = dr * dr + di * di;
        re(0, k) = a * f0 * f0 * dr / den;
        im(0, k) = -a * f0 * f0 * di / den;
    }
    ferrolab::ShoFit sho = ferrolab::sho_fit(freq, re, im);
    CHECK(sho.flags[0] == 0 && std::fabs(sho.params(0, 1) - 300e3) < 1.0 && std::fabs(sho.params(0, 2) - 100.0) < 0.1);
    CHECK(sho.r2[0] > 0.999999);
    EXPECT_ERROR(ferrolab::sho_fit(std::vector<double>(63), re, im), FERROLAB_ERR_INVALID_ARGUMENT, "n_spectra x 63");

    // BEPS: phases 0 and pi rotate to theta 0; the piezoresponse is +-amplitude.
    std::vector<double> amp{1.0, 2.0, 1.5}, phase{0.0, 3.141592653589793, 0.0};
    double theta = ferrolab::phase_rotation(amp, phase);
    CHECK(std::fabs(theta) < 1e-12);
    std::vector<double> pr = ferrolab::piezoresponse(amp, phase, theta);
    CHECK(std::fabs(pr[0] - 1.0) < 1e-12 && std::fabs(pr[1] + 2.0) < 1e-12);
    EXPECT_ERROR(ferrolab::piezoresponse(amp, {0.0}, 0.0), FERROLAB_ERR_INVALID_ARGUMENT, "differ in length");

    // A simulated loop (small film): its features and a 9-parameter fit, as C computes them.
    ferrolab::Config pf;
    pf.set("pf.cells_width", 32);
    pf.set("pf.points", 40);
    pf.set("pf.hold_steps", 10);
    ferrolab::Loop loop = ferrolab::pf_simulate_loop(pf);
    CHECK(loop.voltage.size() == 40 && loop.polarization.size() == 40);
    std::vector<double> v(40), p(40);
    size_t n_points = 0;
    CHECK(ferrolab_pf_simulate_loop(pf.get(), v.data(), p.data(), 40, &n_points) == FERROLAB_OK && n_points == 40);
    CHECK(same(loop.voltage, v) && same(loop.polarization, p));
    auto features = ferrolab::loop_features(loop.voltage, loop.polarization, 10e-9);
    std::vector<double> cf(FERROLAB_LOOP_FEATURE_COUNT);
    CHECK(ferrolab_loop_features(v.data(), p.data(), 40, 10e-9, cf.data(), cf.size()) == FERROLAB_OK);
    CHECK(same(std::vector<double>(features.begin(), features.end()), cf));
    CHECK(features[0] > 0.0 && features[1] > 0.0);
    ferrolab::LoopFit fit = ferrolab::loop_fit(loop.voltage, ferrolab::Matrix(1, 40, loop.polarization));
    std::vector<double> params(9), r2(1);
    CHECK(ferrolab_loop_fit(v.data(), 40, p.data(), 1, params.data(), r2.data()) == FERROLAB_OK);
    CHECK(same(fit.params.data, params) && same(fit.r2, r2));
    ferrolab::Matrix sw = ferrolab::loop_parameters(loop.voltage, fit.params);
    std::vector<double> csw(FERROLAB_LOOP_PARAMETER_COUNT);
    CHECK(ferrolab_loop_parameters(v.data(), 40, params.data(), 1, csw.data()) == FERROLAB_OK);
    CHECK(sw.rows == 1 && sw.cols == FERROLAB_LOOP_PARAMETER_COUNT && same(sw.data, csw));
    EXPECT_ERROR(ferrolab::loop_fit(loop.voltage, ferrolab::Matrix(1, 39)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "40 columns");
    EXPECT_ERROR(ferrolab::loop_parameters(loop.voltage, ferrolab::Matrix(1, 8)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "9 columns");

    // Manifold learning: 24 points on a noisy helix in 3-D, the same numbers as the C API.
    ferrolab::Matrix helix(24, 3);
    for (size_t i = 0; i < 24; i++) {
        double t = 0.3 * double(i);
        helix(i, 0) = std::cos(t);
        helix(i, 1) = std::sin(t);
        helix(i, 2) = 0.2 * t + 0.01 * z[i % 8];
    }
    ferrolab::Config tcfg;
    tcfg.set("tsne.perplexity", 5.0);
    tcfg.set("tsne.max_iter", 250);
    ferrolab::TsneResult ts = ferrolab::tsne(helix, 2, tcfg);
    std::vector<double> emb(48);
    double value = 0.0;
    CHECK(ferrolab_tsne(tcfg.get(), helix.data.data(), 24, 3, 2, emb.data(), &value) == FERROLAB_OK);
    CHECK(ts.embedding.rows == 24 && ts.embedding.cols == 2 && same(ts.embedding.data, emb) &&
          ts.kl_divergence == value);
    ferrolab::Config mcfg;
    mcfg.set("mds.method", "classical");
    ferrolab::MdsResult md = ferrolab::mds(helix, 1, mcfg);
    std::vector<double> emb1(24);
    CHECK(ferrolab_mds(mcfg.get(), helix.data.data(), 24, 3, 1, emb1.data(), &value) == FERROLAB_OK);
    CHECK(same(md.embedding.data, emb1) && md.stress == value && md.stress > 0.0);
    ferrolab::IsomapResult iso = ferrolab::isomap(helix);
    CHECK(ferrolab_isomap(nullptr, helix.data.data(), 24, 3, 2, emb.data(), &value) == FERROLAB_OK);
    CHECK(same(iso.embedding.data, emb) && iso.reconstruction_error == value);
    double trust = ferrolab::trustworthiness(helix, iso.embedding, 3);
    CHECK(ferrolab_trustworthiness(helix.data.data(), emb.data(), 24, 3, 2, 3, &value) == FERROLAB_OK);
    CHECK(trust == value && trust > 0.5 && trust <= 1.0);
    CHECK(ferrolab::trustworthiness(helix, helix) == 1.0);
    EXPECT_ERROR(ferrolab::trustworthiness(helix, ferrolab::Matrix(23, 2)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "x has 24 rows, y 23");
    EXPECT_ERROR(ferrolab::tsne(helix), FERROLAB_ERR_INVALID_ARGUMENT, "perplexity");
    return finish("analysis");
}
