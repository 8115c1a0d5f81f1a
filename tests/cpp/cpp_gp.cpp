// ferrolab::GaussianProcess: fit and predict on a few points give exactly the C API's numbers;
// covariance, samples, likelihood, hyper-parameters, save and load; shape errors. Prints
// "gp: all checks passed".
#include "check.hpp"

int main() {
    const size_t n = 12;
    ferrolab::Matrix x(n, 2), y(n, 2);
    for (size_t i = 0; i < n; i++) {
        x(i, 0) = -2.0 + 4.0 * double(i) / double(n - 1);
        x(i, 1) = std::cos(1.7 * double(i));
        y(i, 0) = std::sin(x(i, 0)) * x(i, 1);
        y(i, 1) = 0.5 * x(i, 0) - x(i, 1);
    }
    ferrolab::GaussianProcess gp = ferrolab::GaussianProcess::fit(x, y);
    CHECK(gp.shape().d == 2 && gp.shape().m == 2);
    ferrolab::Matrix xq(3, 2, {0.5, 0.2, -1.0, 0.0, 1.5, -0.5});
    ferrolab::GaussianProcess::Prediction p = gp.predict(xq);

    // The C API on the same data.
    ferrolab_gp *raw = nullptr;
    CHECK(ferrolab_gp_fit(nullptr, x.data.data(), n, 2, y.data.data(), 2, &raw) == FERROLAB_OK);
    std::vector<double> mean(6), sd(6);
    CHECK(ferrolab_gp_predict(raw, xq.data.data(), 3, 2, mean.data(), sd.data()) == FERROLAB_OK);
    CHECK(same(p.mean.data, mean) && same(p.std.data, sd));
    CHECK(std::fabs(p.mean(0, 1) - (0.25 - 0.2)) < 0.1 && p.std(0, 0) > 0.0);
    std::vector<double> lml(2);
    CHECK(ferrolab_gp_log_marginal_likelihood(raw, lml.data(), 2) == FERROLAB_OK);
    CHECK(same(gp.log_marginal_likelihood(), lml));
    std::vector<double> cov(9);
    CHECK(ferrolab_gp_predict_covariance(raw, xq.data.data(), 3, 2, 1, cov.data()) == FERROLAB_OK);
    ferrolab::Matrix c = gp.predict_covariance(xq, 1);
    CHECK(c.rows == 3 && c.cols == 3 && same(c.data, cov));
    CHECK(std::fabs(c(2, 2) - p.std(2, 1) * p.std(2, 1)) < 1e-9);
    std::vector<double> draws(4 * 3);
    CHECK(ferrolab_gp_sample(raw, xq.data.data(), 3, 2, 0, 4, 99, draws.data()) == FERROLAB_OK);
    CHECK(same(gp.sample(xq, 0, 4, 99).data, draws));
    double signal = 0, noise = 0, jitter = 0, scales[2] = {0, 0};
    size_t n_scales = 0;
    CHECK(ferrolab_gp_hyperparameters(raw, 0, &signal, scales, 2, &n_scales, &noise, &jitter) == FERROLAB_OK);
    ferrolab::GaussianProcess::Hyperparameters hp = gp.hyperparameters(0);
    CHECK(hp.signal_variance == signal && hp.noise_variance == noise && hp.jitter == jitter);
    CHECK(hp.length_scales.size() == n_scales && hp.length_scales[0] == scales[0]);
    CHECK(ferrolab_gp_free(raw) == FERROLAB_OK);

    // Save and load: the same predictions.
    gp.save("cpp_gp.bin");
    ferrolab::GaussianProcess loaded = ferrolab::GaussianProcess::load("cpp_gp.bin");
    CHECK(same(loaded.predict(xq).mean.data, mean));
    EXPECT_ERROR(ferrolab::GaussianProcess::load("no_such_model.bin"), FERROLAB_ERR_IO, "no_such_model.bin");

    // Shapes: checked here (Matrix, row counts) or by C (the model's d), both as Error.
    EXPECT_ERROR(ferrolab::Matrix(2, 2, {1.0, 2.0, 3.0}), FERROLAB_ERR_INVALID_ARGUMENT, "3 values for a 2 x 2");
    EXPECT_ERROR(ferrolab::GaussianProcess::fit(x, ferrolab::Matrix(n - 1, 1)), FERROLAB_ERR_INVALID_ARGUMENT,
                 "x has 12 rows, y 11");
    EXPECT_ERROR(gp.predict(ferrolab::Matrix(1, 3)), FERROLAB_ERR_INVALID_ARGUMENT, "");
    EXPECT_ERROR(gp.predict_covariance(xq, 2), FERROLAB_ERR_INVALID_ARGUMENT, "");
    ferrolab::Matrix bad = x;
    bad(3, 1) = NAN;
    EXPECT_ERROR(ferrolab::GaussianProcess::fit(bad, y), FERROLAB_ERR_NON_FINITE, "");
    ferrolab::Config cfg;
    cfg.set("gp.predict_latent", 1);
    ferrolab::GaussianProcess latent = ferrolab::GaussianProcess::fit(x, y, cfg);
    CHECK(latent.predict(xq).std(0, 0) < p.std(0, 0));
    ferrolab::Progress pr = gp.progress_info();
    CHECK(pr.total == 0 && std::isnan(pr.last_loss));
    CHECK(!gp.last_error().empty());
    ferrolab::GaussianProcess moved = std::move(gp);
    EXPECT_ERROR(gp.shape(), FERROLAB_ERR_NULL_POINTER, "");
    CHECK(moved.shape().m == 2);
    return finish("gp");
}
